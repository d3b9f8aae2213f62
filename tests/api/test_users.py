"""API v1 users: Flack's contract, and a named field for every bad input."""

import time

import pytest
from flask.testing import FlaskClient

from parley.services import channels, users
from tests.factories import PASSWORD, basic, bearer, json_of, make_user, sign_up

USER_KEYS = {"_links", "created_at", "id", "last_seen_at", "nickname", "online", "updated_at"}


def test_sign_up_returns_flack_user_with_location(client: FlaskClient) -> None:
    response = client.post("/api/users", json={"nickname": "alice", "password": "pw1"})

    assert response.status_code == 201
    body = json_of(response)
    assert set(body) == USER_KEYS
    assert body["nickname"] == "alice"
    assert body["online"] is False
    assert all(isinstance(body[k], int) for k in ("created_at", "updated_at", "last_seen_at"))
    assert abs(body["created_at"] - time.time()) < 5
    uid = body["id"]
    assert response.headers["Location"] == f"http://localhost/api/users/{uid}"
    assert body["_links"] == {
        "self": f"/api/users/{uid}",
        "messages": f"/api/messages?user_id={uid}",
        "tokens": "/api/tokens",
    }


def test_v1_prefix_links_stay_under_v1(client: FlaskClient) -> None:
    response = client.post("/api/v1/users", json={"nickname": "bob", "password": "pw"})

    uid = response.json["id"]
    assert response.headers["Location"].endswith(f"/api/v1/users/{uid}")
    assert response.json["_links"]["self"] == f"/api/v1/users/{uid}"


def test_sign_up_joins_the_default_channel(client: FlaskClient) -> None:
    uid = sign_up(client, "carol")["id"]

    assert channels.is_member(users.get_user(uid), channels.default_channel())


def test_password_is_never_returned_and_stored_as_argon2id(client: FlaskClient) -> None:
    body = sign_up(client, "dave", "s3cret")

    assert "password" not in body
    assert "password_hash" not in body
    assert users.get_user(body["id"]).password_hash.startswith("$argon2id$")


def test_taken_nickname_is_a_400_naming_the_field(client: FlaskClient) -> None:
    sign_up(client, "erin")

    response = client.post("/api/users", json={"nickname": "erin", "password": "x"})

    assert response.status_code == 400
    assert response.json["errors"] == {"nickname": ["This nickname is already taken."]}


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"password": "pw"}, "nickname", "Missing data for required field."),
        ({"nickname": "frank"}, "password", "Missing data for required field."),
        ({"nickname": 42, "password": "pw"}, "nickname", "Not a valid string."),
        ({"nickname": "frank", "password": ["pw"]}, "password", "Not a valid string."),
        ({"nickname": "", "password": "pw"}, "nickname", "Length must be between 1 and 32."),
        ({"nickname": "   ", "password": "pw"}, "nickname", "Must not be blank."),
        ({"nickname": "x" * 33, "password": "pw"}, "nickname", "Length must be between 1 and 32."),
        (
            {"nickname": "a\nb", "password": "pw"},
            "nickname",
            "Must not contain control characters.",
        ),
        ({"nickname": "frank", "password": ""}, "password", "Length must be between 1 and 256."),
        (
            {"nickname": "frank", "password": "p" * 257},
            "password",
            "Length must be between 1 and 256.",
        ),
        ({"nickname": None, "password": "pw"}, "nickname", "Field may not be null."),
    ],
)
def test_bad_sign_up_field_is_named(
    client: FlaskClient, body: dict[str, object], field: str, reason: str
) -> None:
    response = client.post("/api/users", json=body)

    assert response.status_code == 400
    assert response.json["code"] == 400
    assert reason in response.json["errors"][field]
    assert field in response.json["message"]


def test_32_character_nickname_is_accepted(client: FlaskClient) -> None:
    assert sign_up(client, "n" * 32)["nickname"] == "n" * 32


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [
        ("{not json", "application/json", "Invalid JSON body."),
        ("nickname=a&password=b", "application/x-www-form-urlencoded", "Must be JSON."),
        ("", None, "Must be JSON."),
        ('["alice", "pw"]', "application/json", "Invalid input type."),
        ('"alice"', "application/json", "Invalid input type."),
    ],
)
def test_unreadable_body_is_a_400_about_the_body(
    client: FlaskClient, data: str, content_type: str | None, reason: str
) -> None:
    response = client.post("/api/users", data=data, content_type=content_type)

    assert response.status_code == 400
    assert response.json["errors"] == {"body": [reason]}


def test_unknown_fields_are_ignored_as_flack_did(client: FlaskClient) -> None:
    response = client.post("/api/users", json={"nickname": "gina", "password": "p", "id": 99})

    assert response.status_code == 201
    assert response.json["id"] != 99


def test_list_users_ordered_by_updated_at_then_nickname(client: FlaskClient) -> None:
    for name in ("zed", "amy", "max"):
        make_user(name)

    response = client.get("/api/users")

    assert response.status_code == 200
    listed = response.json["users"]
    keys = [(u["updated_at"], u["nickname"]) for u in listed]
    assert keys == sorted(keys)
    assert {u["nickname"] for u in listed} == {"zed", "amy", "max"}
    assert all(set(u) == USER_KEYS for u in listed)


def test_list_users_filters_by_online(client: FlaskClient) -> None:
    online = make_user("on")
    make_user("off")
    client.get("/api/users", headers=bearer(online))  # authenticating marks the user online

    assert [u["nickname"] for u in client.get("/api/users?online=1").json["users"]] == ["on"]
    assert [u["nickname"] for u in client.get("/api/users?online=0").json["users"]] == ["off"]


def test_updated_since_is_strictly_after_that_second(client: FlaskClient) -> None:
    user = sign_up(client, "hal")

    same_second = client.get(f"/api/users?updated_since={user['updated_at']}")
    second_before = client.get(f"/api/users?updated_since={user['updated_at'] - 1}")

    assert same_second.json["users"] == []
    assert [u["id"] for u in second_before.json["users"]] == [user["id"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("online=maybe", "online"),
        ("updated_since=yesterday", "updated_since"),
        ("updated_since=-5", "updated_since"),
        ("updated_since=99999999999999999999", "updated_since"),
        ("updated_since=1.5", "updated_since"),
    ],
)
def test_bad_list_filters_are_named(client: FlaskClient, query: str, field: str) -> None:
    response = client.get(f"/api/users?{query}")

    assert response.status_code == 400
    assert field in response.json["errors"]


def test_get_one_user(client: FlaskClient) -> None:
    user = sign_up(client, "ivy")

    response = client.get(f"/api/users/{user['id']}")

    assert response.status_code == 200
    assert response.json["nickname"] == "ivy"


@pytest.mark.parametrize("user_id", ["424242", "abc", "0", "-1", "1.0", "99999999999999999999"])
def test_unknown_or_invalid_user_id_is_a_404(client: FlaskClient, user_id: str) -> None:
    response = client.get(f"/api/users/{user_id}")

    assert response.status_code == 404
    assert response.json["error"] == "not found"
    if not user_id.isdigit() or int(user_id) < 1 or len(user_id) > 10:
        assert "id" in response.json["errors"]


def test_update_own_nickname(client: FlaskClient) -> None:
    user = make_user("jack")

    response = client.put(f"/api/users/{user.id}", json={"nickname": "jacky"}, headers=bearer(user))

    assert response.status_code == 204
    assert response.get_data() == b""
    assert client.get(f"/api/users/{user.id}").json["nickname"] == "jacky"


def test_new_password_revokes_the_token(client: FlaskClient) -> None:
    user = make_user("kim")
    headers = bearer(user)

    response = client.put(f"/api/users/{user.id}", json={"password": "new pw"}, headers=headers)

    assert response.status_code == 204
    assert client.delete("/api/tokens", headers=headers).status_code == 401
    assert client.post("/api/tokens", headers=basic("kim", PASSWORD)).status_code == 401
    assert client.post("/api/tokens", headers=basic("kim", "new pw")).status_code == 200


def test_cannot_update_another_user(client: FlaskClient) -> None:
    me, other = make_user(), make_user()

    response = client.put(f"/api/users/{other.id}", json={"nickname": "x"}, headers=bearer(me))

    assert response.status_code == 403
    assert response.json["error"] == "forbidden"


def test_update_to_a_taken_nickname_is_a_400(client: FlaskClient) -> None:
    me = make_user("leo")
    make_user("mia")

    response = client.put(f"/api/users/{me.id}", json={"nickname": "mia"}, headers=bearer(me))

    assert response.status_code == 400
    assert "nickname" in response.json["errors"]


def test_update_needs_a_token(client: FlaskClient) -> None:
    user = make_user()

    response = client.put(f"/api/users/{user.id}", json={"nickname": "x"})

    assert response.status_code == 401
    assert response.json["error"] == "authentication required"


def test_update_with_bad_fields_is_named(client: FlaskClient) -> None:
    user = make_user()

    response = client.put(f"/api/users/{user.id}", json={"nickname": ""}, headers=bearer(user))

    assert response.status_code == 400
    assert "nickname" in response.json["errors"]
