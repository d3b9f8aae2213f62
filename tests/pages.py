"""Web pages served by a test on loopback, counting every connection made to them."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = tuple[int, dict[str, str], bytes]


@dataclass
class PageServer:
    """Where the pages are, what they answer, and how many connections arrived."""

    host: str
    port: int
    routes: dict[str, Route] = field(default_factory=dict)
    connections: int = 0
    delay: float = 0.0  # seconds before each answer: a slow site

    def url(self, path: str = "/") -> str:
        """The URL of one of the pages."""
        return f"http://{self.host}:{self.port}{path}"


def html_page(title: str = "", description: str = "", og: dict[str, str] | None = None) -> Route:
    """A 200 text/html page with a <title>, a meta description and OpenGraph tags."""
    metas = "".join(
        f'<meta property="og:{k}" content="{escape(v)}">' for k, v in (og or {}).items()
    )
    if description:
        metas += f'<meta name="description" content="{escape(description)}">'
    body = f"<html><head><title>{escape(title)}</title>{metas}</head><body>hi</body></html>"
    return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()


@contextmanager
def serving(
    host: str = "127.0.0.1", routes: dict[str, Route] | None = None
) -> Iterator[PageServer]:
    """An HTTP server on host (any port) answering the routes; 404 elsewhere."""
    server_state = PageServer(host, 0, dict(routes or {}))
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if server_state.delay:
                stop.wait(server_state.delay)
            status, headers, body = server_state.routes.get(self.path, (404, {}, b"no"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            """Quiet."""

    class CountingServer(ThreadingHTTPServer):
        daemon_threads = True

        def verify_request(self, request: object, client_address: object) -> bool:
            server_state.connections += 1
            return True

    httpd = CountingServer((host, 0), Handler)
    server_state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        stop.set()
        httpd.shutdown()
        httpd.server_close()


@dataclass
class Trickle:
    """A trickling server: its URL, how many clients it is trickling to right now, and
    when (time.monotonic()) each trickle ended."""

    url: str
    trickling_to: int = 0
    ended_at: list[float] = field(default_factory=list)


@contextmanager
def trickling(host: str, part: str, interval: float = 0.2, pieces: int = 300) -> Iterator[Trickle]:
    """A server that answers one piece of its response every `interval` seconds:
    `part` is "headers" (a header line at a time) or "body" (a byte at a time). Bounded:
    at most `pieces` pieces."""
    listener = socket.create_server((host, 0))
    stop = threading.Event()
    state = Trickle(f"http://{host}:{listener.getsockname()[1]}/")
    lock = threading.Lock()

    def answer(connection: socket.socket) -> None:
        with lock:
            state.trickling_to += 1
        try:
            trickle(connection)
        finally:
            with lock:
                state.trickling_to -= 1
                state.ended_at.append(time.monotonic())

    def trickle(connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            if part == "headers":
                pieces_of = (f"X-Trickle-{n}: {n}\r\n".encode() for n in range(pieces))
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
            else:
                pieces_of = (b"x" for _ in range(pieces))
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                    + f"Content-Length: {pieces}\r\n\r\n".encode()
                )
            for piece in pieces_of:
                if stop.wait(interval):
                    return
                try:
                    connection.sendall(piece)
                except OSError:
                    return

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(connection,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield state
    finally:
        stop.set()
        listener.close()
