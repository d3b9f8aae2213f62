"""Attacks that probe for what a user may not see: hidden channels' names, and messages
of other channels through a reused client_msg_id."""

import pytest
from flask.testing import FlaskClient

from parley.extensions import db
from parley.models import Message
from tests.api_v2.v2 import Caller
from tests.factories import make_user


@pytest.fixture
def eve(client: FlaskClient) -> Caller:
    return Caller(client, make_user("eve"))


@pytest.mark.parametrize("kind", ["private", "public"])
def test_a_hidden_channel_name_cannot_be_probed_by_creating_one(
    ada: Caller, eve: Caller, kind: str
) -> None:
    ada.channel("merger-talks", "private")

    created = eve.call("POST", "/channels", {"name": "merger-talks", "kind": kind})
    listing = eve.call("GET", "/channels").json

    assert created.status_code == 201, created.json
    names = [c["name"] for c in listing["channels"]]
    assert names.count("merger-talks") == 1  # eve's own, not ada's


def test_public_names_stay_unique_and_the_conflict_names_the_field(
    ada: Caller, eve: Caller
) -> None:
    ada.channel("lobby")

    taken = eve.call("POST", "/channels", {"name": "lobby", "kind": "public"})

    assert taken.status_code == 409
    assert list(taken.json["errors"]) == ["name"]


def test_a_client_msg_id_belongs_to_one_channel(ada: Caller) -> None:
    first, second = ada.channel("one"), ada.channel("two")

    posted = [ada.post(channel, f"in {channel}", "same-id") for channel in (first, second)]
    again = ada.post(second, "retransmitted", "same-id")

    assert [p.status_code for p in posted] == [201, 201]
    assert posted[0].json["id"] != posted[1].json["id"]
    assert again.status_code == 200
    assert again.json["id"] == posted[1].json["id"]


def test_reusing_a_client_msg_id_where_one_may_not_post_reveals_nothing(
    client: FlaskClient, ada: Caller, eve: Caller
) -> None:
    secret = ada.channel("secret", "private")
    ada.post(secret, "the plan", "m-1")
    lobby = ada.channel("lobby")
    eve.post(eve.channel("eves"), "mine", "m-1")

    hidden = eve.post(secret, "probe", "m-1")
    not_joined = eve.post(lobby, "probe", "m-1")

    assert hidden.status_code == 404
    assert not_joined.status_code == 403
    assert "the plan" not in hidden.get_data(as_text=True)
    assert db.session.query(Message).filter_by(user_id=eve.user.id).count() == 1
