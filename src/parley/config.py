"""Configuration classes: the only module that reads the environment."""

import ipaddress
import os
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

Number = TypeVar("Number", int, float)


def _usable_cores() -> int:
    """The cores this process may run on (its affinity where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _env_int(name: str, default: int) -> int:
    """Read an integer setting, failing loudly on a malformed value."""
    return _env_number(name, default, int, "an integer")


def _env_float(name: str, default: float) -> float:
    """Read a number setting, failing loudly on a malformed value."""
    return _env_number(name, default, float, "a number")


def _env_number(name: str, default: Number, parse: Callable[[str], Number], what: str) -> Number:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be {what}, got {raw!r}") from None


def _env_bool(name: str, default: bool) -> bool:
    """Read a yes/no setting (1/0, true/false, yes/no), failing loudly on anything else."""
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"environment variable {name} must be 1 or 0, got {raw!r}")


def _env_networks(name: str) -> list[str]:
    """Read a comma-separated list of CIDR networks, failing loudly on a malformed one."""
    networks = []
    for item in os.environ.get(name, "").split(","):
        if item.strip():
            try:
                networks.append(str(ipaddress.ip_network(item.strip())))
            except ValueError as error:
                raise ValueError(f"environment variable {name}: {error}") from None
    return networks


def _env_list(name: str) -> list[str]:
    """Read a comma-separated list (blank items dropped)."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def default_trusted_hosts(bind: str) -> list[str]:
    """The names a server bound to `bind` answers to by default: localhost, 127.0.0.1,
    and the bind address unless it is a wildcard (then only an explicit list will do)."""
    host = bind.rpartition(":")[0] if ":" in bind else bind
    trusted = ["localhost", "127.0.0.1"]
    if host not in ("", "0.0.0.0", "[::]", "::", *trusted) and not bind.startswith("unix:"):  # noqa: S104
        trusted.append(host)
    return trusted


def celery_queue_names(settings: Mapping[str, str]) -> tuple[str, str]:
    """The job queue and the link-preview queue these settings name (the environment's,
    or that of processes about to be started)."""
    jobs = settings.get("CELERY_QUEUE") or "parley"
    return jobs, settings.get("CELERY_PREVIEW_QUEUE") or f"{jobs}-previews"


def database_url(raw: str) -> str:
    """Map a conventional database URL onto the driver Parley ships (psycopg 3)."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


class Config:
    """Settings shared by every environment; each maps to one environment variable."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    # Where the embedded SQLite file and a generated secret key live (default: Flask's).
    INSTANCE_PATH = os.environ.get("PARLEY_INSTANCE_PATH") or None
    # Without SECRET_KEY, generate one and keep it in the instance folder (see app.py).
    GENERATE_SECRET_KEY = True
    # A relative SQLite path lives in the instance folder (Flask-SQLAlchemy's rule).
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL", "sqlite:///parley.db"))
    # Each process's connections: SQLAlchemy's defaults, settable. A request or socket
    # event waits at most DATABASE_POOL_TIMEOUT seconds for one (a socket's connect is
    # then refused with 503 and retry_after, and a request answered 503).
    # (parley.database.engine_options adds them, but to an in-memory SQLite's one connection.)
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {"pool_pre_ping": True}
    DATABASE_POOL_SIZE = _env_int("DATABASE_POOL_SIZE", 5)
    DATABASE_POOL_OVERFLOW = _env_int("DATABASE_POOL_OVERFLOW", 10)
    DATABASE_POOL_TIMEOUT = _env_float("DATABASE_POOL_TIMEOUT", 30.0)
    # Empty: one process keeps queues, pushes, limits and stats in memory (tests, `flask
    # run`); `parley serve` sets it to a Redis of its own when it is empty.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    REDIS_KEY_PREFIX = os.environ.get("REDIS_KEY_PREFIX", "parley:")

    # Host names (and addresses) this server answers to, comma-separated; ".example.com"
    # trusts its subdomains too. Any other Host header gets a 400 before anything runs,
    # Socket.IO included: a DNS-rebinding page cannot talk to the server. Empty: the
    # address of PARLEY_BIND, localhost and 127.0.0.1.
    TRUSTED_HOSTS: ClassVar[list[str]] = _env_list("TRUSTED_HOSTS") or default_trusted_hosts(
        os.environ.get("PARLEY_BIND", "127.0.0.1:5000")
    )
    # Browser origins allowed to open a socket (comma-separated). Empty: only the server's
    # own origin, on a trusted host.
    SOCKETIO_ALLOWED_ORIGINS: ClassVar[list[str]] = [
        origin.strip()
        for origin in os.environ.get("SOCKETIO_ALLOWED_ORIGINS", "").split(",")
        if origin.strip()
    ]

    # Celery's broker. Empty: REDIS_URL, or without it "memory://" (this process only;
    # `parley serve` always sets REDIS_URL, to its own Redis if none is given).
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
    # The queue tasks go to (deployments sharing a broker use their own), and the queue
    # of link previews, which a worker of its own consumes: a slow page never delays
    # asynchronous requests or beat's jobs.
    CELERY_QUEUE, CELERY_PREVIEW_QUEUE = celery_queue_names(os.environ)
    # Every task: the soft limit raises inside it (its transaction rolls back), the hard
    # limit kills the process running it. Seconds.
    CELERY_TASK_SOFT_TIME_LIMIT = _env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60)
    CELERY_TASK_TIME_LIMIT = _env_int("CELERY_TASK_TIME_LIMIT", 90)
    # Redis broker: a task unacknowledged this long (its worker died) is delivered again.
    CELERY_VISIBILITY_TIMEOUT = _env_int("CELERY_VISIBILITY_TIMEOUT", 600)
    # False for processes that hold no sockets (workers, beat): they run no outbox relay.
    SERVES_SOCKETS = True

    # Jobs (asynchronous requests): answers are kept JOB_RETENTION_SECONDS after they are
    # ready; a job untouched for JOB_STALL_SECONDS is queued again (its task was lost),
    # and after JOB_MAX_ATTEMPTS runs it answers 500.
    JOB_RETENTION_SECONDS = _env_int("JOB_RETENTION_SECONDS", 86400)
    JOB_STALL_SECONDS = _env_int("JOB_STALL_SECONDS", 120)
    JOB_MAX_ATTEMPTS = _env_int("JOB_MAX_ATTEMPTS", 5)
    # Revoked or expired tokens are deleted this long after they died.
    TOKEN_RETENTION_SECONDS = _env_int("TOKEN_RETENTION_SECONDS", 7 * 86400)
    # API v2 sign-ins: access tokens are short-lived, refresh tokens rotate on every use.
    ACCESS_TOKEN_SECONDS = _env_int("ACCESS_TOKEN_SECONDS", 15 * 60)
    REFRESH_TOKEN_SECONDS = _env_int("REFRESH_TOKEN_SECONDS", 30 * 86400)
    # Channel events are kept this long for resuming clients; an older cursor must resync.
    CHANNEL_EVENT_RETENTION_SECONDS = _env_int("CHANNEL_EVENT_RETENTION_SECONDS", 7 * 86400)
    # The outbox (parley.changes.outbox): rows are kept this long, long enough for any relay
    # that is running to have read them. A relay on SQLite (no LISTEN/NOTIFY) looks for
    # other processes' commits this often; on PostgreSQL this is only the fallback of
    # a lost notification. A channel's seq held back this long for the one before it
    # is pushed without it (clients fetch the gap).
    OUTBOX_RETENTION_SECONDS = _env_int("OUTBOX_RETENTION_SECONDS", 3600)
    OUTBOX_POLL_SECONDS = _env_float("OUTBOX_POLL_SECONDS", 0.2)
    OUTBOX_HOLD_SECONDS = _env_float("OUTBOX_HOLD_SECONDS", 5.0)
    # GET /channels/<id>/events answers at most this many events at a time.
    REPLAY_PAGE_SIZE = _env_int("REPLAY_PAGE_SIZE", 500)
    # A /v2 socket resuming further behind than this in one channel is told to resync
    # (load the history over REST) rather than replayed event by event; and so is every
    # channel past REPLAY_MAX_PER_RESUME events replayed to it in all, whatever its
    # cursors: one connect pushes that many events at most.
    REPLAY_MAX_EVENTS = _env_int("REPLAY_MAX_EVENTS", 10_000)
    REPLAY_MAX_PER_RESUME = _env_int("REPLAY_MAX_PER_RESUME", 1_000)
    # Message history pages: the default and the largest size a client may ask for.
    HISTORY_PAGE_SIZE = _env_int("HISTORY_PAGE_SIZE", 50)
    HISTORY_PAGE_MAX = _env_int("HISTORY_PAGE_MAX", 100)
    # GET /api/v2/users (the directory): default and largest page.
    USERS_PAGE_SIZE = _env_int("USERS_PAGE_SIZE", 20)
    USERS_PAGE_MAX = _env_int("USERS_PAGE_MAX", 100)
    # How often beat runs the clean-up jobs above (seconds).
    CLEANUP_INTERVAL = _env_int("CLEANUP_INTERVAL", 300)

    # Link previews never fetch from private, loopback, link-local... addresses, except
    # from these networks (comma-separated CIDRs): an intranet, or a test's loopback.
    LINK_PREVIEW_ALLOWED_NETWORKS: ClassVar[list[str]] = _env_networks(
        "LINK_PREVIEW_ALLOWED_NETWORKS"
    )
    # Seconds one page's fetch may take in all: connections, redirects, headers, body.
    LINK_PREVIEW_DEADLINE = _env_int("LINK_PREVIEW_DEADLINE", 10)
    # Seconds all of one message's pages may take, and all of one author's pages within
    # a minute (counted across workers): one author's slow links cannot hold the queue.
    LINK_PREVIEW_MESSAGE_SECONDS = _env_int("LINK_PREVIEW_MESSAGE_SECONDS", 10)
    LINK_PREVIEW_AUTHOR_SECONDS = _env_int("LINK_PREVIEW_AUTHOR_SECONDS", 20)

    # Users not seen for PRESENCE_TIMEOUT seconds go offline, those online but not active
    # for PRESENCE_AWAY_SECONDS go away; beat sweeps this often. A /v2 socket's pushes
    # of presence changes go out at most once per PRESENCE_COALESCE_SECONDS, merged.
    PRESENCE_TIMEOUT = _env_int("PRESENCE_TIMEOUT", 60)
    PRESENCE_AWAY_SECONDS = _env_int("PRESENCE_AWAY_SECONDS", 300)
    PRESENCE_COALESCE_SECONDS = _env_float("PRESENCE_COALESCE_SECONDS", 1.0)
    PRESENCE_SWEEP_INTERVAL = _env_int("PRESENCE_SWEEP_INTERVAL", 5)

    # Argon2id parameters: 64 MiB and 3 passes (RFC 9106's low-memory profile, above
    # OWASP's minimum of 19 MiB and 2) in one lane, so that a hash takes one core: the
    # attacker's cost is memory times passes whatever the lanes, and the slots below
    # count cores. Hashes made with other parameters are redone at the next sign-in.
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST_KIB = _env_int("ARGON2_MEMORY_COST_KIB", 65536)
    ARGON2_PARALLELISM = _env_int("ARGON2_PARALLELISM", 1)
    # Native threads of a gevent server that hash passwords, off its event loop.
    PASSWORD_HASHING_THREADS = _env_int("PASSWORD_HASHING_THREADS", 1)
    # Hashes at once on this host, among all the instances sharing the instance folder:
    # half the cores, at least one. Every core busy hashing, even at the lowest priority,
    # doubled the other requests' tail latency (bench/README.md, "Sign-in storm").
    PASSWORD_HASHING_SLOTS = _env_int("PASSWORD_HASHING_SLOTS", max(1, _usable_cores() // 2))
    # Hashes an instance lets wait or run at once (sign-ins, sign-ups, password changes);
    # one more is refused at once with a 503 and Retry-After. None of them holds a
    # database connection while it waits.
    PASSWORD_HASHING_QUEUE_MAX = _env_int("PASSWORD_HASHING_QUEUE_MAX", 8)

    # A user's last_seen_at is written at most this often (seconds) while online.
    PRESENCE_PING_INTERVAL = _env_int("PRESENCE_PING_INTERVAL", 10)
    # parley.read_cache: how long an entry may live at most (0 turns the caches off),
    # a bound for an invalidation that could not be published; and how much memory
    # each process gives them (a history page of 50 is about 16 KiB).
    READ_CACHE_SECONDS = _env_int("READ_CACHE_SECONDS", 300)
    READ_CACHE_MEGABYTES = _env_int("READ_CACHE_MEGABYTES", 64)
    # v1 lists messages of the last 24 hours only, as Flack did.
    V1_MESSAGE_WINDOW = _env_int("V1_MESSAGE_WINDOW", 86400)
    # RFC 9745 Deprecation date of API v1 (Unix seconds): 2026-11-24T00:00:00Z.
    V1_DEPRECATION_DATE = _env_int("V1_DEPRECATION_DATE", 1795478400)

    # Rate limits (parley.rate_limits), each "N per second|minute|hour|day" or "N per
    # M minutes". Counted in Redis across instances when REDIS_URL is set.
    # Typing hints: a socket's hints for one channel go out at most once per THROTTLE
    # seconds; clients drop one after EXPIRES seconds unless renewed; a socket with more
    # than SHED_QUEUE packets waiting to go out gets none.
    TYPING_THROTTLE_SECONDS = _env_float("TYPING_THROTTLE_SECONDS", 2.0)
    TYPING_EXPIRES_SECONDS = _env_int("TYPING_EXPIRES_SECONDS", 6)
    TYPING_SHED_QUEUE = _env_int("TYPING_SHED_QUEUE", 16)

    # Pinned messages a channel holds at most (a pin past it is a 409).
    PINS_PER_CHANNEL_MAX = _env_int("PINS_PER_CHANNEL_MAX", 100)
    # Results per page of GET /search, unless `limit` asks for fewer or more (up to
    # HISTORY_PAGE_MAX).
    SEARCH_PAGE_SIZE = _env_int("SEARCH_PAGE_SIZE", 20)
    # Matches a search looks at per page at most, newest first below its cursor: what
    # bounds one search's work whatever the words (a page may then hold fewer results,
    # with a `next` to go on from).
    SEARCH_SCAN_MAX = _env_int("SEARCH_SCAN_MAX", 5000)
    # Threads listed at most by GET /users/me/threads (the latest replied first).
    THREADS_LIST_MAX = _env_int("THREADS_LIST_MAX", 100)
    # Different emoji a message may be reacted with (a new one past it is a 409).
    REACTIONS_PER_MESSAGE_MAX = _env_int("REACTIONS_PER_MESSAGE_MAX", 20)

    RATE_LIMITS_ENABLED = _env_bool("RATE_LIMITS_ENABLED", True)
    # Every request, per client address: a flood guard, well above any real client.
    RATE_LIMIT_REQUESTS = os.environ.get("RATE_LIMIT_REQUESTS", "3000 per minute")
    # Sign-in attempts per address; failures per account and address; failures per
    # account from addresses that never signed in to it (the lock-out).
    RATE_LIMIT_SIGN_IN = os.environ.get("RATE_LIMIT_SIGN_IN", "30 per minute")
    RATE_LIMIT_SIGN_IN_FAILURES = os.environ.get("RATE_LIMIT_SIGN_IN_FAILURES", "5 per minute")
    RATE_LIMIT_SIGN_IN_ACCOUNT = os.environ.get("RATE_LIMIT_SIGN_IN_ACCOUNT", "50 per hour")
    # Sign-ups per address; the rest per user.
    RATE_LIMIT_SIGN_UP = os.environ.get("RATE_LIMIT_SIGN_UP", "20 per hour")
    RATE_LIMIT_POST = os.environ.get("RATE_LIMIT_POST", "60 per minute")
    RATE_LIMIT_EDIT = os.environ.get("RATE_LIMIT_EDIT", "60 per minute")
    # Searches: each is a full-text query over every message a user may read.
    RATE_LIMIT_SEARCH = os.environ.get("RATE_LIMIT_SEARCH", "60 per minute")
    # Reactions added or taken back.
    RATE_LIMIT_REACT = os.environ.get("RATE_LIMIT_REACT", "120 per minute")
    RATE_LIMIT_CHANNEL = os.environ.get("RATE_LIMIT_CHANNEL", "30 per hour")
    RATE_LIMIT_MEMBERSHIP = os.environ.get("RATE_LIMIT_MEMBERSHIP", "120 per hour")
    # Read markers moved: a client marks as it scrolls, at most about once a second.
    RATE_LIMIT_READ = os.environ.get("RATE_LIMIT_READ", "120 per minute")
    RATE_LIMIT_JOB = os.environ.get("RATE_LIMIT_JOB", "60 per minute")
    # @channel and @here that notify, per author and channel (past it they stay text),
    # and only in channels of at most CHANNEL_MENTION_MAX_MEMBERS members.
    RATE_LIMIT_CHANNEL_MENTIONS = os.environ.get("RATE_LIMIT_CHANNEL_MENTIONS", "3 per 10 minutes")
    CHANNEL_MENTION_MAX_MEMBERS = _env_int("CHANNEL_MENTION_MAX_MEMBERS", 1000)
    # Events one socket may send, counted by its own process; a socket refused more
    # often than RATE_LIMIT_SOCKET_REFUSALS is disconnected.
    RATE_LIMIT_SOCKET_EVENTS = os.environ.get("RATE_LIMIT_SOCKET_EVENTS", "30 per 10 seconds")
    RATE_LIMIT_SOCKET_REFUSALS = os.environ.get("RATE_LIMIT_SOCKET_REFUSALS", "30 per minute")
    # Events all of one user's /v2 sockets on an instance may send together.
    RATE_LIMIT_SOCKET_EVENTS_USER = os.environ.get(
        "RATE_LIMIT_SOCKET_EVENTS_USER", "60 per 10 seconds"
    )
    # Connections (Engine.IO handshakes) an address may open, and namespaces it may
    # connect, each counted in Redis across instances; /v2 sockets a user may connect.
    RATE_LIMIT_SOCKET_CONNECTS = os.environ.get("RATE_LIMIT_SOCKET_CONNECTS", "120 per minute")
    RATE_LIMIT_SOCKET_CONNECTS_USER = os.environ.get(
        "RATE_LIMIT_SOCKET_CONNECTS_USER", "20 per minute"
    )
    # Sockets one address, and /v2 sockets one user, may hold on an instance at once.
    SOCKETS_PER_ADDRESS_MAX = _env_int("SOCKETS_PER_ADDRESS_MAX", 100)
    SOCKETS_PER_USER_MAX = _env_int("SOCKETS_PER_USER_MAX", 20)
    # Reverse proxies in front that set X-Forwarded-For (HAProxy: 1). 0: none, and the
    # client address is the connection's.
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)

    # Larger request bodies get a 413 before any parsing.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 1024 * 1024)

    APIFAIRY_TITLE = "Parley API"
    APIFAIRY_VERSION = "2"
    APIFAIRY_APISPEC_PATH = "/api/v2/openapi.json"
    # APIFairy's UI pages load their scripts from a CDN; Parley serves none at run time.
    APIFAIRY_UI_PATH = None


class DevelopmentConfig(Config):
    """Local development: the embedded defaults."""


class ProductionConfig(Config):
    """A deployment: secrets must come from the environment."""

    GENERATE_SECRET_KEY = False


class TestingConfig(Config):
    """The test suite: fast hashing, an in-memory database unless a test says otherwise."""

    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105 -- not a real secret
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    REDIS_URL = ""
    # The cheapest parameters argon2 accepts: hashing is not what most tests are about.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST_KIB = 8
    ARGON2_PARALLELISM = 1
    PRESENCE_PING_INTERVAL = 0
    # Most tests are not about limits; tests/security/ turns them on.
    RATE_LIMITS_ENABLED = False
    # Tasks queue in memory; tests run them in-process (tests/jobs.py) or start workers.
    CELERY_BROKER_URL = "memory://"


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def config_from_env() -> type[Config]:
    """Pick the configuration class named by PARLEY_ENV (default: development)."""
    name = os.environ.get("PARLEY_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ValueError(f"PARLEY_ENV must be one of {sorted(CONFIGS)}, got {name!r}") from None
