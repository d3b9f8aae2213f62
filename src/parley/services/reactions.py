"""Reactions: members react to a message with an emoji, one reaction per member per
emoji; the message carries them aggregated (emoji, who, in the order first used).

Each add and remove is a change of the channel at its next seq, replayed on resume like
an edit. The aggregate is kept on the message row itself, so that no page, push or
answer that shows a message costs a query more for its reactions; it is changed only
after the channel's seq is taken, which locks the channel row, so concurrent reactions
in a channel apply one after the other and none is lost.
"""

from typing import Any

import emoji
from flask import current_app

from parley.changes import events
from parley.extensions import db
from parley.models import EventKind, Membership, Message
from parley.services import history
from parley.services.errors import ConflictError, ForbiddenError, InvalidError
from parley.services.messages import visible_message

EMOJI_MAX_LENGTH = 16  # characters: the longest emoji sequences have 10
VARIATION = "\ufe0f"  # emoji presentation selector


def check_emoji(text: str) -> str:
    """The emoji in its fully-qualified form (so that "❤" and "❤️" are one reaction), or
    400 naming `emoji`: exactly one emoji, as Unicode defines them."""
    if len(text) <= EMOJI_MAX_LENGTH:
        bare = text.replace(VARIATION, "")
        for candidate in (text, *_with_variations(bare)):
            if emoji.EMOJI_DATA.get(candidate, {}).get("status") == emoji.STATUS["fully_qualified"]:
                return candidate
    raise InvalidError("emoji", "Not one emoji.")


def _with_variations(bare: str) -> list[str]:
    """The text without emoji presentation selectors, then with one or two put back."""
    once = [bare[:i] + VARIATION + bare[i:] for i in range(1, len(bare) + 1)]
    twice = [
        v[:i] + VARIATION + v[i:] for v in once for i in range(v.index(VARIATION) + 2, len(v) + 1)
    ]
    return [bare, *once, *twice]


def react(user_id: int, channel_id: int, message_id: int, text: str, add: bool) -> Message:
    """Add the user's reaction to a message, or take it away; doing what is done already
    changes nothing."""
    reaction = check_emoji(text)
    message = visible_message(user_id, channel_id, message_id)
    if db.session.get(Membership, (channel_id, user_id)) is None:
        raise ForbiddenError("only members of a channel react to its messages")
    if _has_reacted(message, reaction, user_id) == add:
        return message
    kind = EventKind.REACTION_ADDED if add else EventKind.REACTION_REMOVED
    seq = history.record(channel_id, kind, message_id=message.id, user_id=user_id)
    db.session.refresh(message)  # read again under the channel's lock: others may have reacted
    summary = [dict(entry) for entry in message.reactions or []]
    entry = next((e for e in summary if e["emoji"] == reaction), None)
    if add:
        if entry is None:
            most = current_app.config["REACTIONS_PER_MESSAGE_MAX"]
            if len(summary) >= most:
                raise ConflictError("emoji", f"The message has {most} different reactions.")
            entry = {"emoji": reaction, "user_ids": []}
            summary.append(entry)
        if user_id not in entry["user_ids"]:
            entry["user_ids"] = [*entry["user_ids"], user_id]
    elif entry is not None:
        entry["user_ids"] = [u for u in entry["user_ids"] if u != user_id]
        if not entry["user_ids"]:
            summary.remove(entry)
    message.reactions = summary or None
    change = events.ReactionAdded if add else events.ReactionRemoved
    events.publish_on_commit(change(message.id, channel_id, seq, user_id))
    return message


def _has_reacted(message: Message, reaction: str, user_id: int) -> bool:
    entries: list[dict[str, Any]] = message.reactions or []
    return any(e["emoji"] == reaction and user_id in e["user_ids"] for e in entries)
