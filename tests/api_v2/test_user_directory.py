"""GET /api/v2/users: the user directory, by nickname prefix, in keyset pages."""

from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import make_user


def nicknames(caller: Caller, query: str) -> tuple[list[str], bool]:
    response = caller.call("GET", f"/users{query}")
    assert response.status_code == 200, response.json
    return [u["nickname"] for u in response.json["users"]], response.json["more"]


def test_a_prefix_finds_the_nicknames_that_start_with_it_in_order(ada: Caller) -> None:
    for nickname in ("zed", "anna", "annabel", "ann", "bob_2"):
        make_user(nickname)

    assert nicknames(ada, "?q=ann") == (["ann", "anna", "annabel"], False)
    assert nicknames(ada, "?q=zzz") == ([], False)


def test_the_prefix_matches_in_any_case(ada: Caller) -> None:
    for nickname in ("Anne", "ANDY", "bert"):
        make_user(nickname)

    found, _ = nicknames(ada, "?q=an")

    assert set(found) == {"Anne", "ANDY"}


def test_pages_join_without_a_gap_or_a_duplicate(ada: Caller) -> None:
    made = sorted(f"pager{n:02}" for n in range(25))
    for nickname in made:
        make_user(nickname)

    seen: list[str] = []
    after = ""
    while True:
        page, more = nicknames(ada, f"?q=pager&limit=10{after}")
        seen += page
        if not more:
            break
        after = f"&after={page[-1]}"

    assert seen == made


def test_wildcards_match_only_themselves(ada: Caller) -> None:
    for nickname in ("a_b", "axb", "a%c", "abc"):
        make_user(nickname)

    assert nicknames(ada, "?q=a_") == (["a_b"], False)
    assert nicknames(ada, "?q=a%25") == (["a%c"], False)


def test_an_empty_prefix_lists_everyone_a_page_at_a_time(ada: Caller, bob: Caller) -> None:
    found, more = nicknames(ada, "?limit=1")

    assert found == ["ada"]
    assert more


def test_the_directory_needs_a_signed_in_user(client: FlaskClient) -> None:
    response = client.get("/api/v2/users?q=a")

    assert response.status_code == 401
    assert response.json["code"] == 401
