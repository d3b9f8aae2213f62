"""A raw Engine.IO 4 / Socket.IO 5 WebSocket client: sends any packet, as an attacker's would.

python-socketio's own client refuses to emit reserved event names and always sends
well-formed packets; this one writes the protocol's text frames by hand.
"""

import json
import socket
import time
from typing import Any

import websocket


class SocketClosedError(AssertionError):
    """The server closed the connection."""


class RawSocket:
    """One WebSocket to /socket.io/, answering pings, recording every Socket.IO packet."""

    def __init__(
        self, base_url: str, origin: str | None = None, receive_buffer: int | None = None
    ) -> None:
        """Connect; `receive_buffer` (bytes) shrinks the kernel's, so that a client that
        stops reading backs the server up sooner."""
        url = base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        options = (
            []
            if receive_buffer is None
            else [(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)]
        )
        self.ws = websocket.create_connection(
            url, timeout=10, origin=origin or base_url, sockopt=tuple(options)
        )
        opening = self.ws.recv()
        assert isinstance(opening, str), opening
        assert opening.startswith("0"), opening
        self.packets: list[str] = []

    def send(self, packet: str) -> None:
        """Send one Socket.IO packet (without Engine.IO's message prefix)."""
        self.ws.send("4" + packet)

    def connect(self, namespace: str, auth: dict[str, Any] | None = None) -> str:
        """Open a namespace; the server's answer (`0<ns>,{"sid":...}` or a refusal)."""
        prefix = "" if namespace == "/" else f"{namespace},"
        before = len(self.packets)  # an earlier connect's answer is not this one's
        self.send(f"0{prefix}{json.dumps(auth) if auth is not None else ''}")
        return self.wait_for(lambda p: p[:1] in "04" and p[1:].startswith(prefix), after=before)

    def emit(self, namespace: str, name: str, *args: Any, ack_id: int = 77) -> list[Any]:
        """Emit an event with an ack id; the ack's arguments."""
        prefix = "" if namespace == "/" else f"{namespace},"
        self.send(f"2{prefix}{ack_id}{json.dumps([name, *args])}")
        answer = self.wait_for(lambda p: p.startswith(f"3{prefix}{ack_id}"))
        acked: list[Any] = json.loads(answer[len(f"3{prefix}{ack_id}") :])
        return acked

    def events(self, namespace: str) -> list[tuple[str, Any]]:
        """(name, first argument) of every event received on a namespace so far."""
        prefix = "2" if namespace == "/" else f"2{namespace},"
        found = []
        for packet in self.packets:
            if packet.startswith(prefix) and packet[len(prefix) : len(prefix) + 1] == "[":
                name, *args = json.loads(packet[len(prefix) :])
                found.append((name, args[0] if args else None))
        return found

    def read_for(self, seconds: float) -> None:
        """Record what arrives for a while."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            self._read_one(remaining)

    def read_until(self, done: Any, timeout: float = 60.0) -> None:
        """Read until `done()` holds, each frame with the whole timeout (a receive cut
        short by a timeout in the middle of a frame would lose its start)."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"not done within {timeout} s")
            self._read_one(timeout)

    def wait_for(self, matches: Any, timeout: float = 10.0, after: int = 0) -> str:
        """The first packet (received before or now, from the `after`-th) that matches."""
        deadline = time.monotonic() + timeout
        seen = after
        while True:
            for packet in self.packets[seen:]:
                if matches(packet):
                    return packet
            seen = len(self.packets)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching packet within {timeout} s: {self.packets}")
            self._read_one(remaining)

    def _read_one(self, timeout: float) -> None:
        self.ws.settimeout(timeout)
        try:
            frame = self.ws.recv()
        except websocket.WebSocketTimeoutException:
            return
        except websocket.WebSocketConnectionClosedException:
            raise SocketClosedError(f"the server closed the socket: {self.packets}") from None
        if frame == "2":
            self.ws.send("3")
        elif isinstance(frame, str) and frame.startswith("4"):
            self.packets.append(frame[1:])

    @property
    def connected(self) -> bool:
        """Whether the WebSocket is still open."""
        return bool(self.ws.connected)

    def close(self) -> None:
        """Close the WebSocket, and its socket even when the server closed it first
        (websocket-client's close() then returns at once and leaves the socket open)."""
        self.ws.close()
        self.ws.shutdown()
