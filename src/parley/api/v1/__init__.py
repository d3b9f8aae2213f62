"""API v1: Flack v0.16's API, kept working, served at /api/v1/ and at Flack's /api/.

One blueprint per resource, nested under `api_v1`, which the factory registers
twice (the second time under Flack's prefix). Every response is marked deprecated
and links to its successor version.
"""

from flask import Blueprint, Response, current_app
from werkzeug.exceptions import UnsupportedMediaType

from parley.api.errors import conflict_response
from parley.envelope import ErrorResponse, error_response
from parley.schemas.v1 import V1_BLUEPRINT
from parley.services.errors import ConflictError


def add_deprecation_headers(response: Response) -> Response:
    """RFC 9745 Deprecation and RFC 8594 successor-version Link headers."""
    response.headers["Deprecation"] = f"@{current_app.config['V1_DEPRECATION_DATE']}"
    response.headers["Link"] = '</api/v2/>; rel="successor-version"'
    return response


def _unreadable_body(error: UnsupportedMediaType) -> ErrorResponse:
    # Flack answered 400 to a body it could not read; v1 keeps Flack's status codes.
    return error_response(400, error.description, {"body": ["Must be JSON."]})


def build_api_blueprint() -> Blueprint:
    """The /api routes: users, tokens, messages."""
    from parley.api.v1 import messages, tokens, users

    api_v1 = Blueprint(V1_BLUEPRINT, __name__)
    for resource in (users, tokens, messages):
        api_v1.register_blueprint(resource.bp)
    api_v1.after_request(add_deprecation_headers)
    # Flack answered 400 to a taken nickname.
    api_v1.register_error_handler(ConflictError, lambda error: conflict_response(error, 400))
    api_v1.register_error_handler(UnsupportedMediaType, _unreadable_body)
    return api_v1


def build_root_blueprint() -> Blueprint:
    """Flack's routes outside /api: GET /stats."""
    from parley.api.v1 import stats

    return stats.bp
