"""The relay: every web process pushes committed events from the outbox to the sockets
it holds, by position, so that no committed change goes unpushed.

A change is pushed by every web process reading it from the database, not by the
process that made it: a writer killed right after its commit, or Redis restarting,
loses no push. Each process reads from where it started (a process that just started
holds no socket yet; its sockets resume with their cursors) and never delivers a
position twice. Channel changes are delivered in seq order, which is commit order:
positions follow transaction ids, which commit out of order, so a seq that arrives
before the one it follows is held until that one arrives (a member's sockets leave
the room before any later event of the channel is pushed).

Reading stops at the oldest transaction still running anywhere on the database server,
so a transaction that writes and then waits (on a page, a broker, a user) holds back
every push until it ends: units of work commit as soon as their work is done, and link
previews are fetched outside any transaction.

A web process (gevent) runs the relay as a background task, woken by PostgreSQL's
LISTEN/NOTIFY at each commit (on SQLite, by its own commits, and by polling for other
processes'). Elsewhere (the tests' threads, `flask run`) the process that commits
drains the outbox itself, right after its commit.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from flask import Flask
from sqlalchemy import select

from parley.changes import events, outbox
from parley.changes.outbox import Entry, Position
from parley.extensions import db, socketio
from parley.models import Message

log = logging.getLogger(__name__)

BATCH = 500  # rows read per query
BUSY_WAIT_SECONDS = 0.005  # a row waits for a running transaction: look again soon
RESTART_SECONDS = 1.0  # after a failure of the relay itself (the database went away)
INLINE_WAIT_SECONDS = 2.0  # at most, for a running transaction, when draining inline


class Relay:
    """One process's reader of the outbox, and what it holds back per channel."""

    def __init__(self, app: Flask, *, background: bool) -> None:
        self._app = app
        self._background = background
        self._start: Position | None = None
        self._position: Position | None = None
        self._next_seq: dict[int, int] = {}  # per channel, the seq to deliver next
        # Per channel, seqs that came before the one they follow: seq -> (event, since).
        self._held: dict[int, dict[int, tuple[events.DomainEvent, float]]] = {}
        self._lock = threading.Lock()
        self._pending = False
        self._woken = threading.Event()

    def prepare(self) -> None:
        """Take the starting position, if not yet taken, in the caller's transaction:
        before the events it is about to write."""
        if self._position is None:
            self._start = self._position = outbox.start_position()

    def wake(self) -> None:
        """Events committed: read them (now, unless a background task does)."""
        if self._background:
            self._woken.set()
            return
        self._pending = True
        # Whoever holds the lock drains again for a wake that came while it drained.
        while self._pending and self._lock.acquire(blocking=False):
            try:
                while self._pending:
                    self._pending = False
                    self._drain_inline()
            finally:
                self._lock.release()

    def run(self) -> None:
        """The background task: drain, wait for a commit, again; for good."""
        while True:
            try:
                with self._app.app_context(), _own_connection(), self._waiter() as wait:
                    while True:
                        wait(BUSY_WAIT_SECONDS if self.drain() else self._poll_seconds())
            except Exception:
                log.exception("outbox relay failed; starting again")
                time.sleep(RESTART_SECONDS)

    def drain(self) -> bool:
        """Deliver every event readable now; whether some wait for a running transaction
        (or for a seq before them)."""
        if self._background:  # in the task's app context, on its own connection
            return self._drain()
        with self._app.app_context():  # a session of its own, not the committer's
            try:
                return self._drain()
            finally:
                db.session.remove()

    def _drain(self) -> bool:
        self.prepare()
        assert self._position is not None
        while True:
            entries, waiting = outbox.scan(self._position, BATCH)
            # Held here while the batch is routed: the session's identity map is weak.
            loaded = _load_messages(entries)  # noqa: F841
            for entry in entries:
                self._position = entry.position
                self._route(entry)
            if waiting or len(entries) < BATCH:
                break
        self._release_overdue()
        db.session.rollback()  # no read transaction stays open between drains
        db.session.expunge_all()  # nor the rows it loaded
        return waiting or bool(self._held)

    def _drain_inline(self) -> None:
        deadline = time.monotonic() + INLINE_WAIT_SECONDS
        while self.drain() and time.monotonic() < deadline:
            time.sleep(BUSY_WAIT_SECONDS)

    def _route(self, entry: Entry) -> None:
        """Deliver an event, or hold a channel's seq until the one before it is delivered."""
        event = entry.event
        if event is None:
            log.warning("outbox row %s holds an event this code does not know", entry.position)
            return
        if entry.channel_id is None or entry.seq is None:
            self._deliver(event)
            return
        channel_id, seq = entry.channel_id, entry.seq
        expected = self._next_seq.get(channel_id)
        if expected is None:
            assert self._start is not None
            expected = outbox.first_seq_since(channel_id, self._start) or seq
        if seq < expected:
            return  # delivered already
        held = self._held.setdefault(channel_id, {})
        held[seq] = (event, time.monotonic())
        while expected in held:
            self._deliver(held.pop(expected)[0])
            expected += 1
        self._next_seq[channel_id] = expected
        if not held:
            del self._held[channel_id]

    def _release_overdue(self) -> None:
        """Deliver what waited too long for a seq that is not coming (pruned, or a
        transaction that failed in a way the log did not foresee); clients fetch the
        gap, as after any lost push (docs/realtime-v2.md, rule 3)."""
        limit = time.monotonic() - self._app.config["OUTBOX_HOLD_SECONDS"]
        for channel_id, held in list(self._held.items()):
            if min(since for _, since in held.values()) > limit:
                continue
            log.warning("channel %s: seqs before %s never came; pushing on", channel_id, min(held))
            for seq in sorted(held):
                self._deliver(held[seq][0])
            self._next_seq[channel_id] = max(held) + 1
            del self._held[channel_id]

    def _deliver(self, event: events.DomainEvent) -> None:
        events.deliver(event, relayed=True)

    def _poll_seconds(self) -> float:
        seconds: float = self._app.config["OUTBOX_POLL_SECONDS"]
        return seconds

    @contextmanager
    def _waiter(self) -> Iterator[Callable[[float], None]]:
        """A wait for the next commit: a LISTEN on PostgreSQL (every process's commits
        notify), else this process's own commits, and the poll for the others'."""
        with self._app.app_context():
            url = db.engine.url
        if url.get_backend_name() != "postgresql":

            def wait_for_wake(seconds: float) -> None:
                self._woken.wait(seconds)
                self._woken.clear()

            yield wait_for_wake
            return
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f"LISTEN {outbox.NOTIFY_CHANNEL}")

            def wait_for_notify(seconds: float) -> None:
                for _ in connection.notifies(timeout=seconds, stop_after=1):
                    pass
                # Those received meanwhile are served by the same drain.
                for _ in connection.notifies(timeout=0):
                    pass

            yield wait_for_notify


@contextmanager
def _own_connection() -> Iterator[None]:
    """Give the relay task's session a connection of its own, held while it runs.

    From the pool, the relay would queue for a connection behind every request
    handler of a burst of posts, and the pushes would stall for seconds.
    """
    with db.engine.connect() as connection:
        db.session.registry.set(db.session.session_factory(bind=connection))
        try:
            yield
        finally:
            db.session.remove()


def _load_messages(entries: list[Entry]) -> list[Message]:
    """Load the messages a batch of events is about in one query: the subscribers find
    them in the session (while the caller holds them). A query per event would also
    let every other greenlet of the process run between two events' pushes."""
    wanted = {
        events.id_in(event, "message_id")
        for event in (entry.event for entry in entries)
        if event is not None and event.facts.bears_message
    }
    if not wanted:
        return []
    return list(db.session.scalars(select(Message).where(Message.id.in_(wanted))))


def init_app(app: Flask, *, background: bool) -> None:
    """Give this app a relay: a background task in a server process, or the committing
    thread elsewhere. None for a process that holds no sockets (a Celery worker)."""
    if not app.config["SERVES_SOCKETS"]:
        return
    relay = Relay(app, background=background)
    app.extensions[outbox.RELAY_EXTENSION] = relay
    if background:
        socketio.start_background_task(relay.run)
