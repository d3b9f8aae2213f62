"""Attack: malformed Socket.IO packets, to crash the server or flood its log."""

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.raw_socket import RawSocket, SocketClosedError
from tests.servers import call, parley_server, shared_env

MALFORMED = [
    "2/v2,abc",  # not JSON
    '2["x"',  # truncated
    '2/v2,{"a":1}',  # an event that is not an array
    "9",  # no such packet type
    "2" + "[" * 5000 + "]" * 5000,  # nested past the decoder's recursion limit
    "0/v2,{bad",  # a connect with broken auth
    "3/v2,5[1",  # a truncated ack
    '2["post_message",' + '"\\ud800"' + "]",  # a lone surrogate
]


@pytest.fixture(scope="module")
def logged_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    log = tmp_path_factory.mktemp("packets") / "server.log"
    with parley_server(shared_env("parley_test_packets"), log=log) as url:
        yield url, log


def test_each_malformed_packet_is_one_log_line_and_the_server_serves_on(
    logged_server: tuple[str, Path],
) -> None:
    url, log = logged_server
    for packet in MALFORMED:
        raw = RawSocket(url)
        try:
            raw.send(packet)
            with contextlib.suppress(SocketClosedError):  # it may hang up on such a client
                raw.read_for(0.2)
        finally:
            raw.close()
    time.sleep(0.5)

    status, _, _ = call(f"{url}/healthz")
    text = log.read_text(errors="replace")
    refusals = [line for line in text.splitlines() if "sent a malformed packet" in line]

    assert status == 200
    assert "Traceback" not in text
    assert 1 <= len(refusals) <= len(MALFORMED)
