"""v2 search: full-text over what the caller may read, filters, snippets, pages; edits
and deletions at once (PostgreSQL's full-text search and SQLite's FTS5 alike)."""

from typing import Any
from urllib.parse import urlencode

from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import make_user


def search(caller: Caller, **query: Any) -> Any:
    answer = caller.call("GET", f"/search?{urlencode(query)}")
    assert answer.status_code == 200, answer.json
    return answer.json


def sources(page: Any) -> list[str]:
    return [found["message"]["source"] for found in page["results"]]


def test_words_match_in_any_form_newest_first_with_marked_snippets(client: FlaskClient) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    ada.post(room, "We deployed the **release** <b>today</b>", "m1")
    ada.post(room, "nothing to see", "m2")
    ada.post(room, "Releases are fun; deploying too", "m3")

    page = search(ada, q="deploy release")

    assert sources(page) == [
        "Releases are fun; deploying too",
        "We deployed the **release** <b>today</b>",
    ]
    snippet = page["results"][1]["snippet"]
    assert "<mark>deployed</mark>" in snippet
    # The source is text: escaped (SQLite), or its tags left out (PostgreSQL's headline).
    assert "<b>" not in snippet
    assert "today" in snippet
    assert page["next"] is None
    assert sources(search(ada, q='"deployed the release"')) == [
        "We deployed the **release** <b>today</b>"
    ]
    assert sources(search(ada, q="release -fun")) == ["We deployed the **release** <b>today</b>"]


def test_only_what_the_caller_may_read(client: FlaskClient) -> None:
    ada, eve = Caller(client, make_user("ada")), Caller(client, make_user("eve"))
    secret = ada.channel("secret", "private")
    lobby = ada.channel("lobby")  # public: readable by eve without joining
    ada.post(secret, "the launch code is tangerine", "s1")
    ada.post(lobby, "tangerine for lunch", "p1")

    assert sources(search(eve, q="tangerine")) == ["tangerine for lunch"]
    assert len(search(ada, q="tangerine")["results"]) == 2
    hidden = eve.call("GET", f"/search?q=tangerine&channel_id={secret}")
    assert hidden.status_code == 404


def test_filters_narrow_by_channel_author_date_and_links(client: FlaskClient) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    room, other = ada.channel("room"), ada.channel("other")
    for channel in (room, other):
        bob.call("PUT", f"/channels/{channel}/members/me")
    first = ada.post(room, "budget draft", "a1").json
    bob.post(room, "budget numbers at https://example.com/budget", "b1")
    ada.post(other, "budget elsewhere", "a2")

    assert sources(search(ada, q="budget", channel_id=other)) == ["budget elsewhere"]
    assert sources(search(ada, q="budget", author_id=bob.user.id)) == [
        "budget numbers at https://example.com/budget"
    ]
    assert sources(search(ada, q="budget", has="link")) == [
        "budget numbers at https://example.com/budget"
    ]
    assert sources(search(ada, q="budget", until=first["created_at"])) == []
    assert len(search(ada, q="budget", since=first["created_at"])["results"]) == 3


def test_pages_by_keyset_and_edits_and_deletions_show_at_once(client: FlaskClient) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    posted = [ada.post(room, f"standup notes {n}", f"m{n}").json for n in range(5)]

    first = search(ada, q="standup", limit=2)
    rest = search(ada, q="standup", limit=10, before=first["next"])

    assert sources(first) == ["standup notes 4", "standup notes 3"]
    assert sources(rest) == ["standup notes 2", "standup notes 1", "standup notes 0"]
    ada.call("PATCH", f"/channels/{room}/messages/{posted[0]['id']}", {"source": "retro notes"})
    ada.call("DELETE", f"/channels/{room}/messages/{posted[1]['id']}")
    assert sources(search(ada, q="standup")) == [
        "standup notes 4",
        "standup notes 3",
        "standup notes 2",
    ]
    assert sources(search(ada, q="retro")) == ["retro notes"]


def test_a_page_looks_at_so_many_matches_and_says_where_to_go_on(client: FlaskClient) -> None:
    client.application.config["SEARCH_SCAN_MAX"] = 3
    ada, eve = Caller(client, make_user("ada")), Caller(client, make_user("eve"))
    lobby, secret = ada.channel("lobby"), ada.channel("secret", "private")
    ada.post(lobby, "kiwi in the lobby 0", "p0")
    ada.post(lobby, "kiwi in the lobby 1", "p1")
    for n in range(4):
        ada.post(secret, f"kiwi in secret {n}", f"s{n}")

    first = search(eve, q="kiwi")  # the 3 newest matches are ada's secrets
    second = search(eve, q="kiwi", before=first["next"])

    assert first["results"] == []
    assert first["next"] is not None
    assert sources(second) == ["kiwi in the lobby 1", "kiwi in the lobby 0"]
    assert second["next"] is None
    assert sources(search(ada, q="kiwi", limit=2)) == ["kiwi in secret 3", "kiwi in secret 2"]
