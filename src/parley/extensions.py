"""Flask extensions, created unconfigured; the factory calls init_app on each."""

from collections.abc import Callable
from typing import Any

from apifairy import APIFairy
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_marshmallow import Marshmallow
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Connection, MetaData, event
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState

# Named constraints let Alembic alter them later, on PostgreSQL and SQLite alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every Parley model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# What a session keeps about its open transaction: the domain events staged in it
# (parley.events), the callbacks to run after its commit, and whether it wrote.
STAGED_EVENTS = "parley.staged_events"
AFTER_COMMIT = "parley.after_commit"
WROTE = "parley.wrote"


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, whose transaction is a unit of work: domain events
    staged with parley.events.publish_on_commit are written to the outbox in it and
    reach the subscribers after the commit succeeds, as do callbacks registered with
    after_commit; a rollback drops both (Zulip's send_event_on_commit and Django's
    on_commit, with a transactional outbox). Services stage and flush; the boundary
    (parley.unit_of_work) commits once."""

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once this transaction commits (never if it rolls back)."""
        self.info.setdefault(AFTER_COMMIT, []).append(callback)

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
            from parley import outbox  # both import this module

            outbox.record([event for event, in_outbox in staged if not in_outbox])
        super().commit()
        self.info.pop(WROTE, None)
        callbacks: list[Callable[[], None]] = self.info.pop(AFTER_COMMIT, [])
        if staged:
            from parley import events, outbox

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


# A session lives for one request or task: reloading every row right after its own
# commit (SQLAlchemy's default) only costs round trips.
db = SQLAlchemy(model_class=Base, session_options={"class_": Session, "expire_on_commit": False})
migrate = Migrate()
ma = Marshmallow()
apifairy = APIFairy()
socketio = SocketIO()
# Keyed by client address unless a limit says otherwise; parley.rate_limits writes the
# IETF RateLimit headers itself (Flask-Limiter's carry other names and an epoch).
limiter = Limiter(get_remote_address, headers_enabled=False)
