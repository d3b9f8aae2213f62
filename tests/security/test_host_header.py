"""Attack: DNS rebinding. A page on `rebind.evil.example`, resolving to this server,
sends its own name as Host; same-origin requests carry no Origin header."""

import http.client
import json
from urllib.parse import urlsplit

import pytest

from parley.config import default_trusted_hosts

REBOUND = "rebind.evil.example"
HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def get(server: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """One GET with exactly these headers (Host included)."""
    parts = urlsplit(server)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/healthz", "/api/v2/openapi.json", "/", HANDSHAKE])
def test_a_foreign_host_name_gets_nothing(server: str, path: str) -> None:
    port = urlsplit(server).port
    status, headers, body = get(server, path, {"Host": f"{REBOUND}:{port}"})

    assert status == 400
    assert json.loads(body)["errors"] == {"Host": ["Not a trusted host."]}
    assert "Access-Control-Allow-Origin" not in headers


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_trusted_names_are_served(server: str, host: str) -> None:
    port = urlsplit(server).port
    status, _, _ = get(server, HANDSHAKE, {"Host": f"{host}:{port}"})

    assert status == 200


def test_a_socket_from_a_foreign_origin_gets_no_session(server: str) -> None:
    port = urlsplit(server).port
    headers = {"Host": f"127.0.0.1:{port}", "Origin": f"http://{REBOUND}:{port}"}
    status, answer, _ = get(server, HANDSHAKE, headers)

    assert status == 400
    assert "Access-Control-Allow-Origin" not in answer


def test_a_socket_from_its_own_origin_is_allowed(server: str) -> None:
    port = urlsplit(server).port
    headers = {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}"}
    status, answer, _ = get(server, HANDSHAKE, headers)

    assert status == 200
    assert answer["Access-Control-Allow-Origin"] == f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    ("bind", "trusted"),
    [
        ("127.0.0.1:5000", ["localhost", "127.0.0.1"]),
        ("10.0.0.5:5000", ["localhost", "127.0.0.1", "10.0.0.5"]),
        ("0.0.0.0:5000", ["localhost", "127.0.0.1"]),  # a wildcard names no host
        ("[::]:5000", ["localhost", "127.0.0.1"]),
    ],
)
def test_the_default_trusts_the_bind_address_and_localhost(bind: str, trusted: list[str]) -> None:
    assert default_trusted_hosts(bind) == trusted
