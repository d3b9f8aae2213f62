"""What APIFairy's generated OpenAPI document is completed with: its description, and the
/v2 socket's payloads, so that one document describes both halves of API v2 (the protocol
itself is docs/realtime-v2.md)."""

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from parley.schemas.v2 import SOCKET_SCHEMAS


def component_name(schema: Schema | type[Schema]) -> str:
    """A schema's component name as APIFairy gives it: the class name less `Schema`."""
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema") or cls.__name__


DESCRIPTION = """Parley's team chat API.

API v2 (`/api/v2/`): sign in with HTTP Basic at `POST /api/v2/tokens` for a short-lived access
token (send it as `Authorization: Bearer …`) and a rotating refresh token. Every channel change
takes the channel's next `seq`; history and the events endpoint page by it. Live events go to the
Socket.IO namespace `/v2`, whose payloads are the `Event`, `Resumed`, `Resync`,
`ChannelUnavailable`, `SocketAuth`, `SocketPost` and `SocketAck` schemas below; the protocol is
docs/realtime-v2.md in the repository.

API v1 (`/api/v1/`, and `/api/` as Flack had it) is Flack's API, kept working and deprecated.

Every error answers one JSON envelope: `code`, `error`, `message`, and `errors` naming each
field with its reasons."""


def complete_document(spec: dict[str, Any]) -> dict[str, Any]:
    """APIFairy's hook: describe the API, its rate limits, and the socket payloads."""
    spec.setdefault("info", {})["description"] = DESCRIPTION
    return add_rate_limited(add_socket_payloads(spec))


RATE_LIMITED = {
    "description": "Rate limited: retry after `Retry-After` seconds (also `retry_after` in "
    "the body). The limits are listed in docs/security.md.",
    "headers": {
        name: {"description": description, "schema": {"type": "integer"}}
        for name, description in (
            ("Retry-After", "Seconds until a retry can succeed."),
            ("RateLimit-Limit", "Requests the limit allows in its window."),
            ("RateLimit-Remaining", "Requests left in the window: 0."),
            ("RateLimit-Reset", "Seconds until the window has room again."),
        )
    },
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def add_rate_limited(spec: dict[str, Any]) -> dict[str, Any]:
    """Every operation may answer 429: every route is limited per client address."""
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("429", RATE_LIMITED)
    return spec


def add_socket_payloads(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the socket payload schemas to the document's components."""
    extra = APISpec(
        title="socket payloads",
        version="2",
        openapi_version=spec["openapi"],
        plugins=[MarshmallowPlugin(schema_name_resolver=component_name)],
    )
    for schema in SOCKET_SCHEMAS:
        extra.components.schema(component_name(schema), schema=schema)
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    for name, body in extra.to_dict()["components"]["schemas"].items():
        components.setdefault(name, body)
    return spec
