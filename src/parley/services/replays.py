"""A channel's events replayed to a reader who missed them: the /v2 socket's resume
contract, over REST. Below the channels it reads (parley.services.history keeps the log
and knows nothing of who may read it)."""

from collections.abc import Sequence
from dataclasses import dataclass

from parley.services import channels, history


@dataclass(frozen=True)
class EventsPage:
    """Events after a cursor in seq order, the channel's last seq, and whether more follow."""

    events: Sequence[history.EventView]
    last_seq: int
    more: bool


def events_after(reader_id: int, channel_id: int, after_seq: int, limit: int) -> EventsPage:
    """Up to `limit` events of a channel the reader may see, after `after_seq`: "not
    found" for a channel they may not see, StaleCursorError when the events after the
    cursor are gone (the client must resync)."""
    channel = channels.visible_channel(reader_id, channel_id)
    events, more = history.replay(channel, after_seq, limit)
    return EventsPage(events, channel.last_seq, more)
