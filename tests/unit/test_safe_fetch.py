"""SSRF-safe fetching: which addresses are refused, and the limits of a fetch.

A loopback canary server counts connections: every refused form must reach it zero times.
"""

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from parley.link_previews import extract_preview, flack_html, links_to_preview
from parley.rendering import render_markdown
from parley.safe_fetch import (
    FetchFailedError,
    FetchRefusedError,
    Limits,
    fetch_html,
    is_allowed_address,
)
from tests.pages import PageServer, html_page, serving

LOOPBACK_ALLOWED = [ipaddress.ip_network("127.0.0.2/32")]

REFUSED = [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "224.0.0.1", "0.0.0.0", "240.0.0.1", "255.255.255.255", "198.18.0.1", "192.0.0.8",  # noqa: S104
    "::1", "::", "fe80::1", "fc00::1", "fd12::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::7f00:1",
    "2002:7f00:1::", "::127.0.0.1", "2001:db8::1",
    "64:ff9b:1::808:808", "64:ff9b:1:a::808:808",  # local-use NAT64, even of a public IPv4
]  # fmt: skip
ALLOWED = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", REFUSED)
def test_internal_addresses_are_refused(address: str) -> None:
    assert not is_allowed_address(ipaddress.ip_address(address))


def test_local_use_nat64_is_allowed_only_where_the_operator_allows_it() -> None:
    local_use = ipaddress.ip_address("64:ff9b:1::808:808")

    assert is_allowed_address(local_use, [ipaddress.ip_network("64:ff9b:1::/48")])
    assert is_allowed_address(ipaddress.ip_address("64:ff9b::808:808"))  # well-known: 8.8.8.8


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_allowed_address(ipaddress.ip_address(address))


def test_an_allowed_network_opens_only_itself() -> None:
    assert is_allowed_address(ipaddress.ip_address("127.0.0.2"), LOOPBACK_ALLOWED)
    assert not is_allowed_address(ipaddress.ip_address("127.0.0.1"), LOOPBACK_ALLOWED)


@pytest.fixture
def canary() -> Iterator[PageServer]:
    """A server on 127.0.0.1 that must never be reached."""
    with serving("127.0.0.1", {"/": html_page("secret")}) as server:
        yield server


def ssrf_forms(port: int) -> list[str]:
    """Every spelling of the canary's address that a naive check lets through."""
    return [
        f"http://127.0.0.1:{port}/",
        f"http://localhost:{port}/",
        f"http://[::ffff:127.0.0.1]:{port}/",
        f"http://[::ffff:7f00:1]:{port}/",
        f"http://2130706433:{port}/",  # decimal
        f"http://0x7f000001:{port}/",  # hex
        f"http://0177.0.0.1:{port}/",  # octal
        f"http://0x7f.0.0.1:{port}/",
        f"http://127.1:{port}/",
        f"http://0:{port}/",
        f"http://[::1]:{port}/",
        f"http://[::]:{port}/",
    ]


def test_every_ssrf_form_is_refused_and_never_connects(canary: PageServer) -> None:
    for url in ssrf_forms(canary.port):
        with pytest.raises((FetchRefusedError, FetchFailedError)):
            fetch_html(url, Limits())
    assert canary.connections == 0


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.2/", "file:///etc/passwd", "gopher://x/", "http:///x"]
)
def test_only_http_and_https_with_a_host(url: str) -> None:
    with pytest.raises(FetchRefusedError):
        fetch_html(url, Limits(), LOOPBACK_ALLOWED)


def test_a_redirect_into_the_network_is_refused(canary: PageServer) -> None:
    with serving("127.0.0.2") as page:
        page.routes["/go"] = (302, {"Location": canary.url("/")}, b"")

        with pytest.raises(FetchRefusedError):
            fetch_html(page.url("/go"), Limits(), LOOPBACK_ALLOWED)

    assert canary.connections == 0


def test_allowed_page_is_fetched_through_redirects() -> None:
    with serving("127.0.0.2", {"/page": html_page("Hello")}) as page:
        page.routes["/a"] = (301, {"Location": "/b"}, b"")
        page.routes["/b"] = (307, {"Location": page.url("/page")}, b"")

        fetched = fetch_html(page.url("/a"), Limits(), LOOPBACK_ALLOWED)

    assert fetched.url == page.url("/page")
    assert "<title>Hello</title>" in fetched.html


def test_too_many_redirects_are_refused() -> None:
    with serving("127.0.0.2") as page:
        page.routes["/loop"] = (302, {"Location": "/loop"}, b"")

        with pytest.raises(FetchRefusedError):
            fetch_html(page.url("/loop"), Limits(max_redirects=3), LOOPBACK_ALLOWED)


def test_only_html_is_read() -> None:
    png = (200, {"Content-Type": "image/png"}, b"png")
    with serving("127.0.0.2", {"/x.png": png}) as page, pytest.raises(FetchRefusedError):
        fetch_html(page.url("/x.png"), Limits(), LOOPBACK_ALLOWED)


def test_a_large_page_is_cut_at_the_limit() -> None:
    big = (200, {"Content-Type": "text/html"}, b"<title>Big</title>" + b"x" * 100_000)
    with serving("127.0.0.2", {"/big": big}) as page:
        fetched = fetch_html(page.url("/big"), Limits(max_bytes=1000), LOOPBACK_ALLOWED)

    assert len(fetched.html) == 1000


def test_a_slow_page_times_out() -> None:
    with serving("127.0.0.2", {"/": html_page("late")}) as page:
        page.delay = 2.0
        with pytest.raises(FetchFailedError):
            fetch_html(page.url(), Limits(read_timeout=0.3), LOOPBACK_ALLOWED)


def test_error_statuses_fail() -> None:
    with serving("127.0.0.2") as page, pytest.raises(FetchFailedError):
        fetch_html(page.url("/missing"), Limits(), LOOPBACK_ALLOWED)


def test_opengraph_comes_first_then_title_and_description() -> None:
    html = html_page(
        "Plain", "Meta desc", {"title": "OG <b>title</b>", "description": "OG\x00 desc"}
    )
    plain = html_page("Plain title", "Meta description")

    rich = extract_preview("http://x/", html[2].decode())
    simple = extract_preview("http://x/", plain[2].decode())

    assert (rich.title, rich.description) == ("OG <b>title</b>", "OG desc")
    assert (simple.title, simple.description) == ("Plain title", "Meta description")


def test_flack_html_escapes_what_pages_say() -> None:
    preview = {"url": "http://x/?a=1&b=2", "title": "<script>x</script>", "description": ""}

    html = flack_html(preview)

    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="http://x/?a=1&amp;b=2"' in html
    assert "No description found." in html


def test_links_to_preview_are_distinct_and_bounded() -> None:
    source = "a http://a.example/ b http://a.example/ c http://b.example d http://c.example e http://d.example"

    links = links_to_preview(render_markdown(source))

    assert links == ["http://a.example/", "http://b.example", "http://c.example"]


def test_the_checked_address_is_the_one_connected_to(
    canary: PageServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: a second lookup would answer the canary's address; there is none."""
    answers = iter(["127.0.0.2", "127.0.0.1", "127.0.0.1"])
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def rebinding_resolver(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host != "rebind.example":  # an address literal: no DNS involved
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    with serving("127.0.0.2", {"/": html_page("Public")}) as page:
        monkeypatch.setattr(socket, "getaddrinfo", rebinding_resolver)
        fetched = fetch_html(f"http://rebind.example:{page.port}/", Limits(), LOOPBACK_ALLOWED)

    assert "<title>Public</title>" in fetched.html
    assert lookups == ["rebind.example"]
    assert page.connections == 1
    assert canary.connections == 0
