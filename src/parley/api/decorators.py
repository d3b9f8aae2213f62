"""Decorators that keep the API's views a few lines long."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from apifairy import body
from flask import request
from marshmallow import Schema
from werkzeug.exceptions import UnsupportedMediaType

from parley.envelope import error_response

# Deeper than any body Parley accepts: webargs parses bodies with the standard library's
# recursive decoder, which a body nested about a thousand levels deep crashes, so depth
# is checked on the raw text first.
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
            if nests_deeper_than(request.get_data(cache=True), MAX_JSON_DEPTH):
                reason = f"Nested deeper than {MAX_JSON_DEPTH} levels."
                return error_response(400, f"Invalid input: body. {reason}", {"body": [reason]})
            return validated(*args, **kwargs)

        return checked

    return decorator


def nests_deeper_than(raw: bytes, limit: int) -> bool:
    """Whether a JSON text nests arrays and objects more than `limit` deep, read in one
    pass without recursion or decoding (brackets inside strings do not count; the text
    need not be valid: the parser says what else is wrong)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # the common case, at C speed
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPENING:
            depth += 1
            if depth > limit:
                return True
        elif byte in _CLOSING:
            depth -= 1
    return False


_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_OPENING, _CLOSING = frozenset(b"[{"), frozenset(b"]}")
