"""The path a client's request takes: VIP -> the holder's load balancer -> apiservers (pure).

`topology(state)` reads a `ClusterState` and says, hop by hop, whether the path is alive and
where it is cut. The UI draws it; nothing here knows about colours or widgets.

Traffic to the VIP lands on the node holding it; that node's load balancer (HAProxy, nginx
stream or LVS) forwards to the apiservers it considers up. The other LB nodes are standby:
they matter the moment the VIP moves to them. With `load_balancer: none` the VIP leads
straight to the holder's own apiserver.
"""

from __future__ import annotations

from dataclasses import dataclass

from hatui.model import ClusterState, NodeObservation
from hatui.timeline import backend_statuses


@dataclass(frozen=True)
class Backend:
    """One apiserver as the active load balancer sees it."""

    name: str
    """The backend's name in the LB (HAProxy server name, nginx/LVS address)."""
    node: str | None
    """The master it is, when hatui can tell (by name or address)."""
    lb_status: str | None
    """"UP", "DOWN", "MAINT"... as the LB sees it; None with no LB in the path."""
    ready: bool | None
    """That master's own /readyz (None: not observed)."""

    @property
    def alive(self) -> bool:
        """Would the LB send a request here, and would it be served?"""
        if self.lb_status is not None:
            return self.lb_status in ("UP", "NO CHECK") and self.ready is not False
        return self.ready is True


@dataclass(frozen=True)
class LbNode:
    """One node running the load balancer."""

    node: str
    active: bool
    """It holds the VIP, so client traffic goes through it."""
    problem: str | None
    """Why it forwards nothing ("unreachable", the probe's error), None when it works."""
    up: int = 0
    total: int = 0


@dataclass(frozen=True)
class Path:
    """VIP -> one holder's LB -> its backends."""

    holder: str
    lb: LbNode | None
    """None with `load_balancer: none` (the VIP leads to the holder's apiserver)."""
    backends: tuple[Backend, ...]

    @property
    def cut(self) -> str | None:
        """Where this path is dead, in words; None when some backend serves."""
        if self.lb is not None and self.lb.problem:
            return f"LB on {self.holder}: {self.lb.problem}"
        if not self.backends:
            return "no backend known"
        if not any(b.alive for b in self.backends):
            return "no apiserver behind it is up"
        return None


@dataclass(frozen=True)
class Topology:
    """Every path from the VIP, plus the LB nodes on standby."""

    vip: str
    lb_kind: str
    paths: tuple[Path, ...]
    """One per VIP holder: none is an outage, two a split brain."""
    standby: tuple[LbNode, ...]
    api_via_vip: bool | None
    """The end-to-end check from this machine (None: not checked)."""

    @property
    def cut(self) -> str | None:
        """Why clients cannot get through, if the topology says they cannot."""
        if not self.paths:
            return "no node holds the VIP"
        cuts = [p.cut for p in self.paths]
        if all(cuts):
            return "; ".join(c for c in cuts if c)
        return None


def topology(state: ClusterState) -> Topology:
    """The request path(s) of `state`, hop by hop."""
    spec = state.spec
    holders = state.verdicts.vip_holders
    lbs = {name: _lb_node(state, name, name in holders) for name in spec.lb_hosts}
    paths = []
    for holder in holders:
        if spec.lb_hosts:
            lb = lbs.get(holder) or LbNode(holder, True, "does not run the load balancer")
            backends = _backends(state, holder) if lb.problem is None else ()
            paths.append(Path(holder, lb, backends))
        else:
            n = state.node(holder)
            paths.append(Path(holder, None, (Backend(holder, holder, None, _ready(n)),)))
    standby = tuple(lb for name, lb in lbs.items() if name not in holders)
    return Topology(spec.vip, spec.lb_kind, tuple(paths), standby, state.verdicts.api_via_vip)


def _ready(n: NodeObservation | None) -> bool | None:
    if n is None or not n.reachable or n.readyz is None:
        return None
    return n.readyz.value.ok if n.readyz.value is not None else False


def _lb_node(state: ClusterState, name: str, active: bool) -> LbNode:
    n = state.node(name)
    if n is None:
        return LbNode(name, active, "not observed")
    if not n.reachable:
        return LbNode(name, active, "unreachable")
    if n.lb is None:
        return LbNode(name, active, "not probed")
    if n.lb.value is None:
        message = n.lb.error.message if n.lb.error else "no data"
        return LbNode(name, active, message)
    statuses = backend_statuses(n)
    up = sum(1 for s in statuses.values() if s in ("UP", "NO CHECK"))
    return LbNode(name, active, None, up, len(statuses))


def _backends(state: ClusterState, lb_node: str) -> tuple[Backend, ...]:
    n = state.node(lb_node)
    if n is None:
        return ()
    out = []
    for name, status in backend_statuses(n).items():
        node = _master_of(state, name)
        out.append(Backend(name, node, status, _ready(state.node(node)) if node else None))
    return tuple(out)


def _master_of(state: ClusterState, backend: str) -> str | None:
    """The master a backend name stands for: its name, or its address (with a port)."""
    if state.spec.node(backend) is not None:
        return backend
    host = backend.rsplit(":", 1)[0].strip("[]") if ":" in backend else backend
    return next((s.name for s in state.spec.nodes if s.address == host), None)
