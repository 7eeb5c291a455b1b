"""`measure_failover` on constructed event sequences: a seed-000 move, an overlapping
handover, no failover, a VIP that never comes back, split brain, an API that never failed,
and the uncertain cases (a stream down, a snapshot after a reconnect)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from hatui.failover import FailoverOutcome, Span, measure_failover
from hatui.observations import KeepalivedEvent, KeepalivedEventKind, VrrpState
from hatui.stream.events import (
    AddressChange,
    AddressEvent,
    ApiProbeEvent,
    Channel,
    Stamp,
    StreamState,
    StreamStatus,
    VrrpLogEvent,
    WatchEvent,
)

K = KeepalivedEventKind
VIP = "10.235.0.10"
T0 = 1000.0


def vip(node: str, change: AddressChange, at: float) -> AddressEvent:
    return AddressEvent(node, Stamp(at + 0.01, at, 0.0, 1e-6), change, VIP, "eth0", 24, vip=True)


def added(node: str, at: float) -> AddressEvent:
    return vip(node, AddressChange.ADDED, at)


def deleted(node: str, at: float) -> AddressEvent:
    return vip(node, AddressChange.DELETED, at)


def snapshot(m1: bool = True, m2: bool = False, m3: bool = False, at: float = 990.0) -> list:
    held = {"m1": m1, "m2": m2, "m3": m3}
    return [
        vip(n, AddressChange.HELD if h else AddressChange.NOT_HELD, at) for n, h in held.items()
    ]


def probe(at: float, ok: bool = True) -> ApiProbeEvent:
    return ApiProbeEvent(Stamp(at + 0.005), at, ok, 200 if ok else None)


def probes(start: float, end: float, ok: bool = True) -> list[ApiProbeEvent]:
    """A 10 Hz run of probes sent in [start, end)."""
    return [probe(start + i / 10, ok) for i in range(round((end - start) * 10))]


def log(node: str, at: float, kind: KeepalivedEventKind, **values: Any) -> VrrpLogEvent:
    second = float(int(at))
    event = KeepalivedEvent(kind=kind, timestamp=second, time_text="", **values)
    return VrrpLogEvent(node, Stamp(at, second, 0.0, 1.0), event)


def seed000_move() -> list[WatchEvent]:
    """m1's apiserver rejected at T0: requests to it fail at once, keepalived's script fails
    after ~1 s, its priority drops, and 5.7 s later the VIP moves to m2 (20 ms apart)."""
    return [
        *snapshot(),
        *probes(T0 - 1, T0),
        *probes(T0, T0 + 0.1),
        probe(T0 + 0.1, ok=False),
        probe(T0 + 0.2, ok=False),
        *probes(T0 + 0.3, T0 + 5.7),
        log("m1", T0 + 1.2, K.SCRIPT_RETURNED, script="chk", exit_status=7),
        log("m1", T0 + 2.9, K.SCRIPT_FAILED, script="chk", exit_status=7),
        log("m1", T0 + 2.9, K.PRIORITY_CHANGED, priority_from=121, priority_to=110),
        deleted("m1", T0 + 5.70),
        probe(T0 + 5.7, ok=False),
        probe(T0 + 5.8, ok=False),
        added("m2", T0 + 5.72),
        added("m2", T0 + 5.75),  # flags changed: an add for a holder is no change
        log("m2", T0 + 5.72, K.ENTER_STATE, state=VrrpState.MASTER),
        *probes(T0 + 5.9, T0 + 8),
    ]


def test_seed000_move() -> None:
    f = measure_failover(seed000_move(), T0)
    assert f.outcome is FailoverOutcome.MOVED
    assert (f.old_holders, f.new_holders) == (("m1",), ("m2",))
    assert f.vip_dropped is not None and f.vip_dropped.node == "m1"
    assert f.vip_dropped.after_t0 == pytest.approx(5.70)
    assert f.vip_added is not None and f.vip_added.node == "m2"
    assert f.vip_move_s == pytest.approx(5.72)
    assert f.vip_gap == Span(pytest.approx(0.02), f.vip_dropped.event, f.vip_added.event)
    # the first failure and the success right after it; the second run is kept too
    assert f.outage_s == pytest.approx(0.2)
    assert [s.seconds for s in f.api_outages] == [pytest.approx(0.2), pytest.approx(0.2)]
    assert f.longest_outage_s == pytest.approx(0.2)
    assert f.api_disruption is not None and f.api_disruption.seconds == pytest.approx(5.8)
    assert f.detection is not None and isinstance(f.detection.event, ApiProbeEvent)
    assert f.detection_s == pytest.approx(0.1)
    assert f.keepalived_reaction is not None
    assert f.keepalived_reaction.event.event.kind is K.SCRIPT_RETURNED
    assert f.keepalived_reaction.after_t0 == pytest.approx(1.2)
    assert f.split_brain is None
    assert (f.probes, f.probe_failures) == (80, 4)
    assert f.notes == ()
    text = f.summary()
    assert "moved: VIP m1 -> m2" in text and "added after 5.72s" in text and "gap 0.02s" in text


def test_order_of_the_events_does_not_matter() -> None:
    events = seed000_move()
    shuffled = list(events)
    random.Random(6).shuffle(shuffled)
    assert measure_failover(shuffled, T0) == measure_failover(events, T0)


def test_overlapping_handover_has_no_gap_but_a_short_overlap() -> None:
    events = [*snapshot(), added("m2", T0 + 5.0), deleted("m1", T0 + 5.00004)]
    f = measure_failover(events, T0)
    assert f.outcome is FailoverOutcome.MOVED
    assert f.vip_gap == Span(0.0)
    assert f.split_brain is not None and f.split_brain.seconds == pytest.approx(4e-5, abs=1e-9)
    assert f.vip_added is not None and f.vip_added.node == "m2"


def test_no_failover() -> None:
    events = [
        *snapshot(),
        *probes(T0, T0 + 10),
        log("m1", T0 + 3, K.PRIORITY_CHANGED, priority_from=121, priority_to=110),
    ]
    f = measure_failover(events, T0)
    assert f.outcome is FailoverOutcome.NO_FAILOVER
    assert (f.old_holders, f.new_holders) == (("m1",), ("m1",))
    assert f.vip_dropped is None and f.vip_added is None and f.vip_gap is None
    assert f.api_outage == Span(0.0) and f.api_outages == ()
    assert f.detection is not None and f.detection_s == pytest.approx(3.0)
    assert f.detection == f.keepalived_reaction


def test_the_vip_never_came_back() -> None:
    events = [
        *snapshot(),
        *probes(T0, T0 + 5),
        deleted("m1", T0 + 5),
        *probes(T0 + 5, T0 + 20, ok=False),
    ]
    f = measure_failover(events, T0, until=T0 + 30)
    assert f.outcome is FailoverOutcome.VIP_LOST
    assert f.new_holders == ()
    assert f.vip_added is None
    assert f.vip_gap is not None and f.vip_gap.open and f.vip_gap.end is None
    assert f.vip_gap.seconds == pytest.approx(25.0)  # unheld until `until`, at least
    assert f.api_outage is not None and f.api_outage.open and f.api_outage.end is None
    assert f.outage_s == pytest.approx(14.9)  # to the last probe: what was seen
    assert "gap >=25.00s" in f.summary() and "API outage >=14.90s" in f.summary()


def test_split_brain_two_holders() -> None:
    events = [*snapshot(), *probes(T0, T0 + 10), added("m2", T0 + 4)]
    f = measure_failover(events, T0, until=T0 + 10)
    assert f.outcome is FailoverOutcome.SPLIT_BRAIN
    assert f.new_holders == ("m1", "m2")
    assert f.vip_dropped is None
    assert f.vip_added is not None and f.vip_added.node == "m2"
    assert f.vip_gap == Span(0.0)
    assert f.split_brain is not None and f.split_brain.open
    assert f.split_brain.seconds == pytest.approx(6.0)
    assert f.detection is not None and f.detection.event is events[-1]


def test_transient_second_holder_then_the_real_new_holder() -> None:
    """Seen on the lab: m3 and m2 both time out and take the VIP; m3 yields 0.18 s later."""
    events = [
        *snapshot(),
        added("m3", T0 + 5.65),
        deleted("m1", T0 + 5.66),
        added("m2", T0 + 5.67),
        deleted("m3", T0 + 5.83),
    ]
    f = measure_failover(events, T0)
    assert f.outcome is FailoverOutcome.MOVED and f.new_holders == ("m2",)
    assert f.vip_added is not None and f.vip_added.node == "m2"
    assert f.vip_move_s == pytest.approx(5.67)
    assert f.vip_gap == Span(0.0)
    assert f.split_brain is not None and f.split_brain.seconds == pytest.approx(0.16)


def test_api_never_failed() -> None:
    f = measure_failover([*snapshot(), *probes(T0, T0 + 3)], T0)
    assert f.api_outage == Span(0.0, None, None, open=False)
    assert f.api_disruption == Span(0.0)
    assert f.outage_s == 0.0 and f.longest_outage_s == 0.0
    assert f.detection is None
    assert "nothing detected" in f.summary()


def test_no_probes_no_outage_figure() -> None:
    f = measure_failover(snapshot(), T0)
    assert f.api_outage is None and f.api_disruption is None and f.longest_outage_s is None
    assert "API outage n/a" in f.summary()


def test_vip_returns_to_the_old_holder() -> None:
    f = measure_failover([*snapshot(), deleted("m1", T0 + 1), added("m1", T0 + 6)], T0)
    assert f.outcome is FailoverOutcome.RETURNED
    assert f.vip_added is not None and f.vip_added.node == "m1"
    assert f.gap_s == pytest.approx(5.0)


def test_nobody_held_it_at_t0() -> None:
    f = measure_failover([*snapshot(m1=False), added("m2", T0 + 2)], T0)
    assert f.old_holders == () and f.outcome is FailoverOutcome.MOVED
    assert f.vip_gap == Span(pytest.approx(2.0), None, f.vip_added.event if f.vip_added else None)


def test_events_after_until_are_ignored() -> None:
    f = measure_failover([*snapshot(), deleted("m1", T0 + 1), added("m2", T0 + 6)], T0, T0 + 3)
    assert f.outcome is FailoverOutcome.VIP_LOST
    assert f.vip_gap is not None and f.vip_gap.open and f.gap_s == pytest.approx(2.0)


def test_events_before_t0_decide_the_old_holder_only() -> None:
    events = [*snapshot(), deleted("m1", T0 - 5), added("m3", T0 - 4), added("m2", T0 + 1)]
    f = measure_failover(events, T0)
    assert f.old_holders == ("m3",)
    assert f.outcome is FailoverOutcome.SPLIT_BRAIN and f.vip_dropped is None


def test_a_stream_down_in_the_window_is_noted() -> None:
    down = StreamStatus("m3", Channel.ADDRESS, StreamState.DOWN, Stamp(T0 + 2), "refused")
    log_down = StreamStatus("m2", Channel.KEEPALIVED_LOG, StreamState.DOWN, Stamp(T0 + 2))
    f = measure_failover([*snapshot(), down, log_down, deleted("m1", T0 + 5)], T0)
    assert len(f.notes) == 1 and f.notes[0].startswith("m3: its address stream was down")


def test_a_stream_down_before_t0_and_never_back_is_noted() -> None:
    down = StreamStatus("m2", Channel.ADDRESS, StreamState.DOWN, Stamp(T0 - 2), "refused")
    f = measure_failover([*snapshot(), down], T0)
    assert [n.split(":")[0] for n in f.notes] == ["m2"]
    up = StreamStatus("m2", Channel.ADDRESS, StreamState.STREAMING, Stamp(T0 - 1))
    assert measure_failover([*snapshot(), down, up], T0).notes == ()


def test_a_snapshot_after_a_reconnect_counts_as_an_addition_with_a_note() -> None:
    events = [
        *snapshot(),
        deleted("m1", T0 + 5),
        vip("m2", AddressChange.HELD, T0 + 9),
        vip("m3", AddressChange.NOT_HELD, T0 + 9),
    ]
    f = measure_failover(events, T0)
    assert f.outcome is FailoverOutcome.MOVED
    assert f.vip_added is not None and f.vip_added.event.change is AddressChange.HELD
    assert f.gap_s == pytest.approx(4.0)
    assert len(f.notes) == 1 and "m2 was found holding the VIP" in f.notes[0]


def test_the_api_failing_before_t0_is_noted() -> None:
    f = measure_failover([*snapshot(), probe(T0 - 0.1, ok=False), *probes(T0, T0 + 1)], T0)
    assert f.notes == ("the API was already failing before t0",)


def test_several_outages() -> None:
    events = [
        *snapshot(),
        *probes(T0 + 0.1, T0 + 0.4, ok=False),
        *probes(T0 + 0.4, T0 + 5),
        *probes(T0 + 5, T0 + 10.1, ok=False),
        *probes(T0 + 10.1, T0 + 12),
    ]
    f = measure_failover(events, T0)
    assert f.outage_s == pytest.approx(0.3)
    assert len(f.api_outages) == 2
    assert f.longest_outage_s == pytest.approx(5.1)
    assert f.api_disruption is not None and f.api_disruption.seconds == pytest.approx(10.0)
    assert "2 outages, longest 5.10s, disrupted 10.00s" in f.summary()


def test_non_vip_addresses_are_not_the_vip() -> None:
    other = AddressEvent("m2", Stamp(T0 + 1), AddressChange.ADDED, "127.0.0.7", "lo", 8)
    f = measure_failover([*snapshot(), other], T0)
    assert f.outcome is FailoverOutcome.NO_FAILOVER and f.detection is None
