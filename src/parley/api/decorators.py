"""Decorators that keep the API's views a few lines long."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from apifairy import body
from flask import request
from marshmallow import Schema
from werkzeug.exceptions import UnsupportedMediaType


def json_body(schema: Schema) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """APIFairy's @body, refusing a body that is not JSON before any field is checked.

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
            return validated(*args, **kwargs)

        return checked

    return decorator
