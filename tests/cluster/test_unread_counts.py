"""Unread and mention counts kept live equal the counts fetched fresh, whatever happens
(the method of Zulip's verify_action): after every action of a random sequence, a client
that applied the /v2 events, read_marker and mention pushes (tests/unread_counts.py, the
documented rule) holds exactly what GET /api/v2/channels answers. Two instances behind
HAProxy; the listener and the actors reach them through it."""

import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.topology import RunningCluster
from tests.unread_counts import UnreadCounts
from tests.v2_clients import Listener, Member

ACTIONS = 120
CHECK_AFTER = 0.6  # the chance of acting again before comparing the counts
COUNTED = ("read_marker", "mention")  # the pushes that carry a channel's counts


@pytest.fixture(scope="module")
def jobs() -> bool:
    return False  # v2 only: no worker needed


class Reader:
    """The user whose counts are checked: a listener socket and the model it feeds."""

    def __init__(self, url: str) -> None:
        self.member = Member(url)
        self.counts = UnreadCounts(self.member.id)
        listing = self.listing()
        for channel in listing.values():
            if channel["membership"] is not None:
                self.counts.load(channel)
        self.listener = Listener(
            url, self.member, {c["id"]: c["last_seq"] for c in listing.values() if c["membership"]}
        )
        self.fed_events: dict[int, int] = {}
        self.fed_markers = 0
        self.late_answers: list[dict[str, Any]] = []  # PUT answers not applied yet
        self.late_loads: list[dict[str, Any]] = []  # channels joined, their GET not applied

    def wait_for_markers(self, count: int) -> None:
        """Wait until `count` pushes carrying counts (read_marker, mention) have arrived."""
        self.listener.wait_for(
            lambda: sum(1 for event, _ in self.listener.received if event in COUNTED) >= count
        )

    def listing(self) -> dict[int, dict[str, Any]]:
        status, body = self.member.call("GET", "/channels")
        assert status == 200, body
        return {channel["id"]: channel for channel in body["channels"]}

    def feed(self, rng: random.Random) -> None:
        """Give the model what the socket applied since, the answers to our own marks
        that came late, and the counts of channels just joined, the streams interleaved
        at random (the rule must not depend on which arrives first)."""
        with self.listener._changed:
            events = [
                event
                for channel_id, applied in self.listener.applied.items()
                for event in applied[self.fed_events.get(channel_id, 0) :]
            ]
            for channel_id, applied in self.listener.applied.items():
                self.fed_events[channel_id] = len(applied)
        with self.listener._changed:
            markers = [
                payload.get("read_state", payload)  # a mention's counts, or a read_marker
                for event, payload in self.listener.received
                if event in COUNTED
            ][self.fed_markers :]
        self.fed_markers += len(markers)
        answers, self.late_answers = self.late_answers, []
        loads, self.late_loads = self.late_loads, []
        streams = [iter(events), iter(markers), iter(answers), iter(loads)]
        appliers = [
            self.counts.apply_event,
            self.counts.apply_marker,
            self.counts.apply_marker,
            self.counts.load,
        ]
        pending = [0, 1, 2, 3]
        heads: list[Iterator[dict[str, Any]]] = streams
        while pending:
            which = rng.choice(pending)
            item = next(heads[which], None)
            if item is None:
                pending.remove(which)
            else:
                appliers[which](item)


# Replayable sequences. Seed 4 has a slow answer to an older mark land after a newer
# mark's push in the same channel, with posts between: the case rule 4 exists for.
@pytest.mark.parametrize("seed", [4, 20261201])
def test_live_unread_counts_equal_fresh_ones_after_any_actions(
    topology: RunningCluster, seed: int
) -> None:
    url = topology.plan.balancer_url
    rng = random.Random(seed)  # noqa: S311 (a replayable sequence, not a secret)
    reader, ada = Reader(url), Member(url)
    listing = reader.listing()
    general = next(c["id"] for c in listing.values() if c["name"] == "general")
    room = ada.channel(f"room-{uuid.uuid4().hex[:8]}")
    assert reader.member.call("PUT", f"/channels/{room}/members/me")[0] == 200
    reader.counts.load(reader.listing()[room])
    secret = ada.channel(f"secret-{uuid.uuid4().hex[:8]}", "private")
    rooms = [general, room]
    posted: dict[int, list[tuple[Member, int, int]]] = {general: [], room: [], secret: []}
    read = {c: reader.listing()[c]["membership"]["last_read_seq"] for c in rooms}
    moves = 0  # pushes with counts to expect: per marker moved, mention made or withdrawn
    naming: set[int] = set()  # ada's messages that name the reader now
    checks = 0

    for step in range(ACTIONS):
        action = rng.choices(
            [
                "ada posts",
                "ada replies",
                "ada deletes",
                "ada edits",
                "reader posts",
                "reader marks",
                "invite",
            ],
            weights=[35, 8, 12, 8, 10, 22, 5],
        )[0]
        if action == "invite" and secret not in rooms:
            ada.invite(secret, reader.member)
            rooms.append(secret)
            status, channel = reader.member.call("GET", f"/channels/{secret}")
            assert status == 200
            reader.late_loads.append(channel)  # the client loads it on joining; its events
            # may come before the answer does
            read[secret] = channel["membership"]["last_read_seq"]
        elif action in ("ada posts", "reader posts", "invite"):
            author = ada if action != "reader posts" else reader.member
            channel_id = rng.choice(rooms)
            naming_reader = author is ada and rng.random() < 0.4
            source = _naming(reader.member, rng, step) if naming_reader else f"step {step}"
            status, message = author.post(channel_id, source, f"s{step}")
            assert status == 201, message
            posted[channel_id].append((author, message["id"], message["seq"]))
            if naming_reader:
                naming.add(message["id"])
                moves += 1  # a mention
        elif action == "ada replies":  # never unread in the channel: read in its thread
            roots = [(c, m) for c, items in posted.items() for _, m, _ in items if c in rooms]
            if roots:
                channel_id, root_id = rng.choice(roots)
                status, answer = ada.call(
                    "POST",
                    f"/channels/{channel_id}/messages",
                    {
                        "source": f"reply {step}",
                        "client_msg_id": f"s{step}",
                        "thread_root_id": root_id,
                    },
                )
                assert status == 201, answer
        elif action in ("ada deletes", "ada edits"):
            mine = [(c, m) for c, items in posted.items() for a, m, _ in items if a is ada]
            if mine:
                channel_id, message_id = rng.choice(mine)
                path = f"/channels/{channel_id}/messages/{message_id}"
                if action == "ada deletes":
                    ada.call("DELETE", path)
                    posted[channel_id] = [p for p in posted[channel_id] if p[1] != message_id]
                    moves += message_id in naming  # its mention withdrawn
                    naming.discard(message_id)
                else:  # named now, or not any more: either way the reader hears of it
                    names = message_id not in naming
                    source = _naming(reader.member, rng, step) if names else f"edit {step}"
                    assert ada.call("PATCH", path, {"source": source})[0] == 200
                    naming.symmetric_difference_update({message_id})
                    moves += 1
        else:
            channel_id = rng.choice(rooms)
            last = reader.listing()[channel_id]["last_seq"]
            status, state = reader.member.call(
                "PUT", f"/channels/{channel_id}/read", {"seq": rng.randint(0, last)}
            )
            assert status == 200, state
            moves += state["last_read_seq"] > read[channel_id]
            read[channel_id] = state["last_read_seq"]
            if rng.random() < 0.5:  # the device that marked has the answer at once
                reader.counts.apply_marker(state)
            else:  # or after later pushes: a slow answer
                reader.late_answers.append(state)

        if rng.random() < CHECK_AFTER and step < ACTIONS - 1:
            continue  # several actions, so both streams reach the model in one batch
        fresh = reader.listing()
        for channel_id in rooms:
            reader.listener.wait_for_seq(channel_id, fresh[channel_id]["last_seq"])
        reader.wait_for_markers(moves)
        reader.feed(rng)
        held = {c: (reader.counts.unread(c), reader.counts.mentions(c)) for c in rooms}
        assert held == {c: (fresh[c]["unread_count"], fresh[c]["mention_count"]) for c in rooms}, (
            f"after step {step}: {action}"
        )
        checks += 1
    assert checks > ACTIONS // 4
    reader.listener.client.disconnect()


def _naming(reader: Member, rng: random.Random, step: int) -> str:
    """A message that names the reader: by nickname, or as every member."""
    return rng.choice([f"@{reader.nickname} step {step}", f"@channel step {step}"])
