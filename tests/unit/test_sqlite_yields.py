"""A long SQLite read in a gevent server lets the other greenlets run (the progress
handler of parley.database); a write does not, since it holds SQLite's lock. A read
given to database.off_hub runs on another thread, the hub's free meanwhile. Run in a
process of its own, patched by gevent as a server is."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Counting to three million in SQL: one statement of many SQLite instructions.
SLOW = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000)"

PROBE = """
from gevent import monkey
monkey.patch_all()
import json, sys
import gevent
from gevent import monkey
from sqlalchemy import text
from parley.app import create_app
from parley.database import off_hub
from parley.extensions import db
from tests.conftest import config_for

app = create_app(config_for("sqlite:///" + sys.argv[1]))
ticks = 0
done = False

def ticker():
    global ticks
    while not done:
        ticks += 1
        gevent.sleep(0)

def during(statement):
    # The ticks another greenlet made while the statement ran (it cannot run before
    # or after: nothing yields between the reads of the count and the statement).
    before = ticks
    db.session.execute(text(statement))
    return ticks - before

with app.app_context():
    running = gevent.spawn(ticker)
    gevent.sleep(0)
    db.session.execute(text("CREATE TABLE counted (x INTEGER)"))
    read = during(sys.argv[2] + " SELECT count(*) FROM c")
    written = during("INSERT INTO counted " + sys.argv[2] + " SELECT count(*) FROM c")
    db.session.commit()
    get_ident = monkey.get_original("threading", "get_ident")

    def counted():
        return get_ident(), db.session.scalar(text(sys.argv[2] + " SELECT count(*) FROM c"))

    before = ticks
    thread, count = off_hub(counted)
    away = {"ticks": ticks - before, "count": count, "elsewhere": thread != get_ident()}
    done = True
    running.join()
    db.engine.dispose()
print(json.dumps({"read": read, "written": written, "off_hub": away}))
"""


def test_other_greenlets_run_during_a_long_read_but_not_during_a_write(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "parley.db"), SLOW],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    ticks = json.loads(finished.stdout.strip().splitlines()[-1])

    assert ticks["read"] > 10
    assert ticks["written"] == 0
    assert ticks["off_hub"]["elsewhere"]
    assert ticks["off_hub"]["count"] == 3_000_000
    assert ticks["off_hub"]["ticks"] > ticks["read"]  # the hub never waited for SQLite
