"""API v2: the API a team builds on, at /api/v2/, beside v1 and on the same services.

One blueprint per resource, nested under `api_v2`. Request bodies and queries are
validated by the schemas in parley.schemas.v2, which also make the OpenAPI document
served at /api/v2/openapi.json.
"""

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from parley.envelope import validation_error_body

V2_BLUEPRINT = "api_v2"
# What a channel that does not exist, and a private one you are not in, both answer.
HIDDEN = "No such channel, or a private one you are not in."


def build_api_blueprint() -> Blueprint:
    """The /api/v2 routes: tokens, users, channels, members, messages, events, pins,
    reactions, threads, search."""
    from parley.api.v2 import (
        channels,
        members,
        messages,
        pins,
        reactions,
        search,
        threads,
        tokens,
        users,
    )

    api_v2 = Blueprint(V2_BLUEPRINT, __name__)
    for resource in (
        tokens,
        users,
        channels,
        members,
        messages,
        pins,
        reactions,
        threads,
        search,
    ):
        api_v2.register_blueprint(resource.bp)
    api_v2.before_request(refuse_undeclared_query)
    return api_v2


def refuse_undeclared_query() -> ResponseReturnValue | None:
    """A route that declares no query parameters refuses any, by name (those that do
    are checked by their QuerySchema): nothing a client sends is silently ignored."""
    view = current_app.view_functions.get(request.endpoint or "")
    declared = any(
        location == "query" for _, location in getattr(view, "_spec", {}).get("args") or ()
    )
    if declared or not request.args:
        return None
    unknown = {key: ["Unknown parameter."] for key in request.args}
    return jsonify(validation_error_body(400, {"query": unknown})), 400
