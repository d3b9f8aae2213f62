"""Which addresses are globally reachable: the IANA special-purpose address registries.

Python's ipaddress tables changed between releases (fec0::/10, 192.0.0.0/24 and others
were once called global), so link previews judge addresses by the registries
themselves: the IPv4 and IPv6 Special-Purpose Address Registries, their "Globally
Reachable" column, with deprecated entries ("N/A") taken as not reachable. Beyond
them, IPv6 unicast is global only inside 2000::/3 (the IANA IPv6 address space, which
also leaves out the deprecated site-local fec0::/10), and multicast never is.
"""

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(*cidrs: str) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr) for cidr in cidrs)


# IPv4 Special-Purpose Address Registry: entries not globally reachable (or deprecated).
IPV4_NOT_REACHABLE = _networks(
    "0.0.0.0/8",  # "this network" (0.0.0.0/32, "this host", inside it)
    "10.0.0.0/8",  # private use
    "100.64.0.0/10",  # shared address space (CGNAT)
    "127.0.0.0/8",  # loopback
    "169.254.0.0/16",  # link local
    "172.16.0.0/12",  # private use
    "192.0.0.0/24",  # IETF protocol assignments (192.0.0.0/29, .8, .170, .171 inside it)
    "192.0.2.0/24",  # documentation (TEST-NET-1)
    "192.88.99.0/24",  # deprecated 6to4 relay anycast
    "192.168.0.0/16",  # private use
    "198.18.0.0/15",  # benchmarking
    "198.51.100.0/24",  # documentation (TEST-NET-2)
    "203.0.113.0/24",  # documentation (TEST-NET-3)
    "240.0.0.0/4",  # reserved (255.255.255.255/32, limited broadcast, inside it)
)
# Entries inside those that the registry marks globally reachable.
IPV4_REACHABLE = _networks(
    "192.0.0.9/32",  # Port Control Protocol anycast
    "192.0.0.10/32",  # TURN anycast
)
IPV4_MULTICAST = ipaddress.IPv4Network("224.0.0.0/4")

IPV6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
# IPv6 Special-Purpose Address Registry: entries not globally reachable (or deprecated).
# Those outside 2000::/3 (::1, ::, ::ffff:0:0/96, 64:ff9b:1::/48, 100::/64,
# 100:0:0:1::/64, 5f00::/16, fc00::/7, fe80::/10) are refused by that rule already.
IPV6_NOT_REACHABLE = _networks(
    "2001::/23",  # IETF protocol assignments (TEREDO 2001::/32 inside it)
    "2001:db8::/32",  # documentation
    "2002::/16",  # 6to4
    "3fff::/20",  # documentation
)
# Entries inside those that the registry marks globally reachable.
IPV6_REACHABLE = _networks(
    "2001:1::1/128",  # Port Control Protocol anycast
    "2001:1::2/128",  # TURN anycast
    "2001:1::3/128",  # DNS-SD service registration protocol anycast
    "2001:3::/32",  # AMT
    "2001:4:112::/48",  # AS112-v6
    "2001:20::/28",  # ORCHIDv2
    "2001:30::/28",  # drone remote ID entity tags
)


def is_globally_reachable(address: IPAddress) -> bool:
    """Whether the registries mark the address globally reachable."""
    if isinstance(address, ipaddress.IPv4Address):
        if address in IPV4_MULTICAST:
            return False
        return _reachable(address, IPV4_NOT_REACHABLE, IPV4_REACHABLE)
    if address not in IPV6_GLOBAL_UNICAST:
        return False
    return _reachable(address, IPV6_NOT_REACHABLE, IPV6_REACHABLE)


def _reachable(
    address: IPAddress, not_reachable: tuple[Network, ...], reachable: tuple[Network, ...]
) -> bool:
    if any(address in network for network in reachable):
        return True
    return not any(address in network for network in not_reachable)
