"""Concurrent writers on PostgreSQL: the database keeps seq and nicknames consistent."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlalchemy import func, select

from parley.extensions import db
from parley.models import Message, User
from parley.services import channels, messages, users
from parley.services.errors import ConflictError
from tests.factories import make_user

WRITERS = 16


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """PostgreSQL only: row locks and unique-index races are its to show; SQLite has one writer."""
    return postgres_url


@pytest.fixture
def postgres_app(app: Flask) -> Flask:
    assert db.engine.dialect.name == "postgresql"
    return app


def in_own_context(app: Flask, work: object) -> object:
    """Run work as one unit of work in a fresh app context, so with its own session and
    connection, committed as a request's would be."""
    with app.app_context():
        try:
            done = work()  # type: ignore[operator]
            db.session.commit()
            return done
        finally:
            db.session.remove()


def test_concurrent_posts_get_consecutive_seqs(postgres_app: Flask) -> None:
    author_ids = [make_user().id for _ in range(WRITERS)]
    start = channels.default_channel().last_seq  # each sign-up was a member_joined event

    def post(author_id: int) -> int:
        def work() -> int:
            author = db.session.get_one(User, author_id)
            return messages.post_message(author.id, channels.default_channel_id(), "race").seq

        return in_own_context(postgres_app, work)  # type: ignore[return-value]

    with ThreadPoolExecutor(WRITERS) as pool:
        seqs = list(pool.map(post, author_ids * 5))

    assert sorted(seqs) == list(range(start + 1, start + WRITERS * 5 + 1))


def test_concurrent_retransmissions_store_one_message(postgres_app: Flask) -> None:
    author_id = make_user().id

    def send(_: int) -> int:
        def work() -> int:
            author = db.session.get_one(User, author_id)
            channel = channels.default_channel()
            return messages.post_message(author.id, channel.id, "once", client_msg_id="c-1").id

        return in_own_context(postgres_app, work)  # type: ignore[return-value]

    with ThreadPoolExecutor(WRITERS) as pool:
        ids = set(pool.map(send, range(WRITERS * 3)))

    assert len(ids) == 1
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1


def test_concurrent_sign_ups_for_one_nickname_give_one_user(postgres_app: Flask) -> None:
    def sign_up(_: int) -> str:
        def work() -> str:
            try:
                users.create_user("popular", "pw")
            except ConflictError as error:
                return error.field
            return "created"

        return in_own_context(postgres_app, work)  # type: ignore[return-value]

    with ThreadPoolExecutor(WRITERS) as pool:
        outcomes = list(pool.map(sign_up, range(WRITERS)))

    assert outcomes.count("created") == 1
    assert set(outcomes) == {"created", "nickname"}
