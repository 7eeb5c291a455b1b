"""`hatui.timeline.diff` on states derived from the real captures."""

from __future__ import annotations

import states

from hatui.timeline import EventKind, Severity, diff


def test_first_state_is_one_event() -> None:
    (event,) = diff(None, states.healthy())
    assert event.kind is EventKind.FIRST and "HEALTHY, VIP on m1" in event.text


def test_no_change_no_event() -> None:
    assert diff(states.healthy(), states.healthy(states.NOW + 5)) == ()


def test_failover_events() -> None:
    after = states.rejected(states.NOW + 5)
    events = diff(states.healthy(), after)
    texts = [e.text for e in events]
    assert "VIP moved from m1 to m2" in texts
    assert "m1 MASTER -> BACKUP" in texts and "m2 BACKUP -> MASTER" in texts
    assert "m1 priority 121 -> 110" in texts
    assert "m1 track script CheckK8sMaster GOOD -> BAD" in texts
    assert "m2: backend m1 UP -> DOWN" in texts
    verdict = next(e for e in events if e.kind is EventKind.VERDICT)
    assert (
        verdict.text.startswith("verdict HEALTHY -> DEGRADED") and verdict.severity is Severity.BAD
    )
    assert all(e.at == after.derived_at for e in events)


def test_recovery_is_good() -> None:
    events = diff(states.rejected(), states.healthy(states.NOW + 5))
    verdict = next(e for e in events if e.kind is EventKind.VERDICT)
    assert verdict.severity is Severity.GOOD
    assert "VIP moved from m2 to m1" in [e.text for e in events]


def test_split_brain_leader_and_reachability() -> None:
    assert "VIP on m1 and m2 (split brain)" in [
        e.text for e in diff(states.healthy(), states.split_brain())
    ]
    texts = [e.text for e in diff(states.healthy(), states.quorum_lost())]
    assert "etcd leader m1 -> none" in texts and "etcd 3/3 -> 0/3 healthy" in texts
    unreachable = diff(states.healthy(), states.unreachable())
    assert any(
        e.kind is EventKind.REACHABILITY and e.node == "m3" and states.UNREACHABLE_REASON in e.text
        for e in unreachable
    )
