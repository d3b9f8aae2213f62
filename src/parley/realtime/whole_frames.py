"""WebSocket frames written whole, one at a time.

simple-websocket (1.1.0, the latest release) writes each frame with one `socket.send`
and ignores how much of it was taken. Under gevent a send to a connection whose buffers
are full takes what fits: the rest of the frame is lost, the next frame starts in the
middle of it, and the client drops a corrupted connection (simple-websocket issue 45,
fixed upstream but not released). A client that reads slowly, on a phone network or
a busy laptop, meets exactly that. So the server's socket is handed to it wrapped: its
`send` writes every byte, and one frame at a time, since the engine's writer and
simple-websocket's own thread (pongs, closing frames) both send.
"""

from collections.abc import Callable, Iterable
from typing import Any

from gevent.lock import RLock

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class WholeSendSocket:
    """A socket whose `send` is `sendall` under a lock; everything else as the socket."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._lock = RLock()

    def send(self, data: bytes, *flags: int) -> int:
        """Write all of `data` before any other frame; the number of bytes, as send's."""
        with self._lock:
            self._sock.sendall(data, *flags)
        return len(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class WholeWebSocketFrames:
    """WSGI middleware giving a WebSocket upgrade under gunicorn the wrapped socket."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Wrap the connection's socket for a WebSocket upgrade, then serve as usual."""
        sock = environ.get("gunicorn.socket")
        if sock is not None and environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            environ["gunicorn.socket"] = WholeSendSocket(sock)
        return self.app(environ, start_response)
