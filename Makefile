# Parley's front door. `make run` and `make test` work on a fresh machine and are
# quick when everything is already in place (each step is skipped when up to date).

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
CLIENT := src/parley/web/static/app/sizes.json
# Benchmarks import the test harness that starts a topology (tests/topology.py).
BENCH := PYTHONPATH=$(CURDIR) $(BIN)/python
# The embedded default keeps its SQLite file and generated secret key here.
export PARLEY_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run cluster bench bench-rest bench-client bench-search bench-abuse test lint typecheck pytest client-test install services packages migrate clean

run: install ## migrate the embedded SQLite database; serve on http://127.0.0.1:5000 with a worker
	$(BIN)/parley serve

cluster: install services packages ## N instances behind HAProxy on PostgreSQL and Redis
	$(BIN)/parley cluster --instances $(or $(N),2)

bench: install services packages ## fan-out benchmark -> bench/reports/fanout.md (ARGS=--quick)
	$(BENCH) bench/fanout.py $(ARGS)

bench-rest: install services packages ## API v2 REST benchmark and sign-in storm (wrk) -> bench/reports/
	scripts/ensure-packages wrk
	$(BENCH) bench/rest.py $(ARGS)
	$(BENCH) bench/sign_in_storm.py

bench-client: install services packages ## the browser client in Chromium: 200 channels, 10,000 messages -> bench/reports/client.md
	$(BENCH) bench/client.py $(ARGS)

bench-search: install services packages ## full-text search over 1,000,000 messages, 10 clients -> bench/reports/search.md
	$(BENCH) bench/search.py $(ARGS)

bench-abuse: install services packages ## one user's cost to another -> bench/reports/{search_cost,sign_in_waits,socket_floods}.md
	$(BENCH) bench/search_cost.py
	$(BENCH) bench/sign_in_waits.py
	$(BENCH) bench/socket_floods.py

test: install services packages lint typecheck client-test pytest ## everything CI checks

install: $(VENV)/.installed node_modules/.installed $(CLIENT)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Compiled at install: where PYTHONDONTWRITEBYTECODE is set (this machine kind sets it),
# every process would otherwise compile its imports from source on each start.
$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The browser client (esbuild, from npm): rebuilt when a source or the packages change.
$(CLIENT): node_modules/.installed client/build.mjs $(wildcard client/src/*)
	node client/build.mjs

services: ## start the local PostgreSQL and Redis if they are stopped
	scripts/ensure-services postgresql redis

packages: ## Debian packages the cluster and its tests need (socat: multi-host; chromium: the browser tests)
	scripts/ensure-packages haproxy socat chromium

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	node_modules/.bin/eslint client tests/js bench

# The client's modules that hold logic (sequencing, unread, the outbox) under node:test.
client-test: install
	node --import ./client/test/setup.js --test client/test/

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

migrate: install ## create a migration after changing models: make migrate m="what changed"
	$(BIN)/parley db migrate -m "$(m)"

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
