"""The session of every unit of work: Flask-SQLAlchemy's, with the domain events staged
in its transaction written to the outbox before it commits and handed to the subscribers
after (parley.changes.events); parley.extensions makes the app's session of this class."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Connection, event
from sqlalchemy.orm import ORMExecuteState

from parley.changes import events, outbox

# What a session keeps about its open transaction: the domain events staged in it
# (events.publish_on_commit), the callbacks to run after its commit, and whether it wrote.
STAGED_EVENTS = "parley.staged_events"
AFTER_COMMIT = "parley.after_commit"
WROTE = "parley.wrote"


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, whose transaction is a unit of work: domain events
    staged with events.publish_on_commit are written to the outbox in it and
    reach the subscribers after the commit succeeds, as do callbacks registered with
    after_commit; a rollback drops both (Zulip's send_event_on_commit and Django's
    on_commit, with a transactional outbox). Services stage and flush; the boundary
    (parley.changes.unit_of_work) commits once."""

    def stage(self, event: "events.DomainEvent", *, in_outbox: bool = False) -> None:
        """Keep an event for this transaction's commit (already written to the outbox by
        the caller if `in_outbox`)."""
        self.info.setdefault(STAGED_EVENTS, []).append((event, in_outbox))

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once this transaction commits (never if it rolls back)."""
        self.info.setdefault(AFTER_COMMIT, []).append(callback)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the transaction that can fail alone: on an error its writes, the
        events it staged and its after-commit callbacks are undone, and the rest of the
        unit goes on (a SAVEPOINT). A unit that has written nothing yet has nothing to
        keep: it is rolled back whole instead, with no SAVEPOINT round trips (and a
        PostgreSQL post, which commits its one statement on its own, runs unwrapped)."""
        if not self.has_written():
            try:
                yield
            except BaseException:
                self.rollback()
                raise
            return
        staged = len(self.info.get(STAGED_EVENTS, ()))
        callbacks = len(self.info.get(AFTER_COMMIT, ()))
        # On SQLite a SAVEPOINT outside a transaction would begin one, and releasing it
        # would commit the unit so far; a unit that has written is inside pysqlite's
        # transaction already (begin_nested flushes what is pending first).
        try:
            with self.begin_nested():
                yield
        except BaseException:
            del self.info.get(STAGED_EVENTS, [])[staged:]
            del self.info.get(AFTER_COMMIT, [])[callbacks:]
            raise

    def has_written(self) -> bool:
        """Whether the open transaction holds writes (pending, flushed or executed)."""
        return bool(self.new or self.dirty or self.deleted or self.info.get(WROTE))

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kw: Any) -> Any:
        """The connection a session was made for (the outbox relay's own), if any; else
        Flask-SQLAlchemy's engine."""
        if bind is None and isinstance(self.bind, Connection):
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kw)

    def commit(self) -> None:
        """Write the transaction's events to the outbox, commit, then hand them over."""
        staged: list[tuple[Any, bool]] = self.info.pop(STAGED_EVENTS, [])
        if staged:
            outbox.record([event for event, in_outbox in staged if not in_outbox])
        super().commit()
        self.info.pop(WROTE, None)
        callbacks: list[Callable[[], None]] = self.info.pop(AFTER_COMMIT, [])
        if staged:
            for event, _ in staged:
                events.deliver(event)
            outbox.wake_relay()
        for callback in callbacks:
            callback()

    def rollback(self) -> None:
        """Roll back, dropping the transaction's events and callbacks."""
        self._forget_transaction()
        super().rollback()

    def close(self) -> None:
        """Close (rolling back what was not committed), dropping its events and callbacks."""
        self._forget_transaction()
        super().close()

    def _forget_transaction(self) -> None:
        for key in (STAGED_EVENTS, AFTER_COMMIT, WROTE):
            self.info.pop(key, None)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, flush_context: Any) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True
