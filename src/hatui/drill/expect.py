"""One expectation against one `ClusterState`: the mismatches, each naming the field, the
expected and the observed value (pure; the runner sweeps until there are none).

What each key reads from the state:

- vip / vip_holders: `verdicts.vip_holders` (a node whose addresses could not be read makes
  the holders unknown, never "none");
- states / priorities: the VRRP instance of each node (`hatui.timeline.vrrp_instance`), its
  state and effective priority; an unreachable node is observed as "unreachable";
- backends_down / backends_up: the node's apiserver backend on every LB node
  (`hatui.timeline.backend_statuses`, matched by server name, address or address:port);
  DOWN means any status but UP (MAINT, DRAIN and NOLB count as down: no traffic);
- quorum: `verdicts.etcd.has_quorum`; api: `verdicts.api_via_vip`; verdict: the verdict.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hatui.drill.scenario import NONE, Api, Expectation, Quorum
from hatui.model import ClusterState
from hatui.timeline import backend_statuses, vrrp_instance

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Mismatch:
    """One expected value that the sweep did not show."""

    field: str
    """As in the scenario: "vip", "states.m1", "backends_down.m1", "api"..."""
    expected: str
    observed: str

    def text(self) -> str:
        return f"{self.field}: expected {self.expected}, observed {self.observed}"


def observe(exp: Expectation, state: ClusterState) -> dict[str, str]:
    """The observed value of every field the expectation names (for the reports)."""
    return {field: observed for field, _expected, observed, _ok in _checks(exp, state)}


def check(exp: Expectation, state: ClusterState) -> tuple[Mismatch, ...]:
    """The fields of `exp` that `state` does not show; empty when it all holds."""
    return tuple(
        Mismatch(field, expected, observed)
        for field, expected, observed, ok in _checks(exp, state)
        if not ok
    )


def _holders_text(state: ClusterState) -> str:
    v = state.verdicts
    if v.vip_unknown_on and not v.vip_holders:
        return f"{UNKNOWN} (addresses of {', '.join(v.vip_unknown_on)} not read)"
    text = ", ".join(v.vip_holders) or NONE
    if v.vip_unknown_on:
        text += f" (and unknown on {', '.join(v.vip_unknown_on)})"
    return text


def _node_vrrp(state: ClusterState, name: str) -> tuple[str, str]:
    """(state, effective priority) of one node as words."""
    n = state.node(name)
    if n is None:
        return "not observed", "not observed"
    if not n.reachable:
        return "unreachable", "unreachable"
    inst = vrrp_instance(state, n)
    if inst is None:
        return UNKNOWN, UNKNOWN
    prio = UNKNOWN if inst.effective_priority is None else str(inst.effective_priority)
    return inst.state.value, prio


def _backend_status(state: ClusterState, lb_node: str, backend: str) -> str:
    n = state.node(lb_node)
    if n is None or not n.reachable:
        return "unreachable"
    statuses = backend_statuses(n)
    if not statuses:
        return UNKNOWN
    spec = next((s for s in state.spec.nodes if s.name == backend), None)
    names = {backend}
    if spec is not None:
        names.add(spec.address)
    for key, status in statuses.items():
        host = key.rsplit(":", 1)[0].strip("[]") if ":" in key else key
        if key in names or host in names:
            return status
    return "absent"


def _checks(exp: Expectation, state: ClusterState) -> Iterator[tuple[str, str, str, bool]]:
    """(field, expected, observed, holds) for every field of `exp`."""
    v = state.verdicts
    if exp.vip is not None:
        if exp.vip == NONE:
            ok = not v.vip_holders and not v.vip_unknown_on
        else:
            ok = v.vip_holders == (exp.vip,) and not v.vip_unknown_on
        yield "vip", exp.vip, _holders_text(state), ok
    if exp.vip_holders is not None:
        want = sorted(exp.vip_holders)
        ok = sorted(v.vip_holders) == want and not v.vip_unknown_on
        yield "vip_holders", ", ".join(want) or NONE, _holders_text(state), ok
    for name, want_state in exp.states:
        seen, _ = _node_vrrp(state, name)
        yield f"states.{name}", want_state.value, seen, seen == want_state.value
    if exp.priorities is not None:
        names = [s.name for s in state.spec.nodes]
        seen_all = [_node_vrrp(state, n)[1] for n in names]
        want_text = "/".join(map(str, exp.priorities))
        seen_text = "/".join(seen_all)
        ok = len(exp.priorities) == len(names) and all(
            s == str(p) for s, p in zip(seen_all, exp.priorities, strict=False)
        )
        yield f"priorities ({'/'.join(names)})", want_text, seen_text, ok
    for name, prio in exp.priorities_of:
        seen = _node_vrrp(state, name)[1]
        yield f"priorities.{name}", str(prio), seen, seen == str(prio)
    backend_checks: tuple[tuple[str, tuple[str, ...], bool], ...] = (
        ("backends_down", exp.backends_down, False),
        ("backends_up", exp.backends_up, True),
    )
    for field, backends, want_up in backend_checks:
        for backend in backends:
            seen_by = {lb: _backend_status(state, lb, backend) for lb in state.spec.lb_hosts}
            if not seen_by:
                yield f"{field}.{backend}", "an LB in the inventory", "no LB nodes", False
                continue
            known = all(s not in ("unreachable", UNKNOWN, "absent") for s in seen_by.values())
            up = [s == "UP" for s in seen_by.values()]
            ok = known and (all(up) if want_up else not any(up))
            text = ", ".join(f"{s} on {lb}" for lb, s in seen_by.items())
            word = "UP" if want_up else "DOWN"
            yield f"{field}.{backend}", f"{word} on every LB node", text, ok
    if exp.quorum is not None:
        etcd = v.etcd
        if etcd is None:
            seen = UNKNOWN + " (no etcd data)"
            ok = False
        else:
            has = etcd.has_quorum
            word = UNKNOWN if has is None else (Quorum.OK if has else Quorum.LOST).value
            seen = f"{word} ({etcd.healthy}/{etcd.members} healthy, {etcd.needed} needed)"
            ok = word == exp.quorum.value
        yield "quorum", exp.quorum.value, seen, ok
    if exp.api is not None:
        api = v.api_via_vip
        seen = "not probed" if api is None else (Api.UP if api else Api.DOWN).value
        yield "api", exp.api.value, seen, seen == exp.api.value
    if exp.verdict is not None:
        seen = state.verdict.value
        reasons = f" ({'; '.join(v.reasons[:2])})" if v.reasons and seen != exp.verdict else ""
        yield "verdict", exp.verdict.value, seen + reasons, seen == exp.verdict.value
