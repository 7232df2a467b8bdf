"""Which network addresses a feed may be fetched from.

A feed URL comes from a user, so the bot must not become a way to reach the host's own network (SSRF).
Addresses are checked where the connection is made (a resolver wrapping the real one, so a DNS answer
that changes between a check and the connect cannot slip through) and on every redirect hop.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressCategory(StrEnum):
    """Why an address is not a public Internet address."""

    LOOPBACK = "loopback"
    PRIVATE = "private"
    LINK_LOCAL = "link-local"
    MULTICAST = "multicast"
    RESERVED = "reserved"
    UNSPECIFIED = "unspecified"
    CGNAT = "carrier-grade NAT"
    DOCUMENTATION = "documentation"
    BENCHMARKING = "benchmarking"
    BROADCAST = "broadcast"
    UNIQUE_LOCAL = "unique-local"
    SITE_LOCAL = "site-local"
    TRANSITION = "transition"


_V4_TABLE: list[tuple[ipaddress.IPv4Network, AddressCategory]] = [
    (ipaddress.IPv4Network(net), cat)
    for net, cat in [
        ("0.0.0.0/8", AddressCategory.UNSPECIFIED),
        ("10.0.0.0/8", AddressCategory.PRIVATE),
        ("100.64.0.0/10", AddressCategory.CGNAT),
        ("127.0.0.0/8", AddressCategory.LOOPBACK),
        ("169.254.0.0/16", AddressCategory.LINK_LOCAL),
        ("172.16.0.0/12", AddressCategory.PRIVATE),
        ("192.0.0.0/24", AddressCategory.RESERVED),
        ("192.0.2.0/24", AddressCategory.DOCUMENTATION),
        ("192.88.99.0/24", AddressCategory.TRANSITION),
        ("192.168.0.0/16", AddressCategory.PRIVATE),
        ("198.18.0.0/15", AddressCategory.BENCHMARKING),
        ("198.51.100.0/24", AddressCategory.DOCUMENTATION),
        ("203.0.113.0/24", AddressCategory.DOCUMENTATION),
        ("224.0.0.0/4", AddressCategory.MULTICAST),
        ("255.255.255.255/32", AddressCategory.BROADCAST),
        ("240.0.0.0/4", AddressCategory.RESERVED),
    ]
]

_V6_TABLE: list[tuple[ipaddress.IPv6Network, AddressCategory]] = [
    (ipaddress.IPv6Network(net), cat)
    for net, cat in [
        ("::/128", AddressCategory.UNSPECIFIED),
        ("::1/128", AddressCategory.LOOPBACK),
        ("100::/64", AddressCategory.RESERVED),  # discard-only
        ("2001::/32", AddressCategory.TRANSITION),  # Teredo: the embedded IPv4 is obfuscated
        ("2001::/23", AddressCategory.RESERVED),  # IETF protocol assignments
        ("2001:db8::/32", AddressCategory.DOCUMENTATION),
        ("3fff::/20", AddressCategory.DOCUMENTATION),
        ("5f00::/16", AddressCategory.RESERVED),  # SRv6 SIDs
        ("64:ff9b:1::/48", AddressCategory.PRIVATE),  # local-use NAT64
        ("fc00::/7", AddressCategory.UNIQUE_LOCAL),
        ("fe80::/10", AddressCategory.LINK_LOCAL),
        ("fec0::/10", AddressCategory.SITE_LOCAL),
        ("ff00::/8", AddressCategory.MULTICAST),
    ]
]

_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SIXTOFOUR = ipaddress.IPv6Network("2002::/16")
_COMPAT = ipaddress.IPv6Network("::/96")


def parse_ip(host: str) -> IPAddress | None:
    """Return ``host`` as an IP address (brackets and zone id allowed), or None if it is a name."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 transition address leads to, if any."""
    if ip in _MAPPED or ip in _NAT64 or ip in _COMPAT:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _SIXTOFOUR:
        return ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF)
    return None


def classify_address(address: str | IPAddress) -> AddressCategory | None:
    """Return why ``address`` is not public, or None when it is a public Internet address."""
    ip = parse_ip(address) if isinstance(address, str) else address
    if ip is None:
        raise ValueError(f"not an IP address: {address!r}")
    if isinstance(ip, ipaddress.IPv6Address):
        if ip == ipaddress.IPv6Address("::") or ip == ipaddress.IPv6Address("::1"):
            return AddressCategory.UNSPECIFIED if int(ip) == 0 else AddressCategory.LOOPBACK
        inner = _embedded_v4(ip)
        if inner is not None:
            return classify_address(inner)
        # The most specific network wins (Teredo before the wider IETF block).
        matches = [(net.prefixlen, cat) for net, cat in _V6_TABLE if ip in net]
        if matches:
            return max(matches, key=lambda m: m[0])[1]
        if not ip.is_global:
            return AddressCategory.RESERVED
        return None
    for net, cat in _V4_TABLE:
        if ip in net:
            return cat
    if not ip.is_global:
        return AddressCategory.RESERVED
    return None


class RefusedAddressError(OSError):
    """A host resolved only to addresses the policy refuses."""

    def __init__(self, host: str, address: str, category: AddressCategory) -> None:
        super().__init__(f"{host} resolves to {address}, a {category} address")
        self.host = host
        self.address = address
        self.category = category


@dataclass(frozen=True)
class AddressPolicy:
    """What the fetcher may connect to.

    ``exempt_endpoints`` lists exact ``(ip, port)`` pairs allowed even when private addresses are refused
    (for a local feed proxy, or a test that allows only its first hop).
    """

    allow_private_addresses: bool = False
    exempt_endpoints: frozenset[tuple[str, int]] = field(default_factory=frozenset)

    def refusal(self, address: str | IPAddress, port: int) -> AddressCategory | None:
        """Return why connecting to ``address:port`` is refused, or None when it is allowed."""
        if self.allow_private_addresses:
            return None
        ip = parse_ip(address) if isinstance(address, str) else address
        if ip is None:
            raise ValueError(f"not an IP address: {address!r}")
        if (str(ip), port) in self.exempt_endpoints:
            return None
        return classify_address(ip)

    def check(self, host: str, addresses: Iterable[str], port: int) -> list[str]:
        """Keep the allowed addresses; raise RefusedAddressError when none is left."""
        allowed: list[str] = []
        refused: tuple[str, AddressCategory] | None = None
        for address in addresses:
            reason = self.refusal(address, port)
            if reason is None:
                allowed.append(address)
            elif refused is None:
                refused = (address, reason)
        if not allowed and refused is not None:
            raise RefusedAddressError(host, *refused)
        return allowed


class GuardedResolver(AbstractResolver):
    """A resolver that drops the addresses the policy refuses, so they are never connected to."""

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = set(self._policy.check(host, [r["host"] for r in results], port))
        return [r for r in results if r["host"] in allowed]

    async def close(self) -> None:
        await self._inner.close()
