"""Asynchronous requests: 202 + Location, the job resource, ownership, Idempotency-Key.

The worker is played in process (tests/jobs.py); tests/e2e/test_jobs.py uses real ones.
"""

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from parley.extensions import db, socketio
from parley.models import Job, JobStatus, Message, Token
from parley.models.base import utcnow
from parley.services import tokens
from parley.tasks.jobs import delete_old_jobs, requeue_stalled_jobs, run_job
from parley.tasks.tokens import delete_dead_tokens
from tests.factories import bearer, make_message, make_user
from tests.jobs import answer, run_queued_jobs


def post(
    client: FlaskClient, headers: dict[str, str], source: str = "hi", **extra: str
) -> TestResponse:
    """POST /api/messages, with extra headers."""
    return client.post("/api/messages", json={"source": source}, headers={**headers, **extra})


def message_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Message)) or 0


def test_queued_job_answers_202_with_its_location(client: FlaskClient) -> None:
    headers = bearer(make_user())

    accepted = post(client, headers)
    pending = client.get(accepted.headers["Location"], headers=headers)

    job_id = accepted.json["id"]
    assert accepted.headers["Location"] == f"http://localhost/tasks/status/{job_id}"
    assert accepted.json["status"] == "queued"
    assert accepted.json["_links"] == {"self": accepted.headers["Location"]}
    assert pending.status_code == 202
    assert pending.headers["Location"] == accepted.headers["Location"]
    assert pending.headers["Retry-After"] == "1"
    assert message_count() == 0  # nothing ran in the web request


def test_done_job_replays_the_operations_answer_every_time(client: FlaskClient) -> None:
    headers = bearer(make_user())
    accepted = post(client, headers, "*once*")

    first = answer(client, accepted, headers)
    again = client.get(accepted.headers["Location"], headers=headers)
    v2 = client.get(f"/api/v2/jobs/{accepted.json['id']}", headers=headers)

    assert first.status_code == again.status_code == v2.status_code == 201
    assert first.json == again.json == v2.json
    assert first.json["html"] == "<em>once</em>"
    assert first.headers["Location"] == f"http://localhost/api/messages/{first.json['id']}"
    assert first.headers["Deprecation"]  # v1's after-request hooks ran in the worker too


def test_jobs_belong_to_their_user(client: FlaskClient) -> None:
    owner, other = bearer(make_user()), bearer(make_user())
    accepted = post(client, owner)
    run_queued_jobs()

    stranger = client.get(accepted.headers["Location"], headers=other)
    anonymous = client.get(accepted.headers["Location"])

    assert stranger.status_code == 404
    assert stranger.json["code"] == 404
    assert anonymous.status_code == 401
    assert client.get("/tasks/status/nope", headers=owner).status_code == 404


def test_idempotency_key_returns_the_same_job(client: FlaskClient) -> None:
    headers = bearer(make_user())

    first = post(client, headers, "once", **{"Idempotency-Key": "k-1"})
    retry = post(client, headers, "once", **{"Idempotency-Key": "k-1"})
    run_queued_jobs()
    after = post(client, headers, "once", **{"Idempotency-Key": "k-1"})

    assert first.status_code == retry.status_code == after.status_code == 202
    assert first.headers["Location"] == retry.headers["Location"] == after.headers["Location"]
    assert after.json["status"] == "done"
    assert message_count() == 1


def test_idempotency_keys_are_per_user(client: FlaskClient) -> None:
    one, two = bearer(make_user()), bearer(make_user())

    first = post(client, one, **{"Idempotency-Key": "same"})
    second = post(client, two, **{"Idempotency-Key": "same"})

    assert first.headers["Location"] != second.headers["Location"]


def test_idempotency_key_reused_for_another_request_is_a_422(client: FlaskClient) -> None:
    headers = bearer(make_user())
    post(client, headers, "one", **{"Idempotency-Key": "k"})

    response = post(client, headers, "two", **{"Idempotency-Key": "k"})

    assert response.status_code == 422
    assert "Idempotency-Key" in response.json["errors"]


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "é"])
def test_bad_idempotency_key_is_a_400(client: FlaskClient, key: str) -> None:
    response = client.post(
        "/api/messages",
        json={"source": "hi"},
        headers={**bearer(make_user()), "Idempotency-Key": key.encode("utf-8").decode("latin-1")},
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json["errors"]


def test_a_job_run_twice_posts_once(client: FlaskClient) -> None:
    """A worker killed after the write but before storing the answer: the re-run finds it."""
    headers = bearer(make_user())
    accepted = post(client, headers)
    job_id = accepted.json["id"]
    run_job(job_id)
    job = db.session.get(Job, job_id)
    assert job is not None
    job.status, job.response = JobStatus.RUNNING, None
    db.session.commit()

    run_job(job_id)
    db.session.expire_all()
    final = client.get(accepted.headers["Location"], headers=headers)

    assert message_count() == 1
    assert final.status_code == 201


def test_job_gives_up_after_its_attempts(app: Flask, client: FlaskClient) -> None:
    headers = bearer(make_user())
    accepted = post(client, headers)
    job = db.session.get(Job, accepted.json["id"])
    assert job is not None
    job.attempts = app.config["JOB_MAX_ATTEMPTS"]
    db.session.commit()

    run_queued_jobs()
    final = client.get(accepted.headers["Location"], headers=headers)

    assert final.status_code == 500
    assert (
        final.json["message"] == f"The job failed after {app.config['JOB_MAX_ATTEMPTS']} attempts."
    )
    assert message_count() == 0


def test_finished_job_is_pushed_to_its_user_only(app: Flask, client: FlaskClient) -> None:
    owner, other = make_user(), make_user()
    sockets = [socketio.test_client(app), socketio.test_client(app)]
    sockets[0].emit("ping_user", tokens.issue_api_token(owner.id), callback=True)
    sockets[1].emit("ping_user", tokens.issue_api_token(other.id), callback=True)
    for socket in sockets:
        socket.get_received()

    accepted = post(client, bearer(owner))
    run_queued_jobs()

    finished = [e["args"][0] for e in sockets[0].get_received() if e["name"] == "job_finished"]
    assert finished == [{"id": accepted.json["id"]}]
    assert not [e for e in sockets[1].get_received() if e["name"] == "job_finished"]
    for socket in sockets:
        socket.disconnect()


def test_stalled_jobs_are_queued_again(app: Flask, client: FlaskClient) -> None:
    headers = bearer(make_user())
    stalled = post(client, headers).json["id"]
    fresh = post(client, headers).json["id"]
    job = db.session.get(Job, stalled)
    assert job is not None
    job.updated_at = utcnow() - timedelta(seconds=app.config["JOB_STALL_SECONDS"] + 1)
    db.session.commit()

    assert requeue_stalled_jobs() == 1
    assert requeue_stalled_jobs() == 0  # touched: not queued twice by the next sweep
    assert fresh != stalled


def test_old_answers_and_dead_tokens_are_deleted(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    headers = bearer(user)
    old, recent = post(client, headers).json["id"], post(client, headers).json["id"]
    run_queued_jobs()
    job = db.session.get(Job, old)
    assert job is not None
    job.finished_at = utcnow() - timedelta(seconds=app.config["JOB_RETENTION_SECONDS"] + 1)
    dead = db.session.scalar(select(Token).where(Token.user_id == user.id))
    assert dead is not None
    dead.revoked_at = utcnow() - timedelta(seconds=app.config["TOKEN_RETENTION_SECONDS"] + 1)
    db.session.commit()

    assert delete_old_jobs() == 1
    assert delete_dead_tokens() == 1
    db.session.expire_all()
    assert db.session.get(Job, old) is None
    assert db.session.get(Job, recent) is not None


def test_edit_through_a_job_keeps_v1_statuses(client: FlaskClient) -> None:
    author = make_user()
    message = make_message(author, "draft")
    headers = bearer(author)

    accepted = client.put(f"/api/messages/{message.id}", json={"source": "x"}, headers=headers)

    assert answer(client, accepted, headers).status_code == 204


@pytest.mark.parametrize("job_id", ["nope", "%00", "x" * 1000, "A" * 32, "💥"])
def test_malformed_job_id_is_a_404_naming_it(client: FlaskClient, job_id: str) -> None:
    for path in (f"/tasks/status/{job_id}", f"/api/v2/jobs/{job_id}"):
        response = client.get(path, headers=bearer(make_user()))

        assert response.status_code == 404
        assert "32 hexadecimal characters" in response.json["errors"]["id"][0]
