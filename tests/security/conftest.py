"""A real server for black-box attacks: gunicorn with the gevent worker, PostgreSQL, Redis."""

from collections.abc import Iterator

import pytest

from tests.servers import parley_server, shared_env


@pytest.fixture(scope="package")
def server() -> Iterator[str]:
    """One Parley instance; its base URL."""
    with parley_server(shared_env("parley_test_security")) as url:
        yield url
