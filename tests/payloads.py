"""API v2 payloads checked against the schemas the OpenAPI document publishes."""

from typing import Any

from jsonschema import Draft202012Validator

from parley.models import EventKind


def _as_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable` as JSON Schema's null type, everywhere in a document."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") and "type" in node:
        converted["type"] = [node["type"], "null"]
    return converted


# Socket events whose payload component is not named after the event.
COMPONENT_OF = {
    "read_marker": "ReadState",
    "thread_read": "ThreadState",
    "presence": "PresenceUsers",
}


class PayloadChecker:
    """Validates payloads against `#/components/schemas/<name>` of an OpenAPI document."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.components = _as_json_schema(spec["components"])

    def check(self, name: str, payload: Any) -> None:
        """Raise unless the payload has the component's shape (no property unknown to it)."""
        schema = {"$ref": f"#/components/schemas/{name}", "components": self.components}
        Draft202012Validator(schema).validate(payload)

    def check_event(self, name: str, payload: Any) -> None:
        """A socket event, every property present: channel events are `Event`s of their own
        type, the others the component of their name (`resumed`: `Resumed`)."""
        if name in set(EventKind):
            self.check("Event", payload)
            assert payload["type"] == name
            assert set(payload) == set(self.components["schemas"]["Event"]["properties"])
        else:
            named = "".join(part.title() for part in name.split("_"))
            component = COMPONENT_OF.get(name, named)
            self.check(component, payload)
            assert set(payload) == set(self.components["schemas"][component]["properties"])
