"""A real server for black-box attacks: gunicorn with the gevent worker, PostgreSQL, Redis."""

from collections.abc import Iterator

import pytest

from tests.servers import parley_server, shared_env
from tests.v2_sockets import V2Socket


@pytest.fixture(scope="package")
def server() -> Iterator[str]:
    """One Parley instance; its base URL."""
    with parley_server(shared_env("parley_test_security")) as url:
        yield url


@pytest.fixture
def opened() -> Iterator[list[V2Socket]]:
    """/v2 sockets a test opened, closed after it."""
    made: list[V2Socket] = []
    yield made
    for socket in made:
        socket.close()
