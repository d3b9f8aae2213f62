"""One unit of work per request, socket event and Celery task: services stage their
writes and events in the session and flush; the boundary commits once, after the work
succeeded, or rolls it all back (Indico's pattern: operations flush, the request
commits). Events leave only after that commit (parley.changes.session.Session).
"""

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from flask import Flask
from flask.typing import ResponseReturnValue

from parley.changes.session import Session
from parley.extensions import db

Handler = TypeVar("Handler", bound=Callable[..., Any])


class UnitOfWorkFlask(Flask):
    """Flask, committing each request's work when its view answered below 400.

    In dispatch_request, not after_request: a commit that fails (a unique value taken
    meanwhile, the database gone) still reaches the error handlers and answers in the
    error envelope. A view that raised is rolled back when the request ends.
    """

    def dispatch_request(self) -> ResponseReturnValue:
        """Run the view, then commit or roll back its unit of work."""
        response = self.make_response(super().dispatch_request())
        finish(succeeded=response.status_code < 400)
        return response


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the unit of work commits (never if it rolls back): queueing
    a task for a row it wrote, telling caches that something changed."""
    _session().after_commit(callback)


def savepoint() -> AbstractContextManager[None]:
    """A part of the unit of work that can fail alone (Session.savepoint): a write a
    concurrent writer may win, undone without what the unit wrote before it."""
    return _session().savepoint()


def has_written() -> bool:
    """Whether the unit of work has written anything yet."""
    return _session().has_written()


def release_connection() -> None:
    """Hand the unit of work's pooled connection back before a long wait (a password
    hash waiting for its slot): what was read stays loaded, and the next statement takes
    a connection again. A unit that has written keeps its transaction, and so its
    connection, to the end: only a unit that has only read is ended here."""
    session = _session()
    if not session.has_written():
        session.commit()


def _session() -> Session:
    session = db.session()
    assert isinstance(session, Session)
    return session


def finish(*, succeeded: bool) -> None:
    """End the unit of work: commit it, or roll it back."""
    if succeeded:
        db.session.commit()
    else:
        db.session.rollback()


def ack_succeeded(ack: object) -> bool:
    """Whether a socket handler's acknowledgement reports success: no error status (the
    v2 `status`, or the `code` of an error envelope) of 400 or more."""
    if not isinstance(ack, dict):
        return True
    status = ack.get("status", ack.get("code", 0))
    return not (isinstance(status, int) and status >= 400)


def socket_unit(handler: Handler) -> Handler:
    """Run a socket handler as one unit of work: committed before its acknowledgement
    leaves when it succeeded, rolled back when it failed or raised."""

    @functools.wraps(handler)
    def unit(*args: Any) -> Any:
        try:
            ack = handler(*args)
        except BaseException:
            db.session.rollback()
            raise
        finish(succeeded=ack_succeeded(ack))
        return ack

    return unit  # type: ignore[return-value]
