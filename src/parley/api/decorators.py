"""Decorators that keep the API's views a few lines long."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from apifairy import body
from flask import request
from marshmallow import Schema
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from parley.api.errors import error_response

# Deeper than any body Parley accepts: webargs parses bodies with the standard library's
# recursive decoder, which a body nested about a thousand levels deep crashes.
MAX_JSON_DEPTH = 32


def json_body(schema: Schema) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """APIFairy's @body, refusing a body that is not JSON, or nested deeper than
    MAX_JSON_DEPTH, before any field is checked.

    Without this, a form-encoded body would be reported as every field missing.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        validated = body(schema)(view)

        @wraps(validated)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not request.is_json:
                raise UnsupportedMediaType(
                    f"The body must be JSON (Content-Type: application/json), "
                    f"not {request.mimetype or 'empty'!r}."
                )
            try:
                # orjson (the app's provider) decodes without recursion, up to 1,024 levels.
                parsed = request.get_json(cache=True)
            except BadRequest as error:  # orjson's reason: where it failed, or the depth
                reason = error.description or "Not valid JSON."
                return error_response(400, "Invalid JSON body.", {"body": [reason]})
            if nested_deeper_than(parsed, MAX_JSON_DEPTH):
                reason = f"Nested deeper than {MAX_JSON_DEPTH} levels."
                return error_response(400, f"Invalid input: body. {reason}", {"body": [reason]})
            return validated(*args, **kwargs)

        return checked

    return decorator


def nested_deeper_than(value: object, limit: int) -> bool:
    """Whether JSON data nests objects and arrays more than `limit` levels deep
    (walked without recursion)."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return False
