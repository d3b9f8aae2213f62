"""The OpenAPI document is generated from the v2 routes and describes every response."""

import re

from flask import Flask
from flask.testing import FlaskClient

from parley.security_headers import CONTENT_SECURITY_POLICY


def test_every_v2_route_and_response_is_documented(app: Flask, client: FlaskClient) -> None:
    spec = client.get("/api/v2/openapi.json").json
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v2/") and not rule.rule.endswith(("openapi.json", "docs"))
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }

    assert {"User", "Message", "Channel", "Event", "FlackUser", "FlackMessage"} <= set(
        spec["components"]["schemas"]
    )
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert routes <= documented, routes - documented
    for path, method in routes:
        responses = spec["paths"][path][method]["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert success, (path, method)
        for code in success:
            # A finished job answers with its operation's own response, of any shape.
            if code != "204" and path != "/api/v2/jobs/{job_id}":
                assert "content" in responses[code], (path, method, code)


def test_interactive_docs_are_served_from_this_origin(client: FlaskClient) -> None:
    page = client.get("/api/v2/docs")
    with client.get("/static/web/app/vendor/swagger-ui-dist/swagger-ui-bundle.js") as bundle:
        bundle_size = len(bundle.data)

    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "https://" not in page.get_data(as_text=True)
    assert bundle.status_code == 200
    assert bundle_size > 100_000
    # Only the files the build copies: nothing else of node_modules is reachable.
    assert client.get("/static/web/app/vendor/swagger-ui-dist/package.json").status_code == 404
    assert client.get("/static/web/app/vendor/left-pad/index.js").status_code == 404


def test_the_document_describes_the_api_and_names_real_socket_schemas(
    client: FlaskClient,
) -> None:
    spec = client.get("/api/v2/openapi.json").json
    description = spec["info"]["description"]

    assert description.startswith("Parley's team chat API.")
    named = set(re.findall(r"`([A-Z]\w+)`", description))
    assert named >= {"Event", "Resumed", "SocketAck"}
    assert named <= set(spec["components"]["schemas"])


def test_every_operation_documents_its_rate_limit(client: FlaskClient) -> None:
    spec = client.get("/api/v2/openapi.json").json

    limited = [
        responses["429"]
        for operations in spec["paths"].values()
        for operation in operations.values()
        if (responses := operation.get("responses"))
    ]

    assert limited
    assert "Error" in spec["components"]["schemas"]
    assert all("Retry-After" in response["headers"] for response in limited)
