"""Mentions: "@nickname" of a channel's member, "@channel" (every member) and "@here"
(members online). The named members get a live `mention`, an entry in their mentions
list, and a mention count per channel past their read marker.

Only members are named: "@someone" who is not a member of the channel stays plain
text, notifies nobody and says nothing of whether such a user exists. A mention is
stored in the transaction that stores its message, so that one is never kept without
the other.
"""

from collections.abc import Sequence
from datetime import datetime

from flask import current_app
from sqlalchemy import ScalarSelect, delete, func, insert, or_, select, update

from parley.budgets import take
from parley.changes import events
from parley.extensions import db
from parley.models import Membership, Mention, Message, User
from parley.models.base import utcnow
from parley.rendering import Rendered, mention_candidates, render_message


def render(channel_id: int, source: str, author_id: int, before: str = "") -> Rendered:
    """Render a message of the channel, its mentions of the channel's members included;
    `before`: the HTML of the message this edits, if it does. @channel and @here that
    may not mention stay text (rendered again without them, only then)."""
    members = members_named(channel_id, source)
    rendered = render_message(source, members)
    wide = rendered.channel_wide
    if wide and not _may_name_everyone(channel_id, wide, author_id, before):
        rendered = render_message(source, members, channel_wide=False)
    return rendered


def _may_name_everyone(channel_id: int, wide: set[str], author_id: int, before: str) -> bool:
    """Whether the message's @channel / @here may mention: in a channel of at most
    CHANNEL_MENTION_MAX_MEMBERS members, within the author's RATE_LIMIT_CHANNEL_MENTIONS
    in that channel. An edit keeping those its message already made draws on nothing
    (its members were told already)."""
    if all(_names_everyone(before, name) for name in wide):
        return True
    members = db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.channel_id == channel_id)
    )
    if (members or 0) > current_app.config["CHANNEL_MENTION_MAX_MEMBERS"]:
        return False
    key = f"user:{author_id}:channel:{channel_id}"
    return take("RATE_LIMIT_CHANNEL_MENTIONS", key, "channel-mentions") is None


def _names_everyone(html: str, wide: str) -> bool:
    """Whether rendered HTML holds the @channel or @here element (in sanitized HTML a
    "<" always starts an element: text cannot forge one)."""
    return f'<span class="mention" data-mention="{wide}">' in html


def members_named(channel_id: int, source: str) -> dict[str, int]:
    """The channel's members whose nickname follows an "@" in the source: nickname -> id."""
    candidates = mention_candidates(source) if "@" in source else set()
    if not candidates:
        return {}
    rows = db.session.execute(
        select(User.nickname, User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.channel_id == channel_id, User.nickname.in_(candidates))
    )
    return {nickname: user_id for nickname, user_id in rows}  # noqa: C416 (rows, not pairs)


def record(message: Message, rendered: Rendered) -> None:
    """Make the message's mentions what its text names now, staging who was added (they
    get `mention`) and who was dropped (their counts fell). Call in the message's
    transaction, after it is flushed."""
    named = set(_recipients(message, rendered))
    rows = db.session.execute(
        select(Mention.user_id, Mention.withdrawn_at).where(Mention.message_id == message.id)
    ).all()
    held = {user_id for user_id, withdrawn_at in rows if withdrawn_at is None}
    told_before = {user_id for user_id, withdrawn_at in rows if withdrawn_at is not None}
    added, dropped = sorted(named - held), sorted(held - named)
    new, restored = (
        [u for u in added if u not in told_before],
        [u for u in added if u in told_before],
    )
    if new:
        db.session.execute(
            insert(Mention),
            [
                {
                    "user_id": user_id,
                    "message_id": message.id,
                    "channel_id": message.channel_id,
                    "seq": message.seq,
                    "created_at": message.updated_at,
                }
                for user_id in new
            ],
        )
    if restored:
        _mark(message, restored, withdrawn_at=None)
    if added:
        events.publish_on_commit(
            events.MembersMentioned(
                message.id, message.channel_id, tuple(added), told_before=tuple(restored)
            )
        )
    if dropped:
        _mark(message, dropped, withdrawn_at=utcnow())
        events.publish_on_commit(
            events.MentionsWithdrawn(message.id, message.channel_id, tuple(dropped))
        )


def withdraw(message: Message) -> None:
    """The message is gone: so are its mentions (its members' counts fall). Those an
    edit withdrew already go too, but their members' counts do not move: not told."""
    rows = db.session.execute(
        delete(Mention)
        .where(Mention.message_id == message.id)
        .returning(Mention.user_id, Mention.withdrawn_at)
    ).all()
    dropped = [user_id for user_id, withdrawn_at in rows if withdrawn_at is None]
    if dropped:
        events.publish_on_commit(
            events.MentionsWithdrawn(message.id, message.channel_id, tuple(sorted(dropped)))
        )


def _mark(message: Message, user_ids: Sequence[int], withdrawn_at: datetime | None) -> None:
    db.session.execute(
        update(Mention)
        .where(Mention.message_id == message.id, Mention.user_id.in_(user_ids))
        .values(withdrawn_at=withdrawn_at)
    )


def _recipients(message: Message, rendered: Rendered) -> Sequence[int]:
    """The members the rendered message names, read now (in its transaction), but its
    author: by nickname, everyone for @channel, those online for @here."""
    if not rendered.mentions_anyone:
        return []
    named = []
    if rendered.user_ids:
        named.append(Membership.user_id.in_(rendered.user_ids))
    if "channel" in rendered.channel_wide:
        named.append(Membership.user_id.is_not(None))
    elif "here" in rendered.channel_wide:
        named.append(User.online.is_(True))
    return db.session.scalars(
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.channel_id == message.channel_id,
            Membership.user_id != message.user_id,
            or_(*named),
        )
    ).all()


def mentions_of(user_id: int, *, before: int | None, limit: int) -> tuple[Sequence[Message], bool]:
    """The user's mentions newest first, in channels they still belong to, as messages:
    up to `limit` before message id `before`, and whether there are more."""
    query = (
        select(Message)
        .join(Mention, Mention.message_id == Message.id)
        .join(
            Membership,
            (Membership.channel_id == Mention.channel_id) & (Membership.user_id == user_id),
        )
        .where(
            Mention.user_id == user_id,
            Mention.withdrawn_at.is_(None),
            Message.deleted_at.is_(None),
        )
        .order_by(Mention.message_id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(Mention.message_id < before)
    found = db.session.scalars(query).all()
    return found[:limit], len(found) > limit


def mention_count_of(user_id: int) -> ScalarSelect[int]:
    """The user's mentions after the read marker of the Membership row of the enclosing
    query (0 where there is none)."""
    return (
        select(func.count())
        .select_from(Mention)
        .where(
            Mention.user_id == user_id,
            Mention.channel_id == Membership.channel_id,
            Mention.seq > Membership.last_read_seq,
            Mention.withdrawn_at.is_(None),
        )
        .correlate(Membership)
        .scalar_subquery()
    )
