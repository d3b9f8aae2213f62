"""Attack: links crafted to break the preview task or to reach what the sanitizer dropped."""

from collections.abc import Iterator

import pytest
from flask import Flask

from parley.extensions import db
from parley.models import Message
from parley.safe_fetch import FetchFailedError, FetchRefusedError, Limits, fetch_html
from parley.tasks.previews import preview_links
from tests.factories import make_message, make_user
from tests.pages import PageServer, html_page, serving

UNPARSEABLE = ["http://[::1]:65536/", "http://a.com%00/", "http://[::1]x/"]


@pytest.fixture
def settings() -> dict[str, object]:
    return {"LINK_PREVIEW_ALLOWED_NETWORKS": ["127.0.0.2/32"]}


@pytest.fixture
def page() -> Iterator[PageServer]:
    with serving("127.0.0.2", {"/": html_page("Kept", "A page that may be previewed")}) as server:
        yield server


def previews_after_task(app: Flask, source: str) -> list[dict[str, str]]:
    message = make_message(make_user(), source)
    preview_links(message.id)
    db.session.expire_all()
    stored = db.session.get(Message, message.id)
    assert stored is not None
    return stored.previews or []


@pytest.mark.parametrize("bad", UNPARSEABLE)
def test_an_unparseable_url_is_refused_not_raised(bad: str) -> None:
    with pytest.raises((FetchRefusedError, FetchFailedError)):
        fetch_html(bad, Limits())


def test_links_the_sanitizer_dropped_are_skipped_and_the_others_previewed(
    app: Flask, page: PageServer
) -> None:
    host = f"127.0.0.2:{page.port}"
    # Each is a link in the Markdown that the sanitizer drops (it cannot parse them);
    # the task used to fetch them, and the first unparseable one lost every preview.
    dropped = [f"http://{host}:80/", f"http://127.0.0.2:+{page.port}/", f"http://{host}\\x"]
    dropped += UNPARSEABLE
    source = " ".join(f"[{n}]({url})" for n, url in enumerate(dropped))

    previews = previews_after_task(app, f"{source} and [this]({page.url()})")

    assert [p["title"] for p in previews] == ["Kept"]
    assert page.connections == 1
