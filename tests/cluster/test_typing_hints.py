"""Typing hints cross instances (through Redis, never stored): a member on one instance
types, a member held by the other instance is told, and the typist's own other socket
is not."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.raw_socket import RawSocket
from tests.topology import RunningCluster
from tests.v2_clients import WAIT, Listener, Member


@pytest.fixture(scope="module")
def jobs() -> bool:
    return False


def test_a_hint_reaches_members_on_the_other_instance(topology: RunningCluster) -> None:
    first, second = (f"http://{i.address}" for i in topology.plan.instances)
    ada, bob = Member(first), Member(first)
    room = ada.channel(f"room-{uuid.uuid4().hex[:8]}")
    assert bob.call("PUT", f"/channels/{room}/members/me")[0] == 200
    typist = Listener(first, ada, {})
    typist_elsewhere = Listener(second, ada, {})
    reader = Listener(second, bob, {})

    ack = typist.client.call("typing", {"channel_id": room}, namespace="/v2", timeout=WAIT)

    assert ack == {"status": 202}
    reader.wait_for(lambda: bool(reader.markers("typing")))
    assert reader.markers("typing") == [{"channel_id": room, "user_id": ada.id, "expires_in": 6}]
    time.sleep(0.5)  # a hint to the typist's own sockets would have come by now
    assert typist.markers("typing") == typist_elsewhere.markers("typing") == []
    for listener in (typist, typist_elsewhere, reader):
        listener.client.disconnect()


def test_a_backed_up_socket_gets_no_hints_but_every_message(topology: RunningCluster) -> None:
    url = f"http://{topology.plan.instances[0].address}"
    ada, bob, cy = Member(url), Member(url), Member(url)
    room = ada.channel(f"room-{uuid.uuid4().hex[:8]}")
    for member in (bob, cy):
        assert member.call("PUT", f"/channels/{room}/members/me")[0] == 200
    stalled = RawSocket(url, receive_buffer=4096)  # bob's; he stops reading
    assert stalled.connect("/v2", {"token": bob.token, "cursors": {}}).startswith("0/v2,")
    reading = Listener(url, cy, {})
    big = "x" * 3900  # about 8 KB a push, HTML and source: TCP buffers fill, then its queue
    with ThreadPoolExecutor(8) as pool:
        posted = list(pool.map(lambda n: ada.post(room, f"{n} {big}", f"b{n}")[0], range(800)))
    assert set(posted) == {201}
    typist = Listener(url, ada, {})
    assert typist.client.call("typing", {"channel_id": room}, namespace="/v2", timeout=WAIT) == {
        "status": 202
    }
    reading.wait_for(lambda: bool(reading.markers("typing")))  # a reading socket is told
    posts_read = lambda: [n for n, _ in stalled.events("/v2")].count("message_posted")  # noqa: E731
    stalled.read_until(lambda: posts_read() == 800)  # bob reads again: every message
    stalled.read_for(1)  # and whatever came after them

    assert "typing" not in [name for name, _ in stalled.events("/v2")]
    for listener in (reading, typist):
        listener.client.disconnect()
    stalled.close()
