"""A client's unread and mention counts, kept as docs/realtime-v2.md ("Read markers and
unread counts", "Mentions") says: a count from the server as of a seq, plus what the
channel's events past that seq add or take away; mention counts from those snapshots
alone. The browser client does the same in client/src/unread.js."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ChannelCount:
    """One channel: the server's count as of `through`, and the events past it."""

    read: int
    base: int
    through: int
    beyond: list[dict[str, Any]] = field(default_factory=list)
    mentions: int = 0


class UnreadCounts:
    """Per channel, for one user: load a count, apply events and markers, read it."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.channels: dict[int, ChannelCount] = {}

    def load(self, channel: dict[str, Any]) -> None:
        """A channel as the listing (or GET /channels/<id>) gives it, membership and all:
        a count like a marker's, as of its last_seq."""
        self.channels.setdefault(channel["id"], ChannelCount(-1, 0, -1))
        self.apply_marker(
            {
                "channel_id": channel["id"],
                "last_read_seq": channel["membership"]["last_read_seq"],
                "unread_count": channel["unread_count"],
                "mention_count": channel["mention_count"],
                "as_of_seq": channel["last_seq"],
            }
        )

    def apply_event(self, event: dict[str, Any]) -> None:
        """A channel event, applied by the protocol's rules (in seq order, once). One of
        a channel whose count has not come yet (just joined) is kept for it."""
        count = self.channels.setdefault(event["channel_id"], ChannelCount(-1, 0, -1))
        if event["seq"] > count.through:  # else: in the count
            count.beyond.append(event)

    def apply_marker(self, marker: dict[str, Any]) -> None:
        """A read_marker push, the answer of PUT /channels/<id>/read (the same body), or
        the read_state a `mention` carries."""
        count = self.channels.get(marker["channel_id"])
        if count is None:
            return
        as_of, read = marker["as_of_seq"], marker["last_read_seq"]
        if as_of < count.through or (as_of == count.through and read <= count.read):
            return  # older than what the count already covers
        count.read, count.base, count.through = read, marker["unread_count"], as_of
        count.mentions = marker["mention_count"]
        count.beyond = [event for event in count.beyond if event["seq"] > as_of]

    def mentions(self, channel_id: int) -> int:
        """How many of the channel's unread messages name the user now."""
        return self.channels[channel_id].mentions

    def unread(self, channel_id: int) -> int:
        """The channel's unread count now."""
        count = self.channels[channel_id]
        total, counted = count.base, set()
        for event in count.beyond:
            message = event.get("message")
            if message is None or message["author_id"] == self.user_id:
                continue
            if message.get("thread_root_id") is not None:
                continue  # a reply: counted in its thread
            if event["type"] == "message_posted" and not message["deleted"]:
                total += 1
                counted.add(message["id"])
            elif (
                event["type"] == "message_deleted"
                and message["seq"] > count.read
                and (message["seq"] <= count.through or message["id"] in counted)
            ):
                total -= 1
                counted.discard(message["id"])
        return total
