"""One log line, not a traceback, for each malformed packet a client sends.

python-engineio logs any error of its message handler with a full traceback, and
python-socketio decodes a client's Socket.IO packet in that handler: a client sending
bad JSON, a truncated packet or one nested too deep for the decoder would fill the log
with library frames. Parley's own handlers run after decoding, elsewhere (their errors
keep their tracebacks).
"""

import logging

ENGINEIO_LOGGER = "engineio.server"
_DECODING = "message handler error"


class OneLinePacketErrors(logging.Filter):
    """Folds the traceback of a packet that could not be decoded into its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, on one line when it is a packet decoding error."""
        if record.exc_info and record.exc_info[1] is not None and record.getMessage() == _DECODING:
            error = record.exc_info[1]
            reason = str(error).splitlines()[0][:200] if str(error) else ""
            record.msg = "refused a malformed packet: %s: %s"
            record.args = (type(error).__name__, reason)
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def init_logging() -> None:
    """Install the filter on python-engineio's logger (once per process)."""
    logger = logging.getLogger(ENGINEIO_LOGGER)
    if not any(isinstance(f, OneLinePacketErrors) for f in logger.filters):
        logger.addFilter(OneLinePacketErrors())
