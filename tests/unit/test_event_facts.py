"""Every event type declares its facts (parley.changes.Facts), and every consumer
reads them: the log's kinds, the payload schemas, the protocol's document, the browser
client and each subscriber agree with what the types declare."""

import dataclasses
import re
import typing
from pathlib import Path

import pytest
from flask import Flask
from marshmallow import Schema

from parley.changes import events
from parley.changes.facts import Facts, Kind
from parley.models import EventKind
from parley.read_cache import SUBSCRIBER as READ_CACHE
from parley.schemas import v2 as schemas_v2
from tests.api_v2.v2 import Caller

ROOT = Path(__file__).resolve().parents[2]
TYPES = sorted(events.EVENT_TYPES, key=lambda t: t.__name__)
CHANNEL_CHANGES = events.types_where(lambda facts: facts.kind in (Kind.MESSAGE, Kind.MEMBERSHIP))
# The fields the consumers of each kind read from an event.
FIELDS_OF_KIND = {
    Kind.MESSAGE: {"message_id", "channel_id", "seq"},
    Kind.MEMBERSHIP: {"channel_id", "user_id", "seq"},
    Kind.READ_STATE: {"user_id", "channel_id"},
    Kind.MENTIONS: {"message_id", "channel_id", "user_ids"},
    Kind.USER: {"user_id"},
    Kind.SESSION: {"user_id"},
    Kind.JOB: {"job_id", "user_id"},
}


def fields_of(event_type: type) -> set[str]:
    return {field.name for field in dataclasses.fields(event_type)}


@pytest.mark.parametrize("event_type", TYPES, ids=lambda t: t.__name__)
def test_each_type_declares_its_own_facts_and_carries_what_its_kind_needs(
    event_type: type,
) -> None:
    facts = vars(event_type).get("facts")

    assert isinstance(facts, Facts), f"{event_type.__name__} declares no facts"
    assert FIELDS_OF_KIND[facts.kind] <= fields_of(event_type)
    assert not facts.bears_message or "message_id" in fields_of(event_type)
    assert not facts.changes_history or facts.kind is Kind.MESSAGE
    assert (facts.v2 is None) == (facts.payload is None)


def test_the_channel_changes_are_the_logged_kinds_under_their_wire_names() -> None:
    assert set(typing.get_args(events.ChannelChange)) == CHANNEL_CHANGES
    assert {t.facts.v2 for t in CHANNEL_CHANGES} == {kind.value for kind in EventKind}


@pytest.mark.parametrize(
    "event_type", [t for t in TYPES if t.facts.payload], ids=lambda t: t.__name__
)
def test_each_push_names_a_payload_schema_of_the_v2_protocol(event_type: type) -> None:
    schema = getattr(schemas_v2, event_type.facts.payload, None)  # type: ignore[attr-defined]

    assert isinstance(schema, type)
    assert issubclass(schema, Schema)


def test_the_protocol_document_describes_every_push() -> None:
    document = (ROOT / "docs" / "realtime-v2.md").read_text()

    missing = {t.facts.v2 for t in TYPES if t.facts.v2 and f"`{t.facts.v2}`" not in document}

    assert not missing


def test_the_browser_client_listens_for_every_push() -> None:
    live = (ROOT / "client" / "src" / "live.js").read_text()
    listed = re.search(r"const EVENTS = \[(.*?)\];", live, re.S)
    assert listed is not None
    sequenced = set(re.findall(r'"(\w+)"', listed.group(1)))
    listened = set(re.findall(r'socket\.on\("(\w+)"', live))

    # The channel changes go through the sequencer, in seq order; the rest straight in.
    assert sequenced == {t.facts.v2 for t in CHANNEL_CHANGES}
    others = {t.facts.v2 for t in TYPES if t.facts.v2} - sequenced
    assert others <= listened, others - listened


def test_every_subscriber_takes_every_type_it_selects(app: Flask, ada: Caller) -> None:
    """Each subscriber's receiver, given an event of each type it handles (about a real
    user, channel and message), acts on it without failing: no type is selected by a
    consumer that cannot take it."""
    channel_id = ada.channel("facts")
    message = ada.post(channel_id, "hello @ada", "facts-1").json
    values = {
        "user_id": ada.user.id,
        "channel_id": channel_id,
        "message_id": message["id"],
        "seq": message["seq"],
        "root_id": message["id"],
        "user_ids": (ada.user.id,),
        "job_id": "no-such-job",
        "last_read_seq": message["seq"],
        "as_of_seq": message["seq"],
    }
    for subscriber in events.subscribers():
        for event_type in sorted(subscriber.handles, key=lambda t: t.__name__):
            required = {
                field.name: values.get(field.name, 0)
                for field in dataclasses.fields(event_type)
                if field.default is dataclasses.MISSING
            }
            subscriber.receive(event_type(**required))


def test_the_read_caches_skip_what_creates_its_subject() -> None:
    """A sign-up creates a user nothing can have cached: the read caches do not hear of
    it (a Redis publish per sign-up for nothing); a profile or presence change they do."""
    created = events.types_where(lambda facts: facts.creates)
    assert events.UserCreated in created
    assert not created & READ_CACHE.handles
    assert {events.UserUpdated, events.SessionRevoked} <= READ_CACHE.handles
