"""The address classifier and the guarded resolver, as pure code (no traffic)."""

from __future__ import annotations

import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.services.feeds.netguard import (
    AddressCategory,
    AddressPolicy,
    GuardedResolver,
    RefusedAddressError,
    classify_address,
    parse_ip,
)

C = AddressCategory


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1", C.LOOPBACK),
        ("127.255.255.254", C.LOOPBACK),
        ("::1", C.LOOPBACK),
        ("10.0.0.1", C.PRIVATE),
        ("10.255.255.255", C.PRIVATE),
        ("172.16.0.1", C.PRIVATE),
        ("172.31.255.255", C.PRIVATE),
        ("192.168.1.1", C.PRIVATE),
        ("169.254.169.254", C.LINK_LOCAL),  # cloud metadata
        ("fe80::1", C.LINK_LOCAL),
        ("fe80::1%eth0", C.LINK_LOCAL),
        ("100.64.0.1", C.CGNAT),
        ("100.127.255.255", C.CGNAT),
        ("0.0.0.0", C.UNSPECIFIED),
        ("0.1.2.3", C.UNSPECIFIED),
        ("::", C.UNSPECIFIED),
        ("224.0.0.1", C.MULTICAST),
        ("239.255.255.250", C.MULTICAST),
        ("ff02::1", C.MULTICAST),
        ("240.0.0.1", C.RESERVED),
        ("255.255.255.255", C.BROADCAST),
        ("192.0.0.8", C.RESERVED),
        ("192.0.2.10", C.DOCUMENTATION),
        ("198.51.100.7", C.DOCUMENTATION),
        ("203.0.113.200", C.DOCUMENTATION),
        ("2001:db8::1", C.DOCUMENTATION),
        ("198.18.0.1", C.BENCHMARKING),
        ("198.19.255.255", C.BENCHMARKING),
        ("fc00::1", C.UNIQUE_LOCAL),
        ("fd12:3456:789a::1", C.UNIQUE_LOCAL),
        ("fec0::1", C.SITE_LOCAL),
        ("2001::1", C.TRANSITION),  # Teredo
        ("192.88.99.1", C.TRANSITION),
        ("100::1", C.RESERVED),
        # IPv4 inside IPv6: judged by the IPv4 address they lead to
        ("::ffff:127.0.0.1", C.LOOPBACK),
        ("::ffff:10.1.2.3", C.PRIVATE),
        ("::ffff:169.254.169.254", C.LINK_LOCAL),
        ("::ffff:7f00:1", C.LOOPBACK),
        ("64:ff9b::192.168.0.1", C.PRIVATE),
        ("64:ff9b::7f00:1", C.LOOPBACK),
        ("2002:7f00:1::", C.LOOPBACK),  # 6to4 of 127.0.0.1
        ("2002:c0a8:101::1", C.PRIVATE),  # 6to4 of 192.168.1.1
        ("::127.0.0.1", C.LOOPBACK),  # deprecated IPv4-compatible
        ("64:ff9b:1::1", C.PRIVATE),
        # public
        ("93.184.216.34", None),
        ("8.8.8.8", None),
        ("1.1.1.1", None),
        ("172.32.0.1", None),
        ("100.128.0.1", None),
        ("2606:4700:4700::1111", None),
        ("2a00:1450:4007:80b::200e", None),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::808:808", None),
        ("2002:808:808::1", None),
    ],
)
def test_classify_address(address, expected):
    assert classify_address(address) == expected


def test_parse_ip_and_names():
    assert str(parse_ip("[::1]")) == "::1"
    assert parse_ip("example.org") is None
    assert parse_ip("127.1") is None  # legacy short forms are names here; the resolver judges them
    with pytest.raises(ValueError):
        classify_address("example.org")


def test_policy_allow_and_exempt():
    assert AddressPolicy(allow_private_addresses=True).refusal("10.0.0.1", 80) is None
    exempt = AddressPolicy(exempt_endpoints=frozenset({("127.0.0.1", 8080)}))
    assert exempt.refusal("127.0.0.1", 8080) is None
    assert exempt.refusal("127.0.0.1", 8081) is C.LOOPBACK
    assert exempt.refusal("93.184.216.34", 443) is None


class FakeResolver(AbstractResolver):
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host=a,
                port=port,
                family=socket.AF_INET6 if ":" in a else socket.AF_INET,
                proto=0,
                flags=0,
            )
            for a in self.answers[host]
        ]

    async def close(self) -> None:
        return None


async def test_guarded_resolver_filters_and_refuses():
    fake = FakeResolver(
        {
            "rebind.example": ["10.0.0.5"],
            "mixed.example": ["192.168.0.9", "93.184.216.34", "::1"],
            "public.example": ["93.184.216.34", "2606:4700:4700::1111"],
        }
    )
    guarded = GuardedResolver(AddressPolicy(), fake)
    with pytest.raises(RefusedAddressError) as caught:
        await guarded.resolve("rebind.example", 80)
    assert caught.value.category is C.PRIVATE and isinstance(caught.value, OSError)
    assert [r["host"] for r in await guarded.resolve("mixed.example", 80)] == ["93.184.216.34"]
    assert len(await guarded.resolve("public.example", 443)) == 2
    open_policy = GuardedResolver(AddressPolicy(allow_private_addresses=True), fake)
    assert len(await open_policy.resolve("mixed.example", 80)) == 3
