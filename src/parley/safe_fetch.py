"""Fetching a page a user linked to, without letting the link reach inside the network.

Every hop (the URL and each redirect) is resolved once; every address it resolves
to must be public (or inside an allowed network), and the connection goes to the
address that was checked, so a second DNS answer cannot point it elsewhere (DNS
rebinding). IPv6 forms of IPv4 addresses are judged as the IPv4 address they carry,
and odd IPv4 spellings (decimal, octal, hex) are judged after the resolver has read
them as the address they are.

A fetch has one deadline across its connections, redirects, headers and body. Socket
timeouts alone bound each read, so a server trickling a byte a second would hold a
fetch for as long as it likes: at the deadline the fetch's sockets are shut down.
"""

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.util import Timeout, parse_url

from parley.special_addresses import is_globally_reachable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECTS = {301, 302, 303, 307, 308}
# The well-known NAT64 prefix (RFC 6052) carries an IPv4 address in its last 32 bits and
# is judged by it. The local-use prefix 64:ff9b:1::/48 (RFC 8215) is not: what it
# translates to is the local network's choice, so it is refused whole unless an operator
# allows it (LINK_PREVIEW_ALLOWED_NETWORKS).
_NAT64 = [ipaddress.IPv6Network("64:ff9b::/96")]


class FetchRefusedError(Exception):
    """The URL is not one Parley will fetch (scheme, address, redirect, content type)."""


class FetchFailedError(Exception):
    """The fetch was allowed but did not give a page (network error, status, timeout)."""


@dataclass(frozen=True)
class Limits:
    """How far a fetch may go."""

    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    # The whole fetch: every hop's connection, headers and body.
    total_timeout: float = 10.0
    max_bytes: int = 512 * 1024
    max_redirects: int = 3


@dataclass(frozen=True)
class Page:
    """An HTML page as fetched: its final URL and (possibly truncated) text."""

    url: str
    html: str


class _Deadline:
    """The end of one fetch: past it, every socket the fetch opened is shut down, which
    wakes a read blocked on a trickling server."""

    def __init__(self, seconds: float) -> None:
        self.ends_at = time.monotonic() + seconds
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def remaining(self) -> float:
        """Seconds left; FetchFailedError once there are none."""
        left = self.ends_at - time.monotonic()
        if left <= 0 or self.expired:
            raise FetchFailedError("the fetch took longer than its deadline")
        return left

    def watch(self, sock: socket.socket) -> None:
        """Shut this socket down at the deadline (at once, if it has passed)."""
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        self.expired = True
        self._shut_all()

    def _shut_all(self) -> None:
        with self._lock:
            for sock in self._sockets:
                _shut(sock)

    @contextlib.contextmanager
    def running(self) -> Iterator["_Deadline"]:
        """Arm the timer for the block; a failure it caused reads as the deadline."""
        self._timer.start()
        try:
            yield self
        except (FetchFailedError, urllib3.exceptions.HTTPError, OSError) as error:
            # The clock, not only the timer: a socket timeout cut to the time left fires
            # at the deadline too, and may do so before the timer's thread has run.
            if self.expired or time.monotonic() >= self.ends_at:
                raise FetchFailedError("the fetch took longer than its deadline") from None
            if isinstance(error, FetchFailedError):
                raise
            raise FetchFailedError(str(error)) from None
        finally:
            self._timer.cancel()
            # Whatever ended the fetch (an answer, an error, a task's time limit raised
            # inside it), its connections end with it rather than when collected.
            self._shut_all()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """Mixin of a urllib3 connection whose socket the fetch's deadline can shut down."""

    sock: socket.socket | None

    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def connect(self) -> None:
        """Connect, then hand the socket to the deadline."""
        super().connect()  # type: ignore[misc]
        if self.sock is not None:
            self.deadline.watch(self.sock)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    """A plain connection under a deadline."""


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    """A TLS connection under a deadline."""


class _WatchedPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedTLSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


def fetch_html(url: str, limits: Limits, allowed_networks: Iterable[Network] = ()) -> Page:
    """GET an http(s) URL that answers text/html, following checked redirects, within
    limits.total_timeout in all."""
    with _Deadline(limits.total_timeout).running() as deadline:
        return _fetch(url, limits, list(allowed_networks), deadline)


def _fetch(url: str, limits: Limits, allowed: list[Network], deadline: _Deadline) -> Page:
    for _ in range(limits.max_redirects + 1):
        response = _get_once(url, limits, allowed, deadline)
        try:
            deadline.remaining()  # a shut-down socket reads as the end of the headers
            if response.status in REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise FetchFailedError(f"{url}: redirect without a Location")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchFailedError(f"{url}: status {response.status}")
            content_type = response.headers.get("Content-Type", "")
            if content_type.split(";")[0].strip().lower() != "text/html":
                raise FetchRefusedError(f"{url}: not text/html but {content_type or 'nothing'}")
            text = _read_text(response, limits.max_bytes, deadline)
            deadline.remaining()  # ... or as the end of the body
            return Page(url, text)
        finally:
            response.release_conn()
    raise FetchRefusedError(f"more than {limits.max_redirects} redirects")


def is_allowed_address(address: IPAddress, allowed_networks: Iterable[Network] = ()) -> bool:
    """Whether an address may be connected to: globally reachable per the IANA
    registries (parley.special_addresses), or in an allowed network."""
    if any(
        address in network for network in allowed_networks if network.version == address.version
    ):
        return True
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return is_allowed_address(embedded, allowed_networks)
    return is_globally_reachable(address)


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it carries one."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in prefix for prefix in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    # IPv4-compatible (::a.b.c.d, deprecated) still reaches a.b.c.d on some stacks.
    if int(address) >> 32 == 0 and int(address) > 1:
        return ipaddress.IPv4Address(int(address))
    return None


def resolve_checked(host: str, port: int, allowed_networks: Iterable[Network]) -> str:
    """The one address to connect to; refused unless every address of the host is allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchFailedError(f"{host}: cannot resolve ({error})") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    refused = [a for a in addresses if not is_allowed_address(a, allowed_networks)]
    if not addresses or refused:
        raise FetchRefusedError(
            f"{host} resolves to a non-public address ({refused[0] if refused else 'none'})"
        )
    return str(addresses[0])


def _get_once(
    url: str, limits: Limits, allowed: list[Network], deadline: _Deadline
) -> urllib3.BaseHTTPResponse:
    try:
        parts = parse_url(url)
        port = parts.port
    except urllib3.exceptions.LocationParseError:
        raise FetchRefusedError(f"{url!r}: not a URL that can be fetched") from None
    scheme = (parts.scheme or "").lower()
    if scheme not in DEFAULT_PORTS or not parts.host:
        raise FetchRefusedError(f"{url}: only http and https URLs with a host are fetched")
    if parts.auth:
        raise FetchRefusedError(f"{url}: URLs with credentials are not fetched")
    host = parts.host.strip("[]")
    port = port or DEFAULT_PORTS[scheme]
    address = resolve_checked(host, port, allowed)
    left = deadline.remaining()
    timeout = Timeout(
        connect=min(limits.connect_timeout, left), read=min(limits.read_timeout, left)
    )
    pool: urllib3.HTTPConnectionPool
    if scheme == "https":
        # TLS to the checked address, with the certificate checked against the name.
        pool = _WatchedTLSPool(
            address, port, timeout=timeout, retries=False, maxsize=1,
            server_hostname=host, assert_hostname=host, deadline=deadline,
        )  # fmt: skip
    else:
        pool = _WatchedPool(
            address, port, timeout=timeout, retries=False, maxsize=1, deadline=deadline
        )
    host_header = parts.host if port == DEFAULT_PORTS[scheme] else f"{parts.host}:{port}"
    try:
        return pool.urlopen(
            "GET",
            parts.request_uri,
            headers={
                "Host": host_header,
                "User-Agent": "Parley-LinkPreview/1.0",
                "Accept": "text/html",
                # Uncompressed, so max_bytes bounds what is read, not a zip bomb's output.
                "Accept-Encoding": "identity",
            },
            redirect=False,
            retries=False,
            preload_content=False,
        )
    except urllib3.exceptions.HTTPError as error:
        raise FetchFailedError(f"{url}: {error}") from None


def _read_text(response: urllib3.BaseHTTPResponse, max_bytes: int, deadline: _Deadline) -> str:
    """At most max_bytes of the body, decoded; the rest is never read."""
    body = bytearray()
    try:
        for chunk in response.stream(16 * 1024):
            body += chunk
            deadline.remaining()
            if len(body) >= max_bytes:
                del body[max_bytes:]
                break
    except urllib3.exceptions.HTTPError as error:
        raise FetchFailedError(str(error)) from None
    content_type = response.headers.get("Content-Type", "")
    charset = "utf-8"
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")
