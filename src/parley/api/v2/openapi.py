"""Additions to the OpenAPI document: the /v2 socket's payloads, so that one document
describes both halves of API v2 (the protocol itself is docs/realtime-v2.md)."""

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from parley.schemas.v2 import SOCKET_SCHEMAS


def component_name(schema: Schema | type[Schema]) -> str:
    """A schema's component name as APIFairy gives it: the class name less `Schema`."""
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema") or cls.__name__


def add_socket_payloads(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the socket payload schemas to the document's components (APIFairy hook)."""
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
