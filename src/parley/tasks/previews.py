"""Link previews, made by the worker after a message with links is posted or edited."""

import ipaddress
import logging
import time

from celery import shared_task
from flask import current_app

from parley import redis_urls
from parley.changes import events
from parley.extensions import db
from parley.job_runner import TRANSIENT_ERRORS
from parley.link_previews import Preview, extract_preview, links_to_preview
from parley.models import Message
from parley.safe_fetch import FetchFailedError, FetchRefusedError, Limits, Network, fetch_html
from parley.services import messages

log = logging.getLogger(__name__)


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def preview_links(message_id: int) -> int:
    """Fetch each link of the message and store what the pages say; return how many.

    Idempotent: previews already made for this source are left alone, and storing
    replaces, so a task run twice (its worker died) stores them once.
    """
    message = db.session.get(Message, message_id)
    if message is None or message.deleted_at is not None or message.previews is not None:
        return 0
    source, html, budget = message.source, message.html, FetchBudget(message.user_id)
    db.session.commit()  # no transaction stays open during the fetches
    allowed = [ipaddress.ip_network(n) for n in current_app.config["LINK_PREVIEW_ALLOWED_NETWORKS"]]
    previews = []
    for url in links_to_preview(html):
        seconds = budget.grant()
        if seconds <= 0:
            log.warning("link previews of message %s cut short: its time is spent", message_id)
            break
        started = time.monotonic()
        preview = preview_of(url, Limits(total_timeout=seconds), allowed)
        budget.settle(seconds, time.monotonic() - started)
        if preview is not None:
            previews.append(preview.to_json())
    messages.store_previews(message_id, source, previews)
    return len(previews)


MIN_PAGE_SECONDS = 0.25  # with less left, a page cannot load: a connection would only spend it
WINDOW_SECONDS = 60


class FetchBudget:
    """The fetch time one message's previews may take: LINK_PREVIEW_DEADLINE per page,
    LINK_PREVIEW_MESSAGE_SECONDS for all of the message's pages, and what is left of its
    author's LINK_PREVIEW_AUTHOR_SECONDS in the last minute (counted in Redis, across
    workers), so that slow pages cannot let one message, or one author, hold the
    preview worker.

    The author's minute slides: this minute's seconds plus the last minute's, weighted
    by how much of it is still within sixty seconds (the sliding window counter), so a
    minute's turn does not give a fresh budget. Its counts are seconds as floats, which
    the `limits` library's whole-number costs do not hold.
    """

    def __init__(self, author_id: int) -> None:
        config = current_app.config
        self.deadline = time.monotonic() + float(config["LINK_PREVIEW_MESSAGE_SECONDS"])
        self.page_seconds = float(config["LINK_PREVIEW_DEADLINE"])
        self.author_seconds = float(config["LINK_PREVIEW_AUTHOR_SECONDS"])
        self.prefix = f"{config['REDIS_KEY_PREFIX']}preview-seconds:{author_id}:"
        url = config["REDIS_URL"]
        self.redis = redis_urls.client(url) if url else None
        self.charged = ""  # the minute's key the last grant was drawn from

    def grant(self) -> float:
        """Seconds the next page may take, drawn from the author's minute at once (0:
        none), so that workers fetching for one author at the same time share it."""
        seconds = min(self.page_seconds, self.deadline - time.monotonic())
        if seconds < MIN_PAGE_SECONDS:
            return 0.0
        if self.redis is None:
            return seconds
        now = time.time()
        minute = int(now // WINDOW_SECONDS)
        self.charged = f"{self.prefix}{minute}"
        with self.redis.pipeline() as pipe:
            pipe.incrbyfloat(self.charged, seconds)
            pipe.expire(self.charged, 2 * WINDOW_SECONDS)
            pipe.get(f"{self.prefix}{minute - 1}")
            current, _, previous = pipe.execute()
        still_in = 1 - (now % WINDOW_SECONDS) / WINDOW_SECONDS
        spent = float(current) + float(previous or 0) * still_in
        granted = seconds - max(0.0, spent - self.author_seconds)
        if granted < MIN_PAGE_SECONDS:
            granted = 0.0
        if granted < seconds:
            self.redis.incrbyfloat(self.charged, granted - seconds)  # give back the rest
        return granted

    def settle(self, granted: float, used: float) -> None:
        """Count what a page took instead of what it was granted."""
        if self.redis is not None and used != granted:
            self.redis.incrbyfloat(self.charged, used - granted)


def preview_of(url: str, limits: Limits, allowed: list[Network]) -> Preview | None:
    """One link's preview, or None if it cannot or may not be fetched."""
    try:
        page = fetch_html(url, limits, allowed)
    except FetchRefusedError as error:
        log.warning("link preview refused: %s", error)
        return None
    except FetchFailedError as error:
        log.info("link preview failed: %s", error)
        return None
    return extract_preview(url, page.html)


def queue_previews(event: events.MessagePosted | events.MessageEdited) -> None:
    """Queue a preview task for a new or re-written message that has links."""
    match event:
        case (
            events.MessagePosted(message_id=message_id)
            | events.MessageEdited(message_id=message_id, source_changed=True)
        ):
            message = db.session.get(Message, message_id)
            # The rendered HTML already says whether there is a link: no second parse of
            # the Markdown on every post.
            if message is None or 'href="http' not in message.html.lower():
                return
            try:
                preview_links.delay(message_id)
            except Exception:  # the message is committed; a missing preview is no failure
                log.exception("could not queue previews of message %s", message_id)


SUBSCRIBER = events.Subscriber(
    "link previews",
    queue_previews,
    handles=frozenset({events.MessagePosted, events.MessageEdited}),  # a source written
)
