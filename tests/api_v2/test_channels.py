"""v2 channels: public, private and direct; membership; what non-members can see."""

from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import make_user


def test_listing_shows_public_channels_and_your_own_private_ones(client: FlaskClient) -> None:
    ada, bob = Caller(client, make_user()), Caller(client, make_user())
    public = ada.channel("lobby")
    secret = ada.channel("plans", "private")

    mine = {c["id"]: c for c in ada.call("GET", "/channels").json["channels"]}
    theirs = {c["id"]: c for c in bob.call("GET", "/channels").json["channels"]}

    assert mine[secret]["membership"]["role"] == "owner"
    assert public in theirs
    assert theirs[public]["membership"] is None
    assert secret not in theirs


def test_names_are_unique_and_validated(client: FlaskClient) -> None:
    ada = Caller(client, make_user())
    ada.channel("lobby")

    taken = ada.call("POST", "/channels", {"name": "lobby"})
    bad_kind = ada.call("POST", "/channels", {"name": "x", "kind": "direct"})
    blank = ada.call("POST", "/channels", {"name": "   "})
    nul_topic = ada.call("POST", "/channels", {"name": "y", "topic": "a\x00b"})

    assert taken.status_code == 409
    assert "name" in taken.json["errors"]
    assert bad_kind.status_code == 400
    assert "kind" in bad_kind.json["errors"]
    assert blank.status_code == 400
    assert "name" in blank.json["errors"]
    assert nul_topic.status_code == 400
    assert "topic" in nul_topic.json["errors"]


def test_a_direct_channel_is_one_per_pair_whoever_opens_it(client: FlaskClient) -> None:
    ada_user, bob_user = make_user(), make_user()
    ada, bob = Caller(client, ada_user), Caller(client, bob_user)

    first = ada.call("POST", "/channels/direct", {"user_id": bob_user.id})
    again = ada.call("POST", "/channels/direct", {"user_id": bob_user.id})
    theirs = bob.call("POST", "/channels/direct", {"user_id": ada_user.id})

    assert (first.status_code, again.status_code, theirs.status_code) == (201, 200, 200)
    assert first.json["id"] == again.json["id"] == theirs.json["id"]
    assert first.json["kind"] == "direct"
    assert ada.call("POST", "/channels/direct", {"user_id": ada_user.id}).status_code == 409
    assert ada.call("POST", "/channels/direct", {"user_id": 999999}).status_code == 404
    assert ada.call("POST", "/channels/direct", {"user_id": "2"}).status_code == 400


def test_join_leave_invite_remove(client: FlaskClient) -> None:
    ada, bob_user = Caller(client, make_user()), make_user()
    bob = Caller(client, bob_user)
    public, private = ada.channel("lobby"), ada.channel("plans", "private")

    assert bob.call("PUT", f"/channels/{public}/members/me").json["membership"]["role"] == (
        "member"
    )
    assert bob.call("PUT", f"/channels/{private}/members/me").status_code == 404
    assert ada.call(
        "POST", f"/channels/{private}/members", {"user_id": bob_user.id}
    ).status_code == (204)
    members = ada.call("GET", f"/channels/{private}/members").json["members"]
    assert [m["user_id"] for m in members] == [ada.user.id, bob_user.id]
    # Only owners remove others; anyone leaves.
    assert bob.call("DELETE", f"/channels/{private}/members/{ada.user.id}").status_code == 403
    assert ada.call("DELETE", f"/channels/{private}/members/{bob_user.id}").status_code == 204
    assert bob.call("GET", f"/channels/{private}").status_code == 404
    assert bob.call("DELETE", f"/channels/{public}/members/{bob_user.id}").status_code == 204
    assert bob.call("DELETE", f"/channels/{public}/members/{bob_user.id}").status_code == 404


def test_the_default_and_direct_channels_cannot_be_left(client: FlaskClient) -> None:
    ada_user, bob_user = make_user(), make_user()
    ada = Caller(client, ada_user)
    general = next(
        c for c in ada.call("GET", "/channels").json["channels"] if c["name"] == "general"
    )
    direct = ada.call("POST", "/channels/direct", {"user_id": bob_user.id}).json["id"]

    assert ada.call("DELETE", f"/channels/{general['id']}/members/{ada_user.id}").status_code == 403
    assert ada.call("DELETE", f"/channels/{direct}/members/{ada_user.id}").status_code == 403


def test_a_private_channel_is_invisible_to_non_members_on_every_route(
    client: FlaskClient,
) -> None:
    owner, outsider = Caller(client, make_user()), Caller(client, make_user())
    private = owner.channel("plans", "private")
    posted = owner.post(private, "the plan", "c1").json
    message = f"/channels/{private}/messages/{posted['id']}"
    attempts = [
        ("GET", f"/channels/{private}", None),
        ("GET", f"/channels/{private}/members", None),
        ("PUT", f"/channels/{private}/members/me", None),
        ("POST", f"/channels/{private}/members", {"user_id": outsider.user.id}),
        ("DELETE", f"/channels/{private}/members/{owner.user.id}", None),
        ("GET", f"/channels/{private}/messages", None),
        ("GET", f"/channels/{private}/messages?after=0", None),
        ("POST", f"/channels/{private}/messages", {"source": "hi", "client_msg_id": "x"}),
        ("GET", message, None),
        ("PATCH", message, {"source": "mine now"}),
        ("DELETE", message, None),
        ("GET", f"/channels/{private}/events?after=0", None),
    ]

    for method, path, body in attempts:
        response = outsider.call(method, path, body)
        assert response.status_code == 404, (method, path, response.status_code)
        assert "plan" not in response.get_data(as_text=True)

    assert private not in [c["id"] for c in outsider.call("GET", "/channels").json["channels"]]
    assert owner.call("GET", message).json["source"] == "the plan"
