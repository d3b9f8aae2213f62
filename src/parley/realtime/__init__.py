"""Socket.IO push: one emitting module, thin handlers, one Redis channel for all processes."""

import socketio as python_socketio
from flask import Flask

from parley.extensions import socketio
from parley.trusted_hosts import is_own_origin

IN_PROCESS = "memory://"


def _async_mode() -> str:
    """gevent when the server entry point patched the standard library, else threads.

    Only `parley.wsgi` patches; the CLI, tests and workers run unpatched.
    """
    from gevent import monkey

    return "gevent" if monkey.is_module_patched("socket") else "threading"


def init_app(app: Flask) -> None:
    """Serve Socket.IO on /socket.io/ and push domain events to sockets."""
    # Importing the handler modules registers their @socketio.on handlers.
    from parley.realtime import broadcast, channel_events, emit, v1, v2  # noqa: F401
    from parley.realtime.compression import DeclineWebSocketCompression
    from parley.realtime.packet_errors import init_logging

    manager = _client_manager(app)
    socketio.init_app(
        app,
        async_mode=_async_mode(),
        # Always explicit: the extension object outlives an app and would otherwise
        # keep the previous app's manager.
        client_manager=manager,
        # By default the same origin only, on a trusted host: a browser from a foreign
        # Origin gets no session.
        cors_allowed_origins=app.config["SOCKETIO_ALLOWED_ORIGINS"] or is_own_origin,
        # Events carry ids and JSON built by the schemas; no Flask session on sockets.
        manage_session=False,
    )
    init_logging()
    app.wsgi_app = DeclineWebSocketCompression(app.wsgi_app)  # type: ignore[method-assign]
    broadcast.init_app(app, manager)


def _client_manager(app: Flask) -> python_socketio.Manager:
    """How pushes reach every process's sockets: Redis pub/sub, or (memory://, and
    without Redis) this process only."""
    url = app.config["SOCKETIO_MESSAGE_QUEUE"] or app.config["REDIS_URL"] or IN_PROCESS
    channel, write_only = app.config["SOCKETIO_CHANNEL"], app.config["SOCKETIO_WRITE_ONLY"]
    if url == IN_PROCESS:
        return python_socketio.Manager()
    return python_socketio.RedisManager(url, channel=channel, write_only=write_only)
