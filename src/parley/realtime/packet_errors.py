"""Malformed packets: a strike against their connection each, never a traceback.

python-engineio logs any error of its message handler with a full traceback, and
python-socketio decodes a client's Socket.IO packet in that handler: a client sending
bad JSON, a truncated packet or one nested too deep for the decoder would fill the log
with library frames, one per packet. Parley wraps that handler: a packet that does not
decode is a strike (parley.realtime.event_limits: the first is logged, the third closes
the connection). Anything else the handler raises is the server's own failure (a
database timeout, say), and keeps its traceback.
"""

from collections.abc import Callable
from typing import Any

from parley.extensions import socketio
from parley.realtime.event_limits import strike

# What decoding a packet raises: bad JSON, truncation, nesting, an unknown type, a
# payload of the wrong shape (an object where the event's list belongs: KeyError).
_MALFORMED = (ValueError, TypeError, LookupError, RecursionError)


def strike_malformed_packets() -> None:
    """Count the malformed packets of each connection, in place of python-engineio's
    traceback (python-socketio's admin instrumentation wraps the Engine.IO handlers the
    same way)."""
    server = socketio.server
    server.eio.on("message", _striking(server._handle_eio_message))


def _striking(handle: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
    def handle_message(eio_sid: str, data: Any) -> Any:
        try:
            return handle(eio_sid, data)
        except _MALFORMED as error:
            reason = str(error).splitlines()[0][:200] if str(error) else ""
            strike(eio_sid, f"a malformed packet: {type(error).__name__}: {reason}")
            return None

    return handle_message
