"""API v2: the API a team builds on, at /api/v2/, beside v1 and on the same services.

One blueprint per resource, nested under `api_v2`. Request bodies and queries are
validated by the schemas in parley.schemas.v2, which also make the OpenAPI document
served at /api/v2/openapi.json.
"""

from flask import Blueprint

V2_BLUEPRINT = "api_v2"
# What a channel that does not exist, and a private one you are not in, both answer.
HIDDEN = "No such channel, or a private one you are not in."


def build_api_blueprint() -> Blueprint:
    """The /api/v2 routes: tokens, users, channels, members, messages, events."""
    from parley.api.v2 import channels, members, messages, tokens, users

    api_v2 = Blueprint(V2_BLUEPRINT, __name__)
    for resource in (tokens, users, channels, members, messages):
        api_v2.register_blueprint(resource.bp)
    return api_v2
