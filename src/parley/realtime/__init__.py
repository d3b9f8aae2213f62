"""Socket.IO push: thin handlers, and an outbox relay in every web process."""

import socketio as python_socketio
from flask import Flask

from parley.extensions import socketio
from parley.trusted_hosts import is_own_origin


def _async_mode() -> str:
    """gevent when the server entry point patched the standard library, else threads.

    Only `parley.wsgi` patches; the CLI, tests and workers run unpatched.
    """
    from gevent import monkey

    return "gevent" if monkey.is_module_patched("socket") else "threading"


def init_app(app: Flask) -> None:
    """Serve Socket.IO on /socket.io/ and push domain events to sockets."""
    # Importing the handler modules registers their @socketio.on handlers.
    from parley.changes import relay
    from parley.realtime import channel_events, emit, v1, v2  # noqa: F401
    from parley.realtime.compression import DeclineWebSocketCompression
    from parley.realtime.connection_limits import HandshakeLimit
    from parley.realtime.packet_errors import strike_malformed_packets

    socketio.init_app(
        app,
        async_mode=_async_mode(),
        # Always explicit: the extension object outlives an app and would otherwise keep
        # the previous app's. In this process only: every process's relay pushes to its
        # own sockets (parley.changes.relay), so no push crosses a message queue.
        client_manager=python_socketio.Manager(),
        # By default the same origin only, on a trusted host: a browser from a foreign
        # Origin gets no session.
        cors_allowed_origins=app.config["SOCKETIO_ALLOWED_ORIGINS"] or is_own_origin,
        # Events carry ids and JSON built by the schemas; no Flask session on sockets.
        manage_session=False,
    )
    strike_malformed_packets()
    app.wsgi_app = HandshakeLimit(app.wsgi_app, app)  # type: ignore[method-assign]
    app.wsgi_app = DeclineWebSocketCompression(app.wsgi_app)  # type: ignore[method-assign]
    if _async_mode() == "gevent":
        from parley.realtime.whole_frames import WholeWebSocketFrames

        app.wsgi_app = WholeWebSocketFrames(app.wsgi_app)  # type: ignore[method-assign]
    relay.init_app(app, background=_async_mode() == "gevent")
    if app.config["SERVES_SOCKETS"] and _async_mode() == "gevent":
        from parley.realtime.typing_hints import start_listening

        start_listening(app)
