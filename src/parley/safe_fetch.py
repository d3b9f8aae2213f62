"""Fetching a page a user linked to, without letting the link reach inside the network.

Every hop (the URL and each redirect) is resolved once; every address it resolves
to must be public (or inside an allowed network), and the connection goes to the
address that was checked, so a second DNS answer cannot point it elsewhere (DNS
rebinding). IPv6 forms of IPv4 addresses are judged as the IPv4 address they carry,
and odd IPv4 spellings (decimal, octal, hex) are judged after the resolver has read
them as the address they are.
"""

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin

import urllib3
from urllib3.util import Timeout, parse_url

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECTS = {301, 302, 303, 307, 308}
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052/8215).
_NAT64 = [ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48")]
# Special-purpose ranges that the ipaddress tables of some Python versions call global.
_NOT_GLOBAL = [ipaddress.IPv4Network("192.0.0.0/24")]


class FetchRefusedError(Exception):
    """The URL is not one Parley will fetch (scheme, address, redirect, content type)."""


class FetchFailedError(Exception):
    """The fetch was allowed but did not give a page (network error, status, timeout)."""


@dataclass(frozen=True)
class Limits:
    """How far a fetch may go."""

    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    max_bytes: int = 512 * 1024
    max_redirects: int = 3


@dataclass(frozen=True)
class Page:
    """An HTML page as fetched: its final URL and (possibly truncated) text."""

    url: str
    html: str


def fetch_html(url: str, limits: Limits, allowed_networks: Iterable[Network] = ()) -> Page:
    """GET an http(s) URL that answers text/html, following checked redirects."""
    allowed = list(allowed_networks)
    for _ in range(limits.max_redirects + 1):
        response = _get_once(url, limits, allowed)
        try:
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
            return Page(url, _read_text(response, limits.max_bytes))
        finally:
            response.release_conn()
    raise FetchRefusedError(f"more than {limits.max_redirects} redirects")


def is_allowed_address(address: IPAddress, allowed_networks: Iterable[Network] = ()) -> bool:
    """Whether an address may be connected to: public, or in an allowed network."""
    if any(
        address in network for network in allowed_networks if network.version == address.version
    ):
        return True
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return is_allowed_address(embedded, allowed_networks)
    if any(address in network for network in _NOT_GLOBAL if network.version == address.version):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


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


def _get_once(url: str, limits: Limits, allowed: list[Network]) -> urllib3.BaseHTTPResponse:
    parts = parse_url(url)
    scheme = (parts.scheme or "").lower()
    if scheme not in DEFAULT_PORTS or not parts.host:
        raise FetchRefusedError(f"{url}: only http and https URLs with a host are fetched")
    if parts.auth:
        raise FetchRefusedError(f"{url}: URLs with credentials are not fetched")
    host = parts.host.strip("[]")
    port = parts.port or DEFAULT_PORTS[scheme]
    address = resolve_checked(host, port, allowed)
    timeout = Timeout(connect=limits.connect_timeout, read=limits.read_timeout)
    pool: urllib3.HTTPConnectionPool
    if scheme == "https":
        # TLS to the checked address, with the certificate checked against the name.
        pool = urllib3.HTTPSConnectionPool(
            address, port, timeout=timeout, retries=False, maxsize=1,
            server_hostname=host, assert_hostname=host,
        )  # fmt: skip
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
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


def _read_text(response: urllib3.BaseHTTPResponse, max_bytes: int) -> str:
    """At most max_bytes of the body, decoded; the rest is never read."""
    body = bytearray()
    try:
        for chunk in response.stream(16 * 1024):
            body += chunk
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
