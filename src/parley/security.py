"""Password hashing (Argon2id) and token secrets (only their SHA-256 is stored).

Under the gevent server every request and socket of an instance shares one thread, and
one Argon2id computation takes about 0.15 s of CPU: hashing there would
stall them all. So the gevent server hashes in native threads of a small pool (argon2's
C code runs without the GIL), at a lower CPU priority than the thread that serves, and
the instances of a host hash on at most PASSWORD_HASHING_SLOTS cores at once: a storm of
guesses that kept every core busy, even at the lowest priority, doubled the other
requests' tail latency (bench/README.md, "Sign-in storm").
"""

import contextlib
import fcntl
import hashlib
import hmac
import logging
import os
import secrets
import select
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app, has_request_context, request
from gevent import monkey

from parley.services.errors import BusyError, ClientLeftError

log = logging.getLogger(__name__)

_HASHER_KEY = "parley.password_hasher"
_POOL_KEY = "parley.password_pool"
_DUMMY_HASH_KEY = "parley.dummy_password_hash"
_SLOTS_KEY = "parley.password_hashing_slots"
_QUEUE_KEY = "parley.password_hashing_queue"
# How often a request waiting for its hash looks whether its client is still there.
CLIENT_CHECK_SECONDS = 0.25
# Hashing threads run under SCHED_IDLE where the system has it: the serving thread,
# HAProxy and the database win the CPU whenever they want it, and hashing takes what is
# left (argon2's lane threads inherit the policy). Elsewhere, the lowest nice value.
_LOWEST_NICENESS = 19

Result = TypeVar("Result")


def password_hasher(settings: Mapping[str, Any]) -> PasswordHasher:
    """An Argon2id hasher with the cost parameters of `settings` (a Flask config)."""
    return PasswordHasher(
        time_cost=settings["ARGON2_TIME_COST"],
        memory_cost=settings["ARGON2_MEMORY_COST_KIB"],
        parallelism=settings["ARGON2_PARALLELISM"],
        type=Type.ID,
    )


def init_app(app: Flask) -> None:
    """Create the Argon2id hasher with the configured cost parameters, and under the
    gevent server the pool of threads it runs in."""
    app.extensions[_HASHER_KEY] = password_hasher(app.config)
    from gevent import monkey

    if monkey.is_module_patched("socket"):
        from gevent.threadpool import ThreadPool

        app.extensions[_POOL_KEY] = ThreadPool(app.config["PASSWORD_HASHING_THREADS"])
        app.extensions[_SLOTS_KEY] = HashingSlots(
            Path(app.instance_path), app.config["PASSWORD_HASHING_SLOTS"]
        )
        app.extensions[_QUEUE_KEY] = HashingQueue(app.config["PASSWORD_HASHING_QUEUE_MAX"])


class HashingQueue:
    """The hashes this process has waiting or running, up to a bound: past it a request
    is refused at once (503 and Retry-After) instead of queueing behind a storm."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0  # only the hub's greenlets count: no lock needed

    @contextlib.contextmanager
    def place(self) -> Iterator[None]:
        """A place in the queue for the block; BusyError when there is none."""
        if self.held >= self.limit:
            raise BusyError("Too many sign-ins are being checked; try again shortly.", 1)
        self.held += 1
        try:
            yield
        finally:
            self.held -= 1


@dataclass
class _Job:
    """A hash handed to a native thread; abandoned when its client left meanwhile."""

    abandoned: bool = False

    def wanted(self) -> bool:
        """Whether the hash is still wanted (read afresh: the hub may abandon it)."""
        return not self.abandoned


class HashingSlots:
    """At most `count` hashes at once among every process that shares an instance
    folder (the instances of a host): one lock file per slot, held with flock(2)
    while hashing, so the kernel frees a slot whose process dies."""

    def __init__(self, folder: Path, count: int) -> None:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.paths = [folder / f"password-hashing-{slot}.lock" for slot in range(count)]
        # flock(2) locks belong to an open file: each thread needs its own descriptors,
        # or a second thread would find the slot already "held" by the first.
        self._files = threading.local()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold a free slot for the block, waiting for one if all are taken."""
        files = self._open()
        taken = next((f for f in files if self._try(f)), None)
        if taken is None:
            # All taken: wait on one, spread by thread so that waiters share the slots.
            taken = files[threading.get_native_id() % len(files)]
            fcntl.flock(taken, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(taken, fcntl.LOCK_UN)

    def _open(self) -> list[int]:
        files: list[int] | None = getattr(self._files, "descriptors", None)
        if files is None:
            flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
            files = [os.open(path, flags, 0o600) for path in self.paths]
            self._files.descriptors = files
        return files

    @staticmethod
    def _try(descriptor: int) -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def _hasher() -> PasswordHasher:
    hasher: PasswordHasher = current_app.extensions[_HASHER_KEY]
    return hasher


def _off_event_loop(work: Callable[..., Result], *args: object) -> Result:
    """Run hashing work in the pool's native threads (the calling greenlet waits,
    the others go on), with a place in the bounded queue; without a gevent server,
    right here. A request whose client leaves while it waits is dropped unhashed."""
    pool = current_app.extensions.get(_POOL_KEY)
    if pool is None:
        return work(*args)
    slots: HashingSlots = current_app.extensions[_SLOTS_KEY]
    queue: HashingQueue = current_app.extensions[_QUEUE_KEY]
    client = _client_socket()
    with queue.place():
        job = _Job()
        result = pool.spawn(_at_low_priority, slots, job, work, *args)
        while not result.ready():
            result.wait(CLIENT_CHECK_SECONDS if client else None)
            if not result.ready() and client is not None and _client_left(client):
                job.abandoned = True  # the thread skips the hash if it has not begun
                log.warning("dropped a password check whose client left while it waited")
                raise ClientLeftError("the client left while its password check waited")
        done: Result = result.get()
        return done


def _at_low_priority(
    slots: HashingSlots, job: _Job, work: Callable[..., Result], *args: object
) -> Result | None:
    if not job.wanted():  # its client left while it waited for this thread
        return None
    lower_this_threads_priority()
    with slots.held():
        return work(*args) if job.wanted() else None  # ... or for the slot


def _client_socket() -> socket.socket | None:
    """The connection of the request being served by gunicorn, if any."""
    if not has_request_context():
        return None
    found = request.environ.get("gunicorn.socket") or request.environ.get("gunicorn.sock")
    return found if isinstance(found, socket.socket) else None


_poll = monkey.get_original("select", "poll")


def _client_left(client: socket.socket) -> bool:
    """Whether the client closed its side: readable, and at the end of its stream (a
    pipelined request would be readable with data)."""
    try:
        # poll(2), not select(2): a busy instance's sockets have descriptors past
        # select's 1,024. The unpatched one: a zero timeout never waits, so no hub turn.
        poller = _poll()
        poller.register(client.fileno(), select.POLLIN)
        readable = poller.poll(0)
        return bool(readable) and client.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def lower_this_threads_priority() -> None:
    """Give the calling thread the lowest CPU priority there is: SCHED_IDLE, else nice 19."""
    # On Linux the scheduling policy and the nice value belong to each thread
    # (sched_setscheduler(2), setpriority(2) NOTES): these calls touch this one only.
    thread = threading.get_native_id()
    try:
        os.sched_setscheduler(thread, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, thread, _LOWEST_NICENESS)


def hash_password(password: str) -> str:
    """Hash a password with Argon2id and a fresh salt."""
    return _off_event_loop(_hasher().hash, password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password in constant time; a missing hash still costs one verification."""
    if password_hash is None:
        # Spend the same work as for a real user so timing does not reveal who exists.
        _spend_verification()
        return False
    return _off_event_loop(_verify, _hasher(), password_hash, password)


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _spend_verification() -> None:
    """Verify a wrong password against a throwaway hash of the current parameters."""
    dummy: str | None = current_app.extensions.get(_DUMMY_HASH_KEY)
    if dummy is None:
        dummy = hash_password(secrets.token_urlsafe(16))
        current_app.extensions[_DUMMY_HASH_KEY] = dummy
    verify_password(dummy, secrets.token_urlsafe(16))


def password_needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with weaker parameters than the current ones."""
    return _hasher().check_needs_rehash(password_hash)


def new_token_salt() -> str:
    """Random material from which a token is derived (256 bits, hex)."""
    return secrets.token_hex(32)


def derive_token(salt: str) -> str:
    """The token for a salt: HMAC-SHA256 under the app's secret key, 64 hex characters."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"parley-api-token:" + salt.encode(), hashlib.sha256).hexdigest()


def new_secret() -> str:
    """A fresh random bearer secret (256 bits, URL-safe): v2 tokens, never stored."""
    return secrets.token_urlsafe(32)


def new_family() -> str:
    """A fresh id for one sign-in's token family (128 bits, hex)."""
    return secrets.token_hex(16)


def hash_token(token: str) -> str:
    """SHA-256 of a token, hex: the only form in which tokens are stored.

    A lone surrogate (a socket event's token argument can hold one) hashes to what
    no token is, so it is refused like any wrong token instead of raising.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def tokens_match(token_hash: str, token: str) -> bool:
    """Compare a presented token with a stored hash in constant time."""
    return hmac.compare_digest(token_hash, hash_token(token))
