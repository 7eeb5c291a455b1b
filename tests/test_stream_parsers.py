"""The streams' pure parts on real lines captured from the lab (tests/fixtures/captured):
`ip -ts -o monitor address` during seed 000's failover and back, keepalived's log followed,
the clock-offset sample, and how a `Stamp` picks an event's time."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hatui.observations import KeepalivedEventKind, ProbeError, VrrpState
from hatui.stream.address import (
    SNAPSHOT_MARK,
    MonitorLine,
    SnapshotEnd,
    address_command,
    parse_monitor_line,
    same_address,
)
from hatui.stream.clock import best_offset, sample_offset
from hatui.stream.events import Stamp
from hatui.stream.keepalived_follow import follow_command, parse_follow_line, resolution

FIXTURES = Path(__file__).parent / "fixtures" / "captured"
VIP = "10.235.0.10"


def lines(name: str) -> list[str]:
    return (FIXTURES / name).read_text().splitlines()


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def monitor(line: str) -> MonitorLine:
    parsed = parse_monitor_line(line)
    assert isinstance(parsed, MonitorLine), parsed
    return parsed


# -- ip -ts -o monitor address ---------------------------------------------------------------


def test_old_holder_deletes_then_takes_the_vip_back() -> None:
    dropped, back = (monitor(ln) for ln in lines("ip-ts-monitor-address-failover-m1.txt"))
    assert dropped.deleted and not back.deleted
    for m in (dropped, back):
        assert (m.address.address, m.address.interface, m.address.prefixlen) == (VIP, "eth0", 24)
        assert m.address.secondary
    assert dropped.node_time == pytest.approx(epoch("2026-11-23T12:36:32.737195"), abs=1e-6)
    assert back.node_time == pytest.approx(epoch("2026-11-23T12:36:37.404346"), abs=1e-6)


def test_new_holder_adds_the_vip_20ms_after_the_drop_then_yields_it() -> None:
    added, deleted = (monitor(ln) for ln in lines("ip-ts-monitor-address-failover-m2.txt"))
    m1_dropped = monitor(lines("ip-ts-monitor-address-failover-m1.txt")[0])
    assert not added.deleted and deleted.deleted
    assert added.node_time is not None and m1_dropped.node_time is not None
    assert added.node_time - m1_dropped.node_time == pytest.approx(0.019383, abs=1e-6)


def test_ipv6_and_loopback_lines_tentative_then_final() -> None:
    parsed = [monitor(ln) for ln in lines("ip-ts-monitor-address-lo-m3.txt")]
    assert [(p.deleted, p.address.family, p.address.address) for p in parsed] == [
        (False, "inet6", "fd00:235::7"),
        (False, "inet6", "fd00:235::7"),  # tentative, then DAD done: the same address again
        (False, "inet", "127.0.0.7"),
        (True, "inet6", "fd00:235::7"),
        (True, "inet", "127.0.0.7"),
    ]
    assert all(p.address.interface == "lo" for p in parsed)


def test_snapshot_lines_have_no_time_and_the_marker_carries_the_node_clock() -> None:
    snapshot = (FIXTURES / "ip-o-addr-healthy-m1.txt").read_text().splitlines()
    parsed = [monitor(ln) for ln in snapshot]
    assert all(p.node_time is None and not p.deleted for p in parsed)
    assert any(p.address.address == "10.232.0.10" for p in parsed)
    end = parse_monitor_line(f"{SNAPSHOT_MARK} 1795437386.822916000")
    assert end == SnapshotEnd(pytest.approx(1795437386.822916))
    assert parse_monitor_line(f"{SNAPSHOT_MARK} 1795437386.N") == SnapshotEnd(None)


@pytest.mark.parametrize(
    "line",
    [
        "",
        "[2026-11-23T12:36:32.737195]",
        "[2026-11-23T12:36:32.737195] Deleted",
        "[2026-13-45T12:36:32.737195] 2: eth0    inet 10.235.0.10/24 scope global eth0",
        "[2026-11-23T12:36:32.737195] 2: eth0    inet 10.235.0.",
        "tail: cannot open '/var/log/x' for reading",
        "Deleted 2: eth0    inet 999.1.1.1/24 scope global eth0",
    ],
)
def test_unreadable_lines_are_errors_not_exceptions(line: str) -> None:
    assert isinstance(parse_monitor_line(line), ProbeError)


def test_the_address_command_starts_the_monitor_before_the_snapshot() -> None:
    cmd = address_command()
    assert cmd.index("monitor address &") < cmd.index("ip -o addr show") < cmd.index(SNAPSHOT_MARK)
    assert "TZ=UTC0" in cmd and cmd.rstrip().endswith("wait $!")


def test_same_address() -> None:
    assert same_address("10.235.0.10", "10.235.0.10/24")
    assert same_address("fd00::0:7", "fd00::7/128")
    assert not same_address("10.235.0.10", "10.235.0.1")
    assert not same_address("not an ip", "10.235.0.10")


# -- keepalived's log, followed ---------------------------------------------------------------


def test_follow_lines_give_the_failover_events_of_the_old_holder() -> None:
    received = epoch("2026-11-23T12:36:40")
    events = [
        parse_follow_line(ln, "+0000", received) for ln in lines("keepalived-log-failover-m1.log")
    ]
    known = [e for e in events if e is not None]
    kinds = [e.kind for e in known]
    assert KeepalivedEventKind.SCRIPT_RETURNED in kinds
    changes = [(e.priority_from, e.priority_to) for e in known if e.priority_to is not None]
    assert changes == [(121, 110), (110, 121)]
    states = [e.state for e in known if e.kind is KeepalivedEventKind.ENTER_STATE]
    assert states == [VrrpState.BACKUP, VrrpState.MASTER]
    first = known[0]
    assert first.line == "Script `CheckK8sMaster` now returning 7"
    assert first.timestamp == epoch("2026-11-23T12:36:27")
    # gratuitous ARP chatter is not an event
    assert sum(e is None for e in events) >= 10


def test_follow_line_in_the_nodes_zone() -> None:
    line = "Mon Nov 23 12:36:32 2026: (VI_1) Entering MASTER STATE"
    utc = parse_follow_line(line, "+0000", 0.0)
    paris = parse_follow_line(line, "+0100", 0.0)
    assert utc is not None and paris is not None and utc.timestamp and paris.timestamp
    assert utc.timestamp - paris.timestamp == 3600
    assert parse_follow_line("--- hatui-lab-svc start keepalived at 2026-11-23", "+0000", 0) is None


def test_follow_command_and_resolution_by_log_kind(tmp_path: Path) -> None:
    from hatui.inventory import load_inventory

    sample = (Path(__file__).parent.parent / "sample-inventory.yaml").read_text()
    assert "  log: journal\n" in sample
    journal = tmp_path / "journal.yaml"
    journal.write_text(sample)
    inv = load_inventory(journal)
    assert follow_command(inv) == "journalctl -u keepalived -f -n 0 -o short-unix --no-pager -q"
    assert resolution(inv) < 0.001
    file = tmp_path / "file.yaml"
    file.write_text(sample.replace("  log: journal\n", "  log: /var/log/keepalived.log\n"))
    inv = load_inventory(file)
    assert follow_command(inv) == "tail -n 0 -F /var/log/keepalived.log"
    assert resolution(inv) == 1.0


# -- clock offset ------------------------------------------------------------------------------


def test_a_sample_is_the_midpoint_and_the_best_is_the_shortest_round_trip() -> None:
    a = sample_offset(100.000, "100.0150 +0000\n", 100.010)
    b = sample_offset(200.000, "200.0030 +0100\n", 200.004)
    assert not isinstance(a, ProbeError) and not isinstance(b, ProbeError)
    assert a.offset == pytest.approx(0.010) and a.rtt == pytest.approx(0.010)
    best = best_offset("m1", [a, b])
    assert best is not None
    assert best.offset == pytest.approx(0.001)
    assert best.uncertainty == pytest.approx(0.002)
    assert (best.utc_offset, best.samples, best.measured_at) == ("+0100", 2, 200.004)
    assert best_offset("m1", []) is None


@pytest.mark.parametrize("out", ["", "1795437386.N +0000", "garbage", "12.5", "x.5 +0000"])
def test_bad_date_output_is_an_error(out: str) -> None:
    assert isinstance(sample_offset(1.0, out, 1.1), ProbeError)


def test_a_clock_going_backwards_is_an_error() -> None:
    assert isinstance(sample_offset(2.0, "2.0 +0000", 1.0), ProbeError)


# -- Stamp: which time an event gets ----------------------------------------------------------


def test_fine_node_time_is_corrected_by_the_offset() -> None:
    stamp = Stamp(received=10.050, node_clock=12.000, offset=2.0, resolution=1e-6)
    assert stamp.node == pytest.approx(10.0)
    assert stamp.at == pytest.approx(10.0)


def test_coarse_node_time_takes_the_smaller_upper_bound() -> None:
    live = Stamp(received=10.30, node_clock=10.0, offset=0.0, resolution=1.0)
    assert live.at == pytest.approx(10.30)  # received soon after: the receive time
    late = Stamp(received=15.0, node_clock=10.0, offset=0.0, resolution=1.0)
    assert late.at == pytest.approx(11.0)  # arrived late: the end of its logged second


def test_without_offset_or_node_time_the_receive_time() -> None:
    assert Stamp(received=5.0, node_clock=9.0).at == 5.0
    assert Stamp(received=5.0).node is None
