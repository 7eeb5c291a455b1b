"""Guards: what a fault would break beyond itself, read from the latest `ClusterState`.

Pure. `consequence(state, kind, target)` returns the sentence a person must confirm
(`--yes`, or the app's confirmation dialog), or None when the fault only does what it says.
Guarded consequences, as the issue names them:

- etcd loses quorum: etcd-stop, or isolate, of a member that counts towards the healthy
  ones, when fewer than n // 2 + 1 would be left (or quorum cannot be known);
- the last ready apiserver goes: apiserver-reject or isolate of the only master whose
  /readyz is ok (kubelet-stop is not guarded: a stopped kubelet leaves its static pods
  running and only turns the Node NotReady);
- the last LB path goes: lb-stop, lb-reject or isolate of the only LB node with a backend
  up; backend-drain of the only apiserver still UP behind HAProxy; keepalived-stop of the
  only master whose keepalived can hold the VIP.

What the sweep could not see counts against the fault: an unreachable master's apiserver is
not counted as ready, and with nothing known about the others a guard asks rather than
assume they are fine.
"""

from __future__ import annotations

from hatui.faults.kinds import FaultKind
from hatui.model import ClusterState, NodeObservation
from hatui.observations import (
    EtcdObservation,
    HaproxyObservation,
    HaproxyServer,
    KeepalivedObservation,
    ServerStatus,
    VrrpState,
)

_UP = (ServerStatus.UP, ServerStatus.NO_CHECK)
_VRRP_CANDIDATE = (VrrpState.MASTER, VrrpState.BACKUP, VrrpState.INIT)

_ETCD = (FaultKind.ETCD_STOP, FaultKind.ISOLATE)
_APISERVER = (FaultKind.APISERVER_REJECT, FaultKind.ISOLATE)
_LB = (FaultKind.LB_STOP, FaultKind.LB_REJECT, FaultKind.ISOLATE)


def consequence(state: ClusterState, kind: FaultKind, target: str) -> str | None:
    """The consequence needing explicit confirmation, or None (see the module doc)."""
    found = []
    if kind in _ETCD:
        found.append(etcd_quorum(state, kind, target))
    if kind in _APISERVER:
        found.append(last_apiserver(state, target))
    if kind in _LB:
        found.append(last_lb(state, target))
    if kind is FaultKind.BACKEND_DRAIN:
        found.append(last_backend(state, target))
    if kind is FaultKind.KEEPALIVED_STOP:
        found.append(last_keepalived(state, target))
    text = "; ".join(f for f in found if f)
    return text or None


def _reachable(state: ClusterState) -> list[NodeObservation]:
    return [n for n in state.nodes if n.reachable]


def _address(state: ClusterState, name: str) -> str | None:
    spec = state.spec.node(name)
    return spec.address if spec is not None else None


def _host_of(url_or_addr: str | None) -> str | None:
    """The host of "https://10.0.0.1:2379" or "10.0.0.1:6443" ("[v6]" brackets removed)."""
    if not url_or_addr:
        return None
    rest = url_or_addr.split("://", 1)[-1].split("/", 1)[0]
    host = rest.rpartition(":")[0] if rest.count(":") == 1 or rest.startswith("[") else rest
    return (host or rest).strip("[]")


# --------------------------------------------------------------------------------------------
# etcd


def member_health(state: ClusterState, target: str) -> tuple[bool, bool | None]:
    """(whether `target` runs an etcd member, its health merged over every view)."""
    address = _address(state, target)
    found = False
    health: bool | None = None
    for node in _reachable(state):
        view = node.etcd.value if node.etcd is not None else None
        if not isinstance(view, EtcdObservation):
            continue
        for m in view.members:
            if m.name == target or (address and _host_of(m.endpoint) == address):
                found = True
                if m.healthy is True or health is None:
                    health = True if health is True else m.healthy
    return found, health


def etcd_quorum(state: ClusterState, kind: FaultKind, target: str) -> str | None:
    """etcd would be left without quorum (or nobody can tell)."""
    verb = "isolating" if kind is FaultKind.ISOLATE else "stopping etcd on"
    quorum = state.verdicts.etcd
    if quorum is None:
        return f"etcd quorum is unknown (no master reported it): {verb} {target} may break it"
    found, healthy = member_health(state, target)
    if not found:
        return None  # not an etcd member: its etcd (if any) is no voter
    if healthy is False:
        return None  # already down: nothing changes for quorum
    after = quorum.healthy - (1 if healthy else 0)
    if after >= quorum.needed and quorum.has_quorum is True:
        return None
    lost = "loses" if quorum.has_quorum is not False else "stays without"
    return (
        f"etcd {lost} quorum: {verb} {target} leaves {after} of {quorum.members} members "
        f"healthy, {quorum.needed} needed, so writes stop and the API goes down"
    )


# --------------------------------------------------------------------------------------------
# apiservers


def _readiness(node: NodeObservation | None) -> bool | None:
    """The node's /readyz verdict; None when unknown (unreachable, probe failed)."""
    if node is None or not node.reachable or node.readyz is None:
        return None
    readyz = node.readyz.value
    return None if readyz is None else readyz.ok


def last_apiserver(state: ClusterState, target: str) -> str | None:
    """No apiserver but `target`'s is known to be ready."""
    if any(_readiness(n) for n in state.nodes if n.name != target):
        return None
    mine = _readiness(state.node(target))
    if mine is False:
        return None  # not ready already: taking it down changes nothing
    if mine:
        return f"{target}'s apiserver is the last ready one: the API stops answering"
    return f"no other apiserver is known to be ready: taking {target}'s down may stop the API"


# --------------------------------------------------------------------------------------------
# load balancers, backends, the VIP


def _lb_paths(state: ClusterState) -> list[str]:
    """LB nodes whose load balancer has at least one backend up."""
    nodes = []
    for backends in state.verdicts.lb:
        if backends.up > 0 and backends.node not in nodes:
            nodes.append(backends.node)
    return nodes


def last_lb(state: ClusterState, target: str) -> str | None:
    """No LB node but `target` is known to have a backend up."""
    if target not in state.spec.lb_hosts:
        return None
    paths = _lb_paths(state)
    if any(n != target for n in paths):
        return None
    mine = [b for b in state.verdicts.lb if b.node == target]
    if mine and target not in paths:
        return None  # its LB has no backend up already: nothing changes
    if mine:
        return (
            f"{target}'s {state.spec.lb_kind} is the last load balancer with an apiserver "
            "behind it: clients lose the API through the VIP"
        )
    return (
        f"no other load balancer is known to have an apiserver behind it: taking {target}'s "
        "down may cut clients off the API"
    )


def _is_target(server: HaproxyServer, target: str, address: str | None) -> bool:
    if address and server.addr and _host_of(server.addr) == address:
        return True
    return server.server == target


def last_backend(state: ClusterState, target: str) -> str | None:
    """Draining `target` leaves no apiserver UP behind HAProxy on any LB node seen."""
    address = _address(state, target)
    seen = False
    for node in _reachable(state):
        lb = node.lb.value if node.lb is not None else None
        if not isinstance(lb, HaproxyObservation):
            continue
        seen = True
        others = [s for s in lb.servers if s.status in _UP and not _is_target(s, target, address)]
        if others:
            return None
    if not seen:
        return f"no HAProxy could be read: draining {target} may leave no apiserver behind the LB"
    return f"{target}'s apiserver is the last one UP behind HAProxy: clients lose the API"


def _can_hold_vip(node: NodeObservation) -> bool:
    ka = node.keepalived.value if node.keepalived is not None else None
    if not isinstance(ka, KeepalivedObservation) or not ka.running:
        return False
    return any(i.state in _VRRP_CANDIDATE for i in ka.instances)


def last_keepalived(state: ClusterState, target: str) -> str | None:
    """No master but `target` is known to run a keepalived that can hold the VIP."""
    if any(_can_hold_vip(n) for n in state.nodes if n.reachable and n.name != target):
        return None
    mine = state.node(target)
    if mine is not None and mine.reachable and mine.keepalived is not None:
        if mine.keepalived.value is not None and not _can_hold_vip(mine):
            return None  # its keepalived cannot hold the VIP anyway
        if mine.keepalived.value is not None:
            return (
                f"{target} runs the only keepalived that can hold the VIP {state.spec.vip}: "
                "the VIP goes away and clients lose the API"
            )
    return (
        f"no other keepalived is known to be able to hold the VIP {state.spec.vip}: "
        f"stopping {target}'s may leave nobody holding it"
    )
