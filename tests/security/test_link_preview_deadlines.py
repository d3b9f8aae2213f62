"""Attack: a linked page that answers a byte at a time, to hold the preview worker.

Socket timeouts bound each read, not the fetch: a server trickling within them kept a
fetch going for minutes. Each fetch has one deadline across all of it.
"""

import ipaddress
import time

import pytest

from parley.safe_fetch import FetchFailedError, Limits, fetch_html
from tests.pages import serving, trickling

LOOPBACK = [ipaddress.ip_network("127.0.0.2/32")]
DEADLINE = Limits(read_timeout=1.0, total_timeout=1.0)
# Far below the minute the trickle would last, far above the deadline.
BOUND = 6.0


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_trickling_page_is_cut_off_at_the_deadline(part: str) -> None:
    with trickling("127.0.0.2", part, interval=0.2, pieces=300) as url:
        started = time.monotonic()
        with pytest.raises(FetchFailedError, match="deadline"):
            fetch_html(url, DEADLINE, LOOPBACK)
        assert time.monotonic() - started < BOUND


def test_the_deadline_spans_every_redirect() -> None:
    with serving("127.0.0.2") as hops:
        hops.delay = 0.4  # each hop answers within the read timeout
        hops.routes.update({f"/{n}": (302, {"Location": f"/{n + 1}"}, b"") for n in range(3)})
        started = time.monotonic()
        with pytest.raises(FetchFailedError, match="deadline"):
            fetch_html(hops.url("/0"), DEADLINE, LOOPBACK)
        assert time.monotonic() - started < BOUND
