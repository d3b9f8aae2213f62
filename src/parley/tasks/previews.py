"""Link previews, made by the worker after a message with links is posted or edited."""

import ipaddress
import logging

from celery import shared_task
from flask import current_app

from parley import events
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
    source, html = message.source, message.html
    db.session.commit()  # no transaction stays open during the fetches
    allowed = [ipaddress.ip_network(n) for n in current_app.config["LINK_PREVIEW_ALLOWED_NETWORKS"]]
    limits = Limits(total_timeout=current_app.config["LINK_PREVIEW_DEADLINE"])
    found = (preview_of(url, limits, allowed) for url in links_to_preview(html))
    previews = [preview.to_json() for preview in found if preview is not None]
    messages.store_previews(message_id, source, previews)
    return len(previews)


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
    handles=frozenset({events.MessagePosted, events.MessageEdited}),
    ignores=events.EVENT_TYPES - {events.MessagePosted, events.MessageEdited},
)
