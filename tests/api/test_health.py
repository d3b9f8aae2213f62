"""GET /healthz, the load balancer's check (each database)."""

from flask.testing import FlaskClient

from parley.stats import request_stats


def test_healthz_answers_and_is_not_counted_as_traffic(client: FlaskClient) -> None:
    before = request_stats().requests_per_second()

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert request_stats().requests_per_second() == before
    client.get("/api/v2/openapi.json")
    assert request_stats().requests_per_second() > before
