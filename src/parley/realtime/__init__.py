"""Socket.IO push: one emitting module, thin handlers, one Redis channel for all processes."""

from flask import Flask

from parley.extensions import socketio


def _async_mode() -> str:
    """gevent when the server entry point patched the standard library, else threads.

    Only `parley.wsgi` patches; the CLI, tests and workers run unpatched.
    """
    from gevent import monkey

    return "gevent" if monkey.is_module_patched("socket") else "threading"


def init_app(app: Flask) -> None:
    """Serve Socket.IO on /socket.io/ and push domain events to sockets."""
    # Importing the handler modules registers their @socketio.on handlers.
    from parley.realtime import emit, v1  # noqa: F401

    socketio.init_app(
        app,
        async_mode=_async_mode(),
        message_queue=app.config["REDIS_URL"] or None,
        channel=app.config["SOCKETIO_CHANNEL"],
        # None: same origin only. A browser from a foreign Origin gets no session.
        cors_allowed_origins=app.config["SOCKETIO_ALLOWED_ORIGINS"] or None,
        # Events carry ids and JSON built by the schemas; no Flask session on sockets.
        manage_session=False,
    )
    emit.subscribe()
