"""`ipvsadm -Ln` parser on hand-made samples in ipvsadm's documented layout
(tests/fixtures/handmade: no real LVS capture exists yet)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hatui.observations import LvsObservation, ProbeError
from hatui.parsers.lvs import parse_ipvsadm

FIXTURES = Path(__file__).parent / "fixtures"


def ok(text: str) -> LvsObservation:
    obs = parse_ipvsadm(text)
    assert isinstance(obs, LvsObservation), obs
    return obs


def test_services_and_real_servers() -> None:
    obs = ok((FIXTURES / "handmade/ipvsadm-healthy.txt").read_text())
    tcp, v6, fwm = obs.services
    assert (tcp.protocol, tcp.address, tcp.port, tcp.scheduler, tcp.flags) == (
        "TCP",
        "10.232.0.10",
        16443,
        "rr",
        ("persistent", "50"),
    )
    assert [(r.address, r.port, r.weight) for r in tcp.real_servers] == [
        ("10.232.0.11", 6443, 1),
        ("10.232.0.12", 6443, 1),
        ("10.232.0.13", 6443, 1),
    ]
    first = tcp.real_servers[0]
    assert (first.forward, first.active_conns, first.inactive_conns) == ("Route", 3, 10)
    assert (v6.address, v6.port, v6.real_servers[0].address) == ("fd00::10", 16443, "fd00::11")
    assert (fwm.protocol, fwm.address, fwm.port) == ("FWM", "7", None)


def test_removed_and_quiesced_real_servers() -> None:
    (svc,) = ok((FIXTURES / "handmade/ipvsadm-m1-removed.txt").read_text()).services
    assert [r.address for r in svc.real_servers] == ["10.232.0.12", "10.232.0.13"]
    assert svc.real_servers[0].weight == 0


def test_empty_table_is_valid() -> None:
    text = (
        "IP Virtual Server version 1.2.1 (size=4096)\n"
        "Prot LocalAddress:Port Scheduler Flags\n"
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
    )
    assert ok(text).services == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        (
            "Can't initialize ipvs: Protocol not available\n"
            "Are you sure that IP Virtual Server is built in the kernel or as module?\n",
            "banner",
        ),
        ("IP Virtual Server version 1.2.1\n  -> 10.0.0.1:6443 Route 1 0 0\n", "before any"),
        ("IP Virtual Server version 1.2.1\nTCP  10.0.0.10 rr\n", "not address:port"),
        (
            "IP Virtual Server version 1.2.1\nTCP  10.0.0.10:1 rr\n  -> 10.0.0.1:6443 Route 1",
            "expected",
        ),
        (
            "IP Virtual Server version 1.2.1\nTCP  10.0.0.10:1 rr\n  -> 10.0.0.1:6443 Route x 0 0",
            "expected",
        ),
        ("IP Virtual Server version 1.2.1\nhello world\n", "not a virtual service"),
    ],
)
def test_bad_input_gives_error_value(text: str, expected: str) -> None:
    result = parse_ipvsadm(text)
    assert isinstance(result, ProbeError) and expected in result.message
