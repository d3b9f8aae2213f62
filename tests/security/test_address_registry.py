"""Attack: link previews aimed at every special-purpose address block.

One address of every entry of the IANA IPv4 and IPv6 Special-Purpose Address
Registries, with what the registry's "Globally Reachable" column says (deprecated
entries, "N/A", are refused). A link preview may fetch only from the reachable ones.
"""

import ipaddress

import pytest

from parley.safe_fetch import is_allowed_address

# (entry, an address in it, globally reachable)
IPV4_REGISTRY = [
    ("0.0.0.0/8 this network", "0.1.2.3", False),
    ("0.0.0.0/32 this host", "0.0.0.0", False),  # noqa: S104
    ("10.0.0.0/8 private use", "10.20.30.40", False),
    ("100.64.0.0/10 shared address space", "100.100.1.1", False),
    ("127.0.0.0/8 loopback", "127.8.9.10", False),
    ("169.254.0.0/16 link local", "169.254.169.254", False),
    ("172.16.0.0/12 private use", "172.31.255.1", False),
    ("192.0.0.0/24 IETF protocol assignments", "192.0.0.200", False),
    ("192.0.0.0/29 IPv4 service continuity prefix", "192.0.0.1", False),
    ("192.0.0.8/32 IPv4 dummy address", "192.0.0.8", False),
    ("192.0.0.9/32 PCP anycast", "192.0.0.9", True),
    ("192.0.0.10/32 TURN anycast", "192.0.0.10", True),
    ("192.0.0.170/32 NAT64/DNS64 discovery", "192.0.0.170", False),
    ("192.0.0.171/32 NAT64/DNS64 discovery", "192.0.0.171", False),
    ("192.0.2.0/24 documentation (TEST-NET-1)", "192.0.2.1", False),
    ("192.31.196.0/24 AS112-v4", "192.31.196.1", True),
    ("192.52.193.0/24 AMT", "192.52.193.1", True),
    ("192.88.99.0/24 deprecated 6to4 relay anycast", "192.88.99.1", False),
    ("192.168.0.0/16 private use", "192.168.1.1", False),
    ("192.175.48.0/24 direct delegation AS112", "192.175.48.1", True),
    ("198.18.0.0/15 benchmarking", "198.19.0.1", False),
    ("198.51.100.0/24 documentation (TEST-NET-2)", "198.51.100.1", False),
    ("203.0.113.0/24 documentation (TEST-NET-3)", "203.0.113.1", False),
    ("240.0.0.0/4 reserved", "250.1.2.3", False),
    ("255.255.255.255/32 limited broadcast", "255.255.255.255", False),
]
IPV6_REGISTRY = [
    ("::1/128 loopback", "::1", False),
    ("::/128 unspecified", "::", False),
    ("::ffff:0:0/96 IPv4-mapped", "::ffff:10.0.0.1", False),
    ("64:ff9b::/96 IPv4-IPv6 translation (of a private IPv4)", "64:ff9b::a00:1", False),
    ("64:ff9b:1::/48 IPv4-IPv6 translation, local use", "64:ff9b:1::1", False),
    ("100::/64 discard-only", "100::1", False),
    ("100:0:0:1::/64 dummy IPv6 prefix", "100:0:0:1::1", False),
    ("2001::/23 IETF protocol assignments", "2001:1ff::1", False),
    ("2001::/32 TEREDO (of a private IPv4)", "2001:0:4136:e378:8000:63bf:f5ff:fffe", False),
    ("2001:1::1/128 PCP anycast", "2001:1::1", True),
    ("2001:1::2/128 TURN anycast", "2001:1::2", True),
    ("2001:1::3/128 DNS-SD SRP anycast", "2001:1::3", True),
    ("2001:2::/48 benchmarking", "2001:2::1", False),
    ("2001:3::/32 AMT", "2001:3::1", True),
    ("2001:4:112::/48 AS112-v6", "2001:4:112::1", True),
    ("2001:10::/28 deprecated ORCHID", "2001:10::1", False),
    ("2001:20::/28 ORCHIDv2", "2001:20::1", True),
    ("2001:30::/28 drone remote ID entity tags", "2001:30::1", True),
    ("2001:db8::/32 documentation", "2001:db8::1", False),
    ("2002::/16 6to4 (of a private IPv4)", "2002:c0a8:101::1", False),
    ("2620:4f:8000::/48 direct delegation AS112", "2620:4f:8000::1", True),
    ("3fff::/20 documentation", "3fff:1::1", False),
    ("5f00::/16 segment routing SIDs", "5f00::1", False),
    ("fc00::/7 unique local", "fd12:3456::1", False),
    ("fe80::/10 link-local unicast", "fe80::1", False),
    ("fec0::/10 deprecated site-local (not global unicast)", "fec0::1", False),
    ("ff00::/8 multicast", "ff0e::1", False),
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001:81c::200e"]


@pytest.mark.parametrize(("entry", "address", "reachable"), IPV4_REGISTRY + IPV6_REGISTRY)
def test_every_registry_entry_is_judged_as_the_registry_says(
    entry: str, address: str, reachable: bool
) -> None:
    assert is_allowed_address(ipaddress.ip_address(address)) is reachable, entry


@pytest.mark.parametrize("address", PUBLIC)
def test_ordinary_public_addresses_are_allowed(address: str) -> None:
    assert is_allowed_address(ipaddress.ip_address(address))
