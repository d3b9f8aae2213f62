"""API v1 schemas: Flack's shapes (integer timestamps, relative `_links`)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import has_request_context, request
from marshmallow import EXCLUDE, ValidationError, fields, post_load, validate, validates_schema

from parley.extensions import ma
from parley.link_previews import flack_html
from parley.models import Message, User
from parley.models.message import MESSAGE_MAX_LENGTH
from parley.models.user import NICKNAME_MAX_LENGTH
from parley.schemas.fields import (
    EncodableText,
    UnixTimestamp,
    no_control_characters,
    no_nul_characters,
    not_blank,
)

V1_BLUEPRINT = "api_v1"
FLACK_BLUEPRINT = "flack_api"  # the same routes under Flack's /api prefix
PASSWORD_MAX_LENGTH = 256  # Flack took any length; bounded so hashing cost stays bounded

Rules = list[Callable[[Any], Any]]
NICKNAME_RULES: Rules = [
    validate.Length(1, NICKNAME_MAX_LENGTH),
    not_blank,
    no_control_characters,
]
PASSWORD_RULES: Rules = [validate.Length(1, PASSWORD_MAX_LENGTH)]
SOURCE_RULES: Rules = [validate.Length(1, MESSAGE_MAX_LENGTH), not_blank, no_nul_characters]


def request_link_prefix() -> str:
    """The v1 prefix the client used, /api/v1 or Flack's /api, for relative links."""
    if has_request_context() and V1_BLUEPRINT in request.blueprints:
        return "/api/v1"
    return "/api"


class V1Schema(EncodableText, ma.Schema):  # type: ignore[name-defined,misc]
    """Flack ignored unknown fields; its clients may still send some.

    `link_prefix` fixes the prefix of `_links`; by default it follows the request.
    """

    class Meta:
        unknown = EXCLUDE

    def __init__(self, *args: Any, link_prefix: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._link_prefix = link_prefix

    def link_prefix(self) -> str:
        """Where this schema's relative links start."""
        return self._link_prefix or request_link_prefix()


class FlackUserSchema(V1Schema):
    """A user, as Flack showed one."""

    id = fields.Integer(dump_only=True)
    nickname = fields.String(required=True, validate=NICKNAME_RULES)
    password = fields.String(required=True, load_only=True, validate=PASSWORD_RULES)
    online = fields.Boolean(dump_only=True)
    created_at = UnixTimestamp(dump_only=True)
    updated_at = UnixTimestamp(dump_only=True)
    last_seen_at = UnixTimestamp(dump_only=True)
    links = fields.Method("user_links", data_key="_links", dump_only=True)

    def user_links(self, user: User) -> dict[str, str]:
        """Relative links to the user and their resources."""
        prefix = self.link_prefix()
        return {
            "self": f"{prefix}/users/{user.id}",
            "messages": f"{prefix}/messages?user_id={user.id}",
            "tokens": f"{prefix}/tokens",
        }


class UserUpdateSchema(V1Schema):
    """PUT /users/<id>: either field, or both."""

    nickname = fields.String(validate=NICKNAME_RULES)
    password = fields.String(validate=PASSWORD_RULES)

    @validates_schema
    def something_to_change(self, data: dict[str, Any], **kwargs: Any) -> None:
        """An update that changes nothing is a client's mistake, not a success."""
        if not data:
            raise ValidationError("Send nickname, password, or both.", "body")


class ChangedSinceQuerySchema(V1Schema):
    """`updated_since`, loaded as `changed_from`: the first moment after that whole second.

    Flack compared integer seconds strictly (updated_at > updated_since); stored
    times have sub-second precision, so "after second N" means "from N + 1".
    """

    updated_since = UnixTimestamp()

    @post_load
    def to_changed_from(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Rename and shift updated_since."""
        if "updated_since" in data:
            data["changed_from"] = data.pop("updated_since") + timedelta(seconds=1)
        return data


class UsersQuerySchema(ChangedSinceQuerySchema):
    """GET /users filters: online=0|1, updated_since=<Unix seconds>."""

    online = fields.Boolean()


class UsersSchema(V1Schema):
    """The user list envelope."""

    users = fields.List(fields.Nested(FlackUserSchema))


class TokenSchema(V1Schema):
    """A bearer token."""

    token = fields.String(dump_only=True)


class FlackMessageSchema(V1Schema):
    """A message, as Flack showed one."""

    id = fields.Integer(dump_only=True)
    source = fields.String(required=True, validate=SOURCE_RULES)
    html = fields.Method("html_with_previews", dump_only=True)
    user_id = fields.Integer(dump_only=True)
    created_at = UnixTimestamp(dump_only=True)
    updated_at = UnixTimestamp(dump_only=True)
    links = fields.Method("message_links", data_key="_links", dump_only=True)

    def html_with_previews(self, message: Message) -> str:
        """The sanitized HTML, then Flack's blockquote for each link preview."""
        return message.html + "".join(flack_html(p) for p in message.previews or ())

    def message_links(self, message: Message) -> dict[str, Any]:
        """Relative links to the message and its author."""
        prefix = self.link_prefix()
        return {
            "self": f"{prefix}/messages/{message.id}",
            "user": f"{prefix}/users/{message.user_id}",
        }


class MessagesQuerySchema(ChangedSinceQuerySchema):
    """GET /messages filter: updated_since=<Unix seconds> (never older than 24 h)."""


class MessagesSchema(V1Schema):
    """The message list envelope."""

    messages = fields.List(fields.Nested(FlackMessageSchema))


class StatsSchema(V1Schema):
    """GET /stats: the cluster-wide request rate."""

    requests_per_second = fields.Float()


class EmptySchema(V1Schema):
    """No body: 204 answers."""
