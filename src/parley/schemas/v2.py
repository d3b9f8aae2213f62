"""API v2 schemas: request bodies and queries are strict, times are ISO 8601 in UTC.

The same schemas describe the Socket.IO /v2 payloads (parley.realtime.v2), so the
OpenAPI document and the realtime protocol cannot drift apart.
"""

from typing import Any

import orjson
from marshmallow import (
    RAISE,
    ValidationError,
    fields,
    post_dump,
    pre_load,
    validate,
    validates,
    validates_schema,
)
from marshmallow.utils import get_value

from parley.extensions import ma
from parley.models import ChannelKind, EventKind, MemberRole
from parley.models.base import MAX_ID, MAX_SEQ, utcnow
from parley.models.channel import CHANNEL_NAME_MAX_LENGTH
from parley.models.message import CLIENT_MSG_ID_MAX_LENGTH
from parley.models.user import NICKNAME_MAX_LENGTH
from parley.schemas.fields import (
    DecimalInteger,
    EncodableText,
    UTCDateTime,
    no_control_characters,
    not_blank,
)
from parley.schemas.v1 import NICKNAME_RULES, PASSWORD_RULES, SOURCE_RULES, Rules

TOPIC_MAX_LENGTH = 250
# Bounded by what the columns hold: a larger number is a 400, never a database error.
ID = validate.Range(1, MAX_ID)
SEQ = validate.Range(0, MAX_SEQ)
POSITIVE_SEQ = validate.Range(1, MAX_SEQ)
PAGE_LIMIT = validate.Range(1, MAX_ID)  # then capped by the page size settings
CHANNEL_NAME_RULES: Rules = [
    validate.Length(1, CHANNEL_NAME_MAX_LENGTH),
    not_blank,
    no_control_characters,
]
CLIENT_MSG_ID_RULES: Rules = [
    validate.Length(1, CLIENT_MSG_ID_MAX_LENGTH),
    no_control_characters,
]


class V2Schema(EncodableText, ma.Schema):  # type: ignore[name-defined,misc]
    """Unknown fields are refused by name, never ignored."""

    class Meta:
        unknown = RAISE


class SignUpSchema(V2Schema):
    """POST /users."""

    nickname = fields.String(required=True, validate=NICKNAME_RULES)
    password = fields.String(required=True, load_only=True, validate=PASSWORD_RULES)


class UserSchema(V2Schema):
    """A user as every signed-in user sees them: presence is the server's to see, as
    Mattermost and Slack show status to the whole workspace."""

    id = fields.Integer(dump_only=True)
    nickname = fields.String(dump_only=True)
    online = fields.Boolean(dump_only=True)
    presence = fields.String(
        dump_only=True, metadata={"description": '"online", "away" (idle) or "offline".'}
    )
    last_seen_at = fields.DateTime(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class MeSchema(UserSchema):
    """You, as you see yourself: also when you last did anything (input, a request),
    which nobody else is shown."""

    last_active_at = fields.DateTime(dump_only=True, allow_none=True)


class TokenPairSchema(V2Schema):
    """A sign-in or refresh: send `access_token` as Bearer; trade `refresh_token` once.
    With `refresh_in=cookie`, `refresh_token` is not in the body: it is set as an
    HttpOnly cookie, which page script cannot read."""

    access_token = fields.String(dump_only=True)
    token_type = fields.Constant("Bearer", dump_only=True)
    expires_in = fields.Method("seconds_left", dump_only=True)
    access_expires_at = fields.DateTime(dump_only=True)
    refresh_token = fields.String(dump_only=True)
    refresh_expires_at = fields.DateTime(dump_only=True)

    def seconds_left(self, pair: Any) -> int:
        """Seconds until the access token expires."""
        expires_at = get_value(pair, "access_expires_at")  # a TokenPair, or its fields
        return max(0, int((expires_at - utcnow()).total_seconds()))

    @post_dump
    def without_a_cookie_token(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """A refresh token sent as a cookie is not repeated in the body."""
        if data.get("refresh_token") is None:
            data.pop("refresh_token", None)
        return data


class RefreshSchema(V2Schema):
    """PUT /tokens: the refresh token to trade (none with `refresh_in=cookie`: the
    cookie carries it)."""

    refresh_token = fields.String(validate=validate.Length(1, 200))


class MembershipSchema(V2Schema):
    """The caller's place in a channel."""

    role = fields.Enum(MemberRole, by_value=True, dump_only=True)
    last_read_seq = fields.Integer(dump_only=True)
    joined_at = fields.DateTime(dump_only=True)


class ChannelSchema(V2Schema):
    """A channel, with the caller's membership (null when not a member).

    Dumps a parley.services.channels.ChannelView.
    """

    id = fields.Integer(attribute="channel.id", dump_only=True)
    kind = fields.Enum(ChannelKind, by_value=True, attribute="channel.kind", dump_only=True)
    name = fields.String(attribute="channel.name", dump_only=True, allow_none=True)
    topic = fields.String(attribute="channel.topic", dump_only=True)
    last_seq = fields.Integer(attribute="channel.last_seq", dump_only=True)
    created_at = fields.DateTime(attribute="channel.created_at", dump_only=True)
    membership = fields.Nested(MembershipSchema, dump_only=True, allow_none=True)
    unread_count = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "Others' messages after your read marker, among those up to "
            "last_seq (null when not a member)."
        },
    )
    mention_count = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "Of those unread, the messages that name you: @you, @channel, "
            "or @here while you were online (null when not a member)."
        },
    )


class ReadMarkerSchema(V2Schema):
    """PUT /channels/<id>/read: how far you have read."""

    seq = fields.Integer(required=True, strict=True, validate=SEQ)


class ReadStateSchema(V2Schema):
    """Your read marker in a channel and what is unread after it, counted in one
    snapshot up to `as_of_seq` (the channel's last seq then)."""

    channel_id = fields.Integer(dump_only=True)
    last_read_seq = fields.Integer(dump_only=True)
    unread_count = fields.Integer(dump_only=True)
    as_of_seq = fields.Integer(dump_only=True)
    mention_count = fields.Integer(
        dump_only=True, metadata={"description": "How many of the unread messages name you."}
    )


class ChannelCreateSchema(V2Schema):
    """POST /channels: a public or private channel."""

    name = fields.String(required=True, validate=CHANNEL_NAME_RULES)
    kind = fields.Enum(
        ChannelKind,
        by_value=True,
        load_default=ChannelKind.PUBLIC,
        validate=validate.OneOf([ChannelKind.PUBLIC, ChannelKind.PRIVATE]),
    )
    topic = fields.String(
        load_default="", validate=[validate.Length(0, TOPIC_MAX_LENGTH), no_control_characters]
    )


class ChannelListSchema(V2Schema):
    """Every channel the caller may see."""

    channels = fields.List(fields.Nested(ChannelSchema))


class UserRefSchema(V2Schema):
    """A body naming one user: POST /channels/direct, POST /channels/<id>/members."""

    user_id = fields.Integer(required=True, strict=True, validate=ID)


class MemberSchema(V2Schema):
    """A member of a channel."""

    user_id = fields.Integer(dump_only=True)
    role = fields.Enum(MemberRole, by_value=True, dump_only=True)
    joined_at = fields.DateTime(dump_only=True)


class MemberListSchema(V2Schema):
    """A channel's members."""

    members = fields.List(fields.Nested(MemberSchema))


class PreviewSchema(V2Schema):
    """A link preview, plain text."""

    url = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    description = fields.String(dump_only=True)


class ReactionSchema(V2Schema):
    """One emoji reacted with on a message: how many members, and who (first first)."""

    emoji = fields.String(dump_only=True)
    count = fields.Integer(dump_only=True)
    user_ids = fields.List(fields.Integer(), dump_only=True)


class MessageSchema(V2Schema):
    """A message; a deleted one keeps its place (seq) with no content."""

    id = fields.Integer(dump_only=True)
    channel_id = fields.Integer(dump_only=True)
    seq = fields.Integer(dump_only=True)
    author_id = fields.Integer(attribute="user_id", dump_only=True)
    source = fields.String(dump_only=True)
    html = fields.String(dump_only=True)
    previews = fields.List(fields.Nested(PreviewSchema), attribute="found_previews", dump_only=True)
    client_msg_id = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    deleted = fields.Method("is_deleted", dump_only=True)
    pinned_at = fields.DateTime(dump_only=True, allow_none=True)
    pinned_by = fields.Integer(
        dump_only=True, allow_none=True, metadata={"description": "Who pinned it."}
    )
    reactions = fields.List(
        fields.Nested(ReactionSchema), attribute="reaction_counts", dump_only=True
    )
    thread_root_id = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The message this one replies to in its thread; null: none."},
    )
    reply_count = fields.Integer(dump_only=True, metadata={"description": "On a root: replies."})
    last_reply_at = fields.DateTime(dump_only=True, allow_none=True)

    def is_deleted(self, message: Any) -> bool:
        """Whether the author deleted it."""
        return message.deleted_at is not None


class PinListSchema(V2Schema):
    """A channel's pinned messages, the latest pinned first."""

    messages = fields.List(fields.Nested(MessageSchema))


class MessageCreateSchema(V2Schema):
    """POST /channels/<id>/messages: a retransmission with the same client_msg_id returns
    the original message instead of posting twice."""

    source = fields.String(required=True, validate=SOURCE_RULES)
    client_msg_id = fields.String(required=True, validate=CLIENT_MSG_ID_RULES)
    thread_root_id = fields.Integer(
        strict=True,
        validate=ID,
        metadata={"description": "Reply in the thread of this message (a root of the channel)."},
    )


class MessageEditSchema(V2Schema):
    """PATCH /channels/<id>/messages/<id>."""

    source = fields.String(required=True, validate=SOURCE_RULES)


class QuerySchema(V2Schema):
    """A query string: an unknown or repeated parameter is refused by name, as an
    unknown body field is (webargs would ignore the one and take the first of the other)."""

    @pre_load
    def refuse_unknown_and_repeated(self, data: Any, **kwargs: Any) -> Any:
        """Name each parameter the schema does not take, or that came more than once."""
        given = getattr(data, "data", data)  # webargs' proxy of the request's MultiDict
        getlist = getattr(given, "getlist", lambda key: [given[key]])
        errors = {}
        for key in given:
            if key not in self.load_fields:
                errors[key] = ["Unknown parameter."]
            elif len(getlist(key)) > 1:
                errors[key] = ["Given more than once."]
        if errors:
            raise ValidationError(errors)
        return data


class TokenDeliverySchema(QuerySchema):
    """POST and PUT /tokens: where the refresh token travels. `body` (the default), or
    `cookie`: an HttpOnly, SameSite=Strict cookie scoped to /api/v2/tokens, for browsers."""

    refresh_in = fields.String(load_default="body", validate=validate.OneOf(["body", "cookie"]))


class HistoryQuerySchema(QuerySchema):
    """Keyset pages by seq: `before` (older), `after` (newer), or neither (the newest)."""

    before = DecimalInteger(validate=POSITIVE_SEQ)
    after = DecimalInteger(validate=SEQ)
    limit = DecimalInteger(validate=PAGE_LIMIT)

    @validates_schema
    def one_direction(self, data: dict[str, Any], **kwargs: Any) -> None:
        """`before` and `after` together would be two pages."""
        if "before" in data and "after" in data:
            raise ValidationError("Use either before or after, not both.", "before")


class EncodedOrNested(fields.Nested):
    """Nested, but what is already encoded JSON (orjson.Fragment) goes out as it is."""

    def _serialize(self, nested_obj: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if isinstance(nested_obj, orjson.Fragment):
            return nested_obj
        return super()._serialize(nested_obj, attr, obj, **kwargs)  # type: ignore[no-untyped-call]


class HistoryPageSchema(V2Schema):
    """A page of messages in seq order; `more` says whether the same direction has more."""

    # A page served from the read cache brings its messages encoded.
    messages = EncodedOrNested(MessageSchema, many=True)
    more = fields.Boolean()


class UsersQuerySchema(QuerySchema):
    """GET /users: nicknames starting with `q` (all when empty), in nickname order, a
    page at a time: ask again with `after` = the last nickname of the page."""

    q = fields.String(
        load_default="", validate=[validate.Length(0, NICKNAME_MAX_LENGTH), no_control_characters]
    )
    after = fields.String(validate=NICKNAME_RULES)
    limit = DecimalInteger(validate=PAGE_LIMIT)


class UsersPageSchema(V2Schema):
    """A page of the user directory; `more` says to ask again `after` its last nickname."""

    users = fields.List(fields.Nested(UserSchema))
    more = fields.Boolean()


class EventsQuerySchema(QuerySchema):
    """GET /channels/<id>/events: everything after the last seq the client saw."""

    after = DecimalInteger(required=True, validate=SEQ)
    limit = DecimalInteger(validate=PAGE_LIMIT)


class EventSchema(V2Schema):
    """A channel event: the Socket.IO /v2 push of the same name, and a replayed one."""

    channel_id = fields.Integer(dump_only=True)
    seq = fields.Integer(dump_only=True)
    type = fields.Enum(EventKind, by_value=True, attribute="kind", dump_only=True)
    message = fields.Nested(MessageSchema, dump_only=True, allow_none=True)
    user_id = fields.Integer(dump_only=True, allow_none=True)


class EventsPageSchema(V2Schema):
    """Missed events in seq order; `more` says to ask again after the last one."""

    events = fields.List(fields.Nested(EventSchema))
    last_seq = fields.Integer()
    more = fields.Boolean()


# The Socket.IO /v2 namespace (docs/realtime-v2.md). Channel events use EventSchema.

MAX_CURSORS = 1000


class SocketAuthSchema(V2Schema):
    """The `auth` of a /v2 connection: an access token and, per channel id, the last seq
    the client applied (events after it are replayed)."""

    token = fields.String(required=True, validate=validate.Length(1, 200))
    cursors = fields.Dict(
        keys=DecimalInteger(validate=ID),
        values=fields.Integer(strict=True, validate=SEQ),
        load_default=dict,
    )

    @validates("cursors")
    def few_enough(self, cursors: dict[int, int], **kwargs: Any) -> None:
        """One socket follows at most MAX_CURSORS channels' cursors."""
        if len(cursors) > MAX_CURSORS:
            raise ValidationError(f"At most {MAX_CURSORS} channels.")


class SocketPostSchema(V2Schema):
    """The `post_message` event: as POST /channels/<id>/messages, with the channel's id."""

    channel_id = fields.Integer(required=True, strict=True, validate=ID)
    source = fields.String(required=True, validate=SOURCE_RULES)
    client_msg_id = fields.String(required=True, validate=CLIENT_MSG_ID_RULES)
    thread_root_id = fields.Integer(strict=True, validate=ID)


class SocketTypingSchema(V2Schema):
    """The `typing` event a client sends while its user types in a channel."""

    channel_id = fields.Integer(required=True, strict=True, validate=ID)


class TypingSchema(V2Schema):
    """`typing` pushed to a channel's other members: hide it after `expires_in` seconds
    unless another comes, or at once when that user's message arrives."""

    channel_id = fields.Integer(dump_only=True)
    user_id = fields.Integer(dump_only=True)
    expires_in = fields.Integer(dump_only=True)


class ThreadQuerySchema(QuerySchema):
    """GET .../replies: the replies after a seq (the first ones without it)."""

    after = DecimalInteger(validate=SEQ)
    limit = DecimalInteger(validate=PAGE_LIMIT)


class ThreadPageSchema(V2Schema):
    """A thread: its root, and a page of its replies oldest first (ask again `after` the
    last one's seq while `more`)."""

    root = fields.Nested(MessageSchema)
    messages = fields.List(fields.Nested(MessageSchema))
    more = fields.Boolean()


class ThreadStateSchema(V2Schema):
    """Your place in a thread you follow: the last reply read and others' replies after it,
    counted up to `as_of_seq`; `thread_read` pushes this to your sockets."""

    channel_id = fields.Integer(dump_only=True)
    root_id = fields.Integer(dump_only=True)
    last_read_seq = fields.Integer(dump_only=True)
    unread_count = fields.Integer(dump_only=True)
    as_of_seq = fields.Integer(dump_only=True)


class FollowedThreadSchema(V2Schema):
    """A thread you follow: its root and your state in it."""

    root = fields.Nested(MessageSchema)
    state = fields.Nested(ThreadStateSchema)


class FollowedThreadListSchema(V2Schema):
    """The threads you follow, the latest reply first."""

    threads = fields.List(fields.Nested(FollowedThreadSchema))


class PresenceSchema(V2Schema):
    """One user's presence."""

    user_id = fields.Integer(attribute="id", dump_only=True)
    presence = fields.String(dump_only=True)
    last_seen_at = fields.DateTime(dump_only=True)


class PresenceUsersSchema(V2Schema):
    """`presence`: the latest state of every user (sharing a channel with you, or you)
    whose presence changed since this socket's last `presence`."""

    users = fields.List(fields.Nested(PresenceSchema))


class SocketActivitySchema(V2Schema):
    """The `activity` event a client sends every so often while connected: whether the
    person at it did anything (input) since the last one."""

    active = fields.Boolean(required=True, truthy={True}, falsy={False})

    @pre_load
    def only_true_or_false(self, data: Any, **kwargs: Any) -> Any:
        """JSON true or false: not 1 or 0, which equal them in Python."""
        if isinstance(data, dict) and "active" in data and not isinstance(data["active"], bool):
            raise ValidationError("Not a boolean.", "active")
        return data


class SearchQuerySchema(QuerySchema):
    """GET /search: words as a web search takes them ("a phrase", -not, or), narrowed by
    channel, author, date (`since` inclusive, `until` exclusive) and `has=link`; a page
    at a time (ask again with `before` = the `next` of the answer)."""

    q = fields.String(
        required=True, validate=[validate.Length(1, 200), no_control_characters, not_blank]
    )
    channel_id = DecimalInteger(validate=ID)
    author_id = DecimalInteger(validate=ID)
    since = UTCDateTime()
    until = UTCDateTime()
    has = fields.String(validate=validate.OneOf(["link"]))
    before = DecimalInteger(validate=ID)
    limit = DecimalInteger(validate=PAGE_LIMIT)


class FoundSchema(V2Schema):
    """A message found, and a snippet of it: escaped text, the words matched in <mark>."""

    message = fields.Nested(MessageSchema)
    snippet = fields.String()


class SearchPageSchema(V2Schema):
    """Messages found, newest first; `next`: ask again with `before` = it (null: no more)."""

    results = fields.List(fields.Nested(FoundSchema))
    next = fields.Integer(allow_none=True)


class MentionSchema(V2Schema):
    """`mention` pushed to a member a message names (posted, or edited to name them),
    with their read state in its channel read afresh (it replaces the one held)."""

    channel_id = fields.Integer(dump_only=True)
    message = fields.Nested(MessageSchema, dump_only=True)
    read_state = fields.Nested(ReadStateSchema, dump_only=True)


class MentionListSchema(V2Schema):
    """A page of your mentions, newest first: ask again `before` the last one's id."""

    messages = fields.List(fields.Nested(MessageSchema))
    more = fields.Boolean()


class MentionQuerySchema(QuerySchema):
    """GET /users/me/mentions: the page before a message id (the newest without one)."""

    before = DecimalInteger(validate=ID)
    limit = DecimalInteger(validate=PAGE_LIMIT)


class ErrorSchema(V2Schema):
    """The error envelope, as every REST error answers."""

    code = fields.Integer(dump_only=True)
    error = fields.String(dump_only=True)
    message = fields.String(dump_only=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), dump_only=True)
    retry_after = fields.Integer(
        dump_only=True, metadata={"description": "On a 429: seconds until a retry can succeed."}
    )


class SocketAckSchema(V2Schema):
    """The acknowledgement of `post_message`: the REST status, and the message or the error."""

    status = fields.Integer(dump_only=True)
    message = fields.Nested(MessageSchema, dump_only=True)
    error = fields.Nested(ErrorSchema, dump_only=True)


class ResumedSchema(V2Schema):
    """`resumed`: the replay of a channel is complete; what follows is live."""

    channel_id = fields.Integer(dump_only=True)
    last_seq = fields.Integer(dump_only=True)


class ResyncSchema(V2Schema):
    """`resync`: the cursor cannot be replayed; load the history, then apply events after
    `last_seq` (live ones keep coming)."""

    channel_id = fields.Integer(dump_only=True)
    last_seq = fields.Integer(dump_only=True)
    reason = fields.String(dump_only=True)


class ChannelUnavailableSchema(V2Schema):
    """`channel_unavailable`: a cursor named a channel the socket cannot follow."""

    channel_id = fields.Integer(dump_only=True)
    code = fields.Integer(dump_only=True)
    message = fields.String(dump_only=True)


SOCKET_SCHEMAS = (
    SocketAuthSchema,
    SocketPostSchema,
    SocketAckSchema,
    SocketTypingSchema,
    TypingSchema,
    MentionSchema,
    ThreadStateSchema,
    PresenceUsersSchema,
    SocketActivitySchema,
    ResumedSchema,
    ResyncSchema,
    ChannelUnavailableSchema,
)
