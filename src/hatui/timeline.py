"""What changed between two successive cluster states, as timestamped events.

`diff(before, after)` is pure: the event log of the app, `hatui status --watch` and
recordings can all use it. An event is a fact in words ("VIP moved from m1 to m2"), with a
kind and a severity the UI maps to styles; nothing here knows about colours or Textual.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass

from hatui.model import ClusterState, NodeObservation, Verdict
from hatui.observations import (
    HaproxyObservation,
    NginxObservation,
    ScriptStatus,
    VrrpInstance,
)


class EventKind(enum.StrEnum):
    """What an event is about."""

    FIRST = "first"
    VERDICT = "verdict"
    VIP = "vip"
    VRRP_STATE = "vrrp-state"
    PRIORITY = "priority"
    TRACK_SCRIPT = "track-script"
    REACHABILITY = "reachability"
    BACKEND = "backend"
    ETCD_LEADER = "etcd-leader"
    ETCD_QUORUM = "etcd-quorum"
    API_VIA_VIP = "api-via-vip"
    FAULT = "fault"
    """A fault hatui injected or cleared (made by the app, not by `diff`)."""


class Severity(enum.StrEnum):
    """How a person should read an event: things got better, worse, or just changed."""

    INFO = "info"
    GOOD = "good"
    BAD = "bad"


@dataclass(frozen=True)
class Event:
    """One change hatui noticed."""

    at: float
    """Epoch seconds: when the state showing the change was derived."""
    kind: EventKind
    text: str
    severity: Severity = Severity.INFO
    node: str | None = None


_VERDICT_RANK = {
    Verdict.HEALTHY: 0,
    Verdict.UNKNOWN: 1,
    Verdict.DEGRADED: 2,
    Verdict.API_DOWN: 3,
    Verdict.QUORUM_LOST: 4,
    Verdict.SPLIT_BRAIN: 5,
}


def diff(before: ClusterState | None, after: ClusterState) -> tuple[Event, ...]:
    """The changes from `before` to `after` (everything notable when `before` is None)."""
    return tuple(_diff(before, after))


def _diff(before: ClusterState | None, after: ClusterState) -> Iterator[Event]:
    at = after.derived_at
    v = after.verdicts
    if before is None:
        yield Event(at, EventKind.FIRST, f"first state: {v.verdict}, VIP on {_holders(after)}")
        return
    b = before.verdicts
    if b.verdict is not v.verdict:
        worse = _VERDICT_RANK[v.verdict] > _VERDICT_RANK[b.verdict]
        why = f": {v.reasons[0]}" if v.reasons else ""
        yield Event(
            at,
            EventKind.VERDICT,
            f"verdict {b.verdict} -> {v.verdict}{why}",
            Severity.BAD if worse else Severity.GOOD,
        )
    if b.vip_holders != v.vip_holders:
        yield _vip_event(before, after)
    yield from _node_events(before, after)
    yield from _backend_events(before, after)
    be, ae = b.etcd, v.etcd
    if be is not None and ae is not None:
        if be.leader != ae.leader:
            text = f"etcd leader {be.leader or 'none'} -> {ae.leader or 'none'}"
            sev = Severity.BAD if ae.leader is None else Severity.INFO
            yield Event(at, EventKind.ETCD_LEADER, text, sev)
        if (be.healthy, be.members) != (ae.healthy, ae.members):
            sev = Severity.BAD if ae.healthy < be.healthy else Severity.GOOD
            text = f"etcd {be.healthy}/{be.members} -> {ae.healthy}/{ae.members} healthy"
            yield Event(at, EventKind.ETCD_QUORUM, text, sev)
    if b.api_via_vip != v.api_via_vip and v.api_via_vip is not None:
        ok = v.api_via_vip
        text = "API answers through the VIP again" if ok else "API stopped answering via the VIP"
        yield Event(at, EventKind.API_VIA_VIP, text, Severity.GOOD if ok else Severity.BAD)


def _holders(state: ClusterState) -> str:
    holders = state.verdicts.vip_holders
    return " and ".join(holders) if holders else "no node"


def _vip_event(before: ClusterState, after: ClusterState) -> Event:
    b, a = before.verdicts.vip_holders, after.verdicts.vip_holders
    at = after.derived_at
    if len(a) > 1:
        return Event(at, EventKind.VIP, f"VIP on {_holders(after)} (split brain)", Severity.BAD)
    if not a:
        return Event(at, EventKind.VIP, f"VIP left {_holders(before)}", Severity.BAD)
    if len(b) == 1:
        return Event(at, EventKind.VIP, f"VIP moved from {b[0]} to {a[0]}", node=a[0])
    return Event(at, EventKind.VIP, f"VIP on {a[0]}", Severity.GOOD, node=a[0])


def vrrp_instance(state: ClusterState, n: NodeObservation) -> VrrpInstance | None:
    """The VRRP instance carrying the VIP on one reachable node (None: unknown)."""
    if not n.reachable or n.keepalived is None or n.keepalived.value is None:
        return None
    ka = n.keepalived.value
    spec = state.spec
    if spec.vrrp_instance is not None or spec.virtual_router_id is not None:
        return ka.instance(name=spec.vrrp_instance, vrid=spec.virtual_router_id)
    return ka.instances[0] if ka.instances else None


def _node_events(before: ClusterState, after: ClusterState) -> Iterator[Event]:
    at = after.derived_at
    for a in after.nodes:
        b = before.node(a.name)
        if b is None:
            continue
        if b.reachable and not a.reachable:
            text = f"{a.name} unreachable: {a.unreachable_reason or 'unknown'}"
            yield Event(at, EventKind.REACHABILITY, text, Severity.BAD, a.name)
            continue
        if not b.reachable and a.reachable:
            yield Event(
                at, EventKind.REACHABILITY, f"{a.name} reachable again", Severity.GOOD, a.name
            )
        bi, ai = vrrp_instance(before, b), vrrp_instance(after, a)
        if bi is None or ai is None:
            continue
        if bi.state is not ai.state:
            yield Event(at, EventKind.VRRP_STATE, f"{a.name} {bi.state} -> {ai.state}", node=a.name)
        if bi.effective_priority != ai.effective_priority:
            text = f"{a.name} priority {bi.effective_priority} -> {ai.effective_priority}"
            yield Event(at, EventKind.PRIORITY, text, node=a.name)
        old = {s.name or s.command: s.status for s in bi.track_scripts}
        for s in ai.track_scripts:
            was = old.get(s.name or s.command)
            if was is not None and was is not s.status:
                sev = Severity.GOOD if s.status is ScriptStatus.GOOD else Severity.BAD
                text = f"{a.name} track script {s.name or s.command} {was} -> {s.status}"
                yield Event(at, EventKind.TRACK_SCRIPT, text, sev, a.name)


def backend_statuses(n: NodeObservation) -> dict[str, str]:
    """backend name -> status word ("UP", "DOWN", "MAINT", ...) as one LB node sees it."""
    if not n.reachable or n.lb is None or n.lb.value is None:
        return {}
    lb = n.lb.value
    if isinstance(lb, HaproxyObservation):
        return {s.server: str(s.status) for s in lb.servers}
    if isinstance(lb, NginxObservation):
        return {c.backend: "UP" if c.ok else "DOWN" for c in lb.connects}
    out: dict[str, str] = {}
    for svc in lb.services:
        for rs in svc.real_servers:
            out[f"{rs.address}:{rs.port}"] = "UP" if rs.weight > 0 else "MAINT"
    return out


def _backend_events(before: ClusterState, after: ClusterState) -> Iterator[Event]:
    at = after.derived_at
    for a in after.nodes:
        b = before.node(a.name)
        if b is None:
            continue
        old, new = backend_statuses(b), backend_statuses(a)
        for server, status in new.items():
            was = old.get(server)
            if was is not None and was != status:
                sev = Severity.GOOD if status == "UP" else Severity.BAD
                text = f"{a.name}: backend {server} {was} -> {status}"
                yield Event(at, EventKind.BACKEND, text, sev, a.name)
