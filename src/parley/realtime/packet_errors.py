"""Malformed packets: a strike against their connection each, never a traceback.

python-engineio logs any error of its message handler with a full traceback, and
python-socketio decodes a client's Socket.IO packet in that handler: a client sending
bad JSON, a truncated packet or one nested too deep for the decoder would fill the log
with library frames, one per packet. Parley wraps that handler: a packet that does not
decode is a strike (parley.realtime.event_limits: the first is logged, the third closes
the connection). Parley's own handlers run after decoding, elsewhere (their errors keep
their tracebacks); anything else the handler raises is folded into one line.
"""

import logging
from collections.abc import Callable
from typing import Any

from parley.extensions import socketio
from parley.realtime.event_limits import strike

ENGINEIO_LOGGER = "engineio.server"
_DECODING = "message handler error"


class OneLinePacketErrors(logging.Filter):
    """Folds the traceback of a packet that could not be decoded into its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, on one line when it is a packet decoding error."""
        error = record.exc_info[1] if record.exc_info else None
        # Only a decoding error: a server's own failure (a database timeout, say) keeps
        # its traceback and its level.
        if isinstance(error, _MALFORMED) and record.getMessage() == _DECODING:
            reason = str(error).splitlines()[0][:200] if str(error) else ""
            record.msg = "refused a malformed packet: %s: %s"
            record.args = (type(error).__name__, reason)
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


# What decoding a packet raises: bad JSON, truncation, nesting, an unknown type.
_MALFORMED = (ValueError, TypeError, IndexError, RecursionError)


def init_logging() -> None:
    """Install the filter on python-engineio's logger (once per process), and count
    the malformed packets of each connection (python-socketio's admin instrumentation
    wraps the Engine.IO handlers the same way)."""
    logger = logging.getLogger(ENGINEIO_LOGGER)
    if not any(isinstance(f, OneLinePacketErrors) for f in logger.filters):
        logger.addFilter(OneLinePacketErrors())
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
