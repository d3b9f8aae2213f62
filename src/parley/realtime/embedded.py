"""Socket.IO across the processes of the embedded default, through kombu's filesystem
transport: `make run`'s worker pushes to the web server's sockets with no server between.
"""

from typing import Any

import socketio
from kombu.entity import Queue


class EmbeddedManager(socketio.KombuManager):  # type: ignore[misc]
    """python-socketio's KombuManager with one named queue for the one web process.

    KombuManager names each listener's queue at random. The filesystem transport never
    forgets a queue, so every restart would leave one more queue that each push is
    written to and nobody reads. The embedded default runs one web process: it listens
    on one queue, emptied when it starts, so a restart replays nothing stale.
    """

    def _queue(self) -> Queue:
        return Queue(f"{self.channel}.web", self._exchange(), durable=False)

    def initialize(self) -> None:
        """Empty the web process's queue, then start listening (unless write-only)."""
        if not self.write_only:
            with self._connection() as connection:
                queue = self._queue()(connection.default_channel)
                queue.declare()
                queue.purge()
        super().initialize()


def embedded_manager(transport_options: dict[str, Any], channel: str, write_only: bool) -> Any:
    """The client manager of an embedded-default process."""
    return EmbeddedManager(
        "filesystem://",
        channel=channel,
        write_only=write_only,
        connection_options={"transport_options": transport_options},
    )
