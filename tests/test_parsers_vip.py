"""`ip -o addr` parser and `vip_on` on real captures from the VIP holder and a non-holder."""

from __future__ import annotations

from pathlib import Path

import pytest

from hatui.observations import AddressObservation, ProbeError
from hatui.parsers.vip import parse_ip_addr, vip_on

FIXTURES = Path(__file__).parent / "fixtures"
VIP = "10.232.0.10"


def ok(name: str) -> AddressObservation:
    obs = parse_ip_addr((FIXTURES / name).read_text())
    assert isinstance(obs, AddressObservation), obs
    return obs


def test_holder_has_vip_as_secondary_on_eth0() -> None:
    obs = ok("captured/ip-o-addr-healthy-m1.txt")
    assert vip_on(obs, VIP) == "eth0"
    assert vip_on(obs, VIP + "/24") == "eth0"
    vip = next(a for a in obs.addresses if a.address == VIP)
    assert (vip.family, vip.prefixlen, vip.scope, vip.secondary) == ("inet", 24, "global", True)
    primary = next(a for a in obs.addresses if a.address == "10.232.0.11")
    assert primary.secondary is False and primary.index == 2


def test_non_holder_has_no_vip() -> None:
    assert vip_on(ok("captured/ip-o-addr-healthy-m2.txt"), VIP) is None


def test_vip_moves_with_the_fault() -> None:
    assert vip_on(ok("captured/ip-o-addr-m1-rejected-m1.txt"), VIP) is None
    assert vip_on(ok("captured/ip-o-addr-m1-rejected-m2.txt"), VIP) == "eth0"


def test_ipv6_addresses_and_normalised_spelling() -> None:
    obs = ok("captured/ip-o-addr-healthy-m1.txt")
    v6 = [a for a in obs.addresses if a.family == "inet6"]
    assert {a.address for a in v6} == {"::1", "fe80::7467:60ff:fe7c:e0b7"}
    assert vip_on(obs, "FE80:0:0:0:7467:60ff:fe7c:e0b7") == "eth0"


def test_label_and_veth_suffix() -> None:
    text = (
        "5: eth0@if6    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0:vip\\"
        "       valid_lft forever preferred_lft forever\n"
    )
    obs = parse_ip_addr(text)
    assert isinstance(obs, AddressObservation)
    (a,) = obs.addresses
    assert (a.interface, a.label) == ("eth0", "eth0:vip")


def test_vip_on_rejects_non_address() -> None:
    assert vip_on(ok("captured/ip-o-addr-healthy-m1.txt"), "vip.example.com") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("broken/ip-o-addr-cut.txt", "cut off"),
        ("broken/http-502.html", "not an `ip -o addr`"),
        ("broken/command-not-found.txt", "not an `ip -o addr`"),
    ],
)
def test_broken_gives_error_value(name: str, expected: str) -> None:
    result = parse_ip_addr((FIXTURES / name).read_text())
    assert isinstance(result, ProbeError) and expected in result.message


def test_empty_and_bad_address() -> None:
    assert isinstance(parse_ip_addr(""), ProbeError)
    bad = parse_ip_addr("2: eth0    inet 999.1.1.1/24 scope global eth0\\ preferred_lft forever")
    assert isinstance(bad, ProbeError) and "not an IP address" in bad.message
