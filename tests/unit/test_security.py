"""Argon2id passwords and hashed tokens."""

import fcntl
import resource
import socket
from collections.abc import Iterator

import pytest
from flask import Flask

from parley.app import create_app
from parley.config import Config, ProductionConfig, TestingConfig
from parley.security import (
    derive_token,
    hash_password,
    hash_token,
    password_needs_rehash,
    tokens_match,
    verify_password,
)


@pytest.fixture
def app() -> Iterator[Flask]:
    app = create_app(TestingConfig)
    with app.app_context():
        yield app


def test_passwords_are_argon2id_and_salted(app: Flask) -> None:
    first, second = hash_password("pw"), hash_password("pw")

    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_password(first, "pw")
    assert not verify_password(first, "PW")
    assert not verify_password("not a hash", "pw")
    assert not verify_password(None, "pw")


def test_default_cost_meets_owasp_minimum() -> None:
    # OWASP Password Storage Cheat Sheet: Argon2id with m >= 19 MiB, t >= 2, p >= 1.
    assert Config.ARGON2_MEMORY_COST_KIB >= 19 * 1024
    assert Config.ARGON2_TIME_COST >= 2
    assert Config.ARGON2_PARALLELISM >= 1


def test_hashes_from_weaker_parameters_need_rehash(app: Flask) -> None:
    weak = hash_password("pw")
    app.config.update(ARGON2_TIME_COST=2, ARGON2_MEMORY_COST_KIB=19456)
    from parley import security

    security.init_app(app)

    assert password_needs_rehash(weak)
    assert not password_needs_rehash(hash_password("pw"))


def test_tokens_derive_deterministically_from_salt_and_key(app: Flask) -> None:
    token = derive_token("salt")

    assert len(token) == 64
    assert token == derive_token("salt")
    assert token != derive_token("pepper")
    app.config["SECRET_KEY"] = "another key"
    assert token != derive_token("salt")


def test_token_hashes_are_sha256_and_compared_in_constant_time() -> None:
    digest = hash_token("abc")

    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert tokens_match(digest, "abc")
    assert not tokens_match(digest, "abd")


def test_production_refuses_to_start_without_a_secret_key() -> None:
    class Missing(ProductionConfig):
        SECRET_KEY = None
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Missing)


def test_a_token_with_a_lone_surrogate_hashes_like_any_wrong_token() -> None:
    # A socket event's token argument is any JSON string; it must be refused, not raise.
    assert hash_token("abc\ud800") != hash_token("abc")
    assert len(hash_token("abc\ud800")) == 64


def test_a_client_that_left_is_seen_on_any_descriptor() -> None:
    """A busy instance holds thousands of sockets: the check of a waiting sign-in's client
    works on a descriptor past select(2)'s 1,024 (it raised ValueError there: a 500)."""
    from parley import security

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1100:
        pytest.skip("this process may not open a descriptor past 1,024")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1100), hard))
    ours, theirs = socket.socketpair()
    high = fcntl.fcntl(ours.fileno(), fcntl.F_DUPFD, 1050)
    client = socket.socket(fileno=high)
    try:
        waiting = security._client_left(client)
        theirs.close()
        left = security._client_left(client)
    finally:
        client.close()
        ours.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    assert high > 1024
    assert waiting is False
    assert left is True
