"""WebSocket upgrades without permessage-deflate."""

from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class DeclineWebSocketCompression:
    """WSGI middleware that hides the client's permessage-deflate offer from the server.

    Browsers (and node's ws) offer compression on every WebSocket, and
    simple-websocket accepts whenever offered, with no setting to refuse. A
    compressed connection keeps zlib state for its whole life and deflates every
    push: measured here, resident memory per socket and CPU per delivery both
    grow (bench/reports/fanout.md). Chat events are small, so Parley declines.
    """

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Drop the Sec-WebSocket-Extensions offer, then serve as usual."""
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.app(environ, start_response)
