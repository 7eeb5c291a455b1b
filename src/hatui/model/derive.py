"""`derive`: from per-node observations to one verdict about the whole control plane.

Pure: the same observations and `now` always give the same `ClusterState`. What it decides:

- VIP holders from each node's `ip -o addr` (keepalived's `vipset` stands in when a node's
  addresses could not be read): more than one is a split brain; none, with every node read,
  is an outage.
- The node VRRP should elect: the highest effective priority among nodes whose keepalived
  runs and is not FAULT, ties to the higher IP address (RFC 5798 6.4.3); a holder that is not
  that node means a failover is under way or adverts are lost (unless the holder has
  `nopreempt`, where staying is the configured behaviour).
- Whether the API answers through the client endpoint (the jump host's check); without that
  check, the VIP holder's LB backends and the apiservers' /readyz stand in.
- LB backends up per LB node; etcd quorum (members, healthy, needed = n // 2 + 1,
  tolerated failures) merged over every node's view.
- With a kubeconfig: every control-plane Node Ready ("node m2 NotReady: Kubelet stopped
  posting node status." otherwise), and a live holder for the kube-controller-manager and
  kube-scheduler leases (a lease not renewed for its duration plus `LEASE_GRACE_S` has no
  leader). These are DEGRADED: the API still answers.
- One verdict, by precedence SPLIT-BRAIN > QUORUM-LOST > API-DOWN > DEGRADED > HEALTHY, with
  the reasons behind it. UNKNOWN replaces DEGRADED/HEALTHY when no node could be observed at
  all (a severe verdict that is known still wins: an API that does not answer is down).

Data of an unreachable node is ignored (it is stale by definition); with `max_age`, any
probe older than that is ignored too and said so.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hatui.model.spec import ClusterSpec, NodeSpec
from hatui.model.state import (
    ClusterState,
    EtcdQuorum,
    LbBackends,
    NodeObservation,
    Probe,
    Verdict,
    Verdicts,
)
from hatui.observations import (
    AddressObservation,
    ApiHealthObservation,
    EtcdObservation,
    HaproxyObservation,
    KeepalivedObservation,
    KubeApiObservation,
    LbObservation,
    LvsObservation,
    NginxObservation,
    ProbeError,
    ScriptStatus,
    ServerStatus,
    VrrpInstance,
    VrrpState,
)
from hatui.parsers.vip import vip_on

T = TypeVar("T")

_UP = (ServerStatus.UP, ServerStatus.NO_CHECK)
_NOT_CANDIDATE = (VrrpState.FAULT, VrrpState.STOP, VrrpState.DELETED)

IpAddr = ipaddress.IPv4Address | ipaddress.IPv6Address

LEASE_GRACE_S = 5.0
"""Beyond a leader lease's duration, how stale it may look before it counts as expired: a
candidate takes an expired lease within one retry period (2 s), and this machine's clock may
differ from the cluster's by a little."""


@dataclass
class _Findings:
    """Reasons sorted by the verdict they lead to."""

    split_brain: list[str] = field(default_factory=list)
    quorum_lost: list[str] = field(default_factory=list)
    api_down: list[str] = field(default_factory=list)
    degraded: list[str] = field(default_factory=list)

    def verdict(self, known: bool) -> tuple[Verdict, tuple[str, ...]]:
        reasons = tuple(self.split_brain + self.quorum_lost + self.api_down + self.degraded)
        if self.split_brain:
            return Verdict.SPLIT_BRAIN, reasons
        if self.quorum_lost:
            return Verdict.QUORUM_LOST, reasons
        if self.api_down:
            return Verdict.API_DOWN, reasons
        if not known:
            return Verdict.UNKNOWN, reasons
        if self.degraded:
            return Verdict.DEGRADED, reasons
        return Verdict.HEALTHY, reasons


@dataclass
class _Node:
    """One node's fresh, successful observations (None: unknown)."""

    spec: NodeSpec | None
    obs: NodeObservation | None
    addresses: AddressObservation | None = None
    keepalived: KeepalivedObservation | None = None
    lb: LbObservation | None = None
    etcd: EtcdObservation | None = None
    readyz: ApiHealthObservation | None = None
    instance: VrrpInstance | None = None

    @property
    def name(self) -> str:
        if self.obs is not None:
            return self.obs.name
        assert self.spec is not None
        return self.spec.name


def derive(
    spec: ClusterSpec,
    nodes: Sequence[NodeObservation],
    api_via_vip: Probe[ApiHealthObservation] | None,
    now: float,
    *,
    max_age: float | None = None,
    kube_api: Probe[KubeApiObservation] | None = None,
) -> ClusterState:
    """The cluster state and verdicts from this sweep's observations (see the module doc)."""
    f = _Findings()
    by_name = {n.name: n for n in nodes}
    ordered = [by_name[s.name] for s in spec.nodes if s.name in by_name]
    ordered += [n for n in nodes if spec.node(n.name) is None]
    views = [_node_view(spec, spec.node(n.name), n, now, max_age, f) for n in ordered]
    for s in spec.nodes:
        if s.name not in by_name:
            f.degraded.append(f"{s.name}: not observed yet")
            views.append(_Node(spec=s, obs=None))
    known = any(_has_data(v) for v in views)
    if not known and views:
        f.degraded.insert(0, "no node could be observed")

    holders, unknown_on = _vip_holders(spec, views, f)
    expected, expected_prio = _expected_master(spec, views, holders, f)
    masters = tuple(v.name for v in views if v.instance and v.instance.state is VrrpState.MASTER)
    if len(masters) > 1 and len(holders) <= 1:
        f.degraded.append(f"keepalived reports MASTER on {_join(masters)}")
    via_vip = _api_via_vip(spec, api_via_vip, now, max_age, f)
    lb = _lb_backends(spec, views, f)
    _api_fallback(spec, views, holders, unknown_on, via_vip, lb, f)
    quorum = _etcd_quorum(views, f)
    kube = _kube_api(kube_api, via_vip, now, max_age, f)

    verdict, reasons = f.verdict(known)
    verdicts = Verdicts(
        verdict=verdict,
        reasons=reasons,
        vip_holders=holders,
        vip_unknown_on=unknown_on,
        expected_master=expected,
        expected_priority=expected_prio,
        vrrp_masters=masters,
        api_via_vip=via_vip,
        lb=lb,
        etcd=quorum,
        nodes_not_ready=kube.not_ready,
        controller_manager_leader=kube.leaders.get("kube-controller-manager"),
        scheduler_leader=kube.leaders.get("kube-scheduler"),
    )
    return ClusterState(
        spec=spec,
        nodes=tuple(ordered),
        api_via_vip=api_via_vip,
        verdicts=verdicts,
        derived_at=now,
        kube_api=kube_api,
    )


# --------------------------------------------------------------------------------------------
# per node


def _node_view(
    spec: ClusterSpec,
    node_spec: NodeSpec | None,
    obs: NodeObservation,
    now: float,
    max_age: float | None,
    f: _Findings,
) -> _Node:
    """The usable observations of one node; errors, staleness, unreachability become reasons."""
    view = _Node(spec=node_spec, obs=obs)
    if not obs.reachable:
        retry = ""
        if obs.retry_at is not None:
            retry = f" (retry in {max(0, round(obs.retry_at - now))} s)"
        f.degraded.append(f"{obs.name}: unreachable: {obs.unreachable_reason or 'unknown'}{retry}")
        return view

    def use(label: str, probe: Probe[T] | None) -> T | None:
        if probe is None:
            return None
        if max_age is not None and probe.age(now) > max_age:
            f.degraded.append(f"{obs.name}: {label} data is {round(probe.age(now))} s old")
            return None
        if probe.error is not None:
            f.degraded.append(f"{obs.name}: {label}: {probe.error.message}")
            return None
        return probe.value

    view.addresses = use("addresses", obs.addresses)
    view.keepalived = use("keepalived", obs.keepalived)
    view.lb = use("load balancer", obs.lb)
    view.etcd = use("etcd", obs.etcd)
    view.readyz = use("readyz", obs.readyz)
    use("livez", obs.livez)
    if view.keepalived is not None:
        _keepalived_findings(spec, view, view.keepalived, f)
    if view.readyz is not None and not view.readyz.ok:
        f.degraded.append(f"{obs.name}: apiserver not ready{_checks(view.readyz)}")
    return view


def _has_data(view: _Node) -> bool:
    return any(
        x is not None for x in (view.addresses, view.keepalived, view.lb, view.etcd, view.readyz)
    )


def _keepalived_findings(
    spec: ClusterSpec, view: _Node, ka: KeepalivedObservation, f: _Findings
) -> None:
    if not ka.running:
        f.degraded.append(f"{view.name}: keepalived is not running")
        return
    inst = _pick_instance(spec, ka)
    view.instance = inst
    if inst is None:
        wanted = spec.vrrp_instance or (
            f"VRID {spec.virtual_router_id}" if spec.virtual_router_id else "any VRRP instance"
        )
        f.degraded.append(f"{view.name}: keepalived has no {wanted}")
        return
    if inst.state in (VrrpState.FAULT, VrrpState.STOP, VrrpState.DELETED, VrrpState.UNKNOWN):
        f.degraded.append(f"{view.name}: VRRP instance {inst.name} is {inst.state}")
    for script in inst.track_scripts:
        if script.status in (ScriptStatus.BAD, ScriptStatus.INIT_FAILED):
            what = f"{script.name or script.command} {script.status}"
            if script.weight is not None:
                what += f", weight {script.weight}"
            if inst.effective_priority is not None:
                what += f", priority {inst.effective_priority}"
            f.degraded.append(f"{view.name}: track script {what}")


def _pick_instance(spec: ClusterSpec, ka: KeepalivedObservation) -> VrrpInstance | None:
    """The instance carrying the VIP: by name/VRID when configured, else by its VIPs."""
    if spec.vrrp_instance is not None or spec.virtual_router_id is not None:
        return ka.instance(name=spec.vrrp_instance, vrid=spec.virtual_router_id)
    vip = _ip(spec.vip)
    for inst in ka.instances:
        if vip is not None and any(_ip(v.split()[0]) == vip for v in inst.vips if v.split()):
            return inst
    return ka.instances[0] if ka.instances else None


def _ip(text: str) -> IpAddr | None:
    try:
        return ipaddress.ip_interface(text.strip()).ip
    except ValueError:
        return None


def _checks(health: ApiHealthObservation) -> str:
    if health.failed_checks:
        return f" (failed: {', '.join(health.failed_checks)})"
    return f" ({health.message})" if health.message else ""


def _join(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --------------------------------------------------------------------------------------------
# VIP and VRRP


def _vip_holders(
    spec: ClusterSpec, views: list[_Node], f: _Findings
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    holders: list[str] = []
    unknown: list[str] = []
    for v in views:
        if v.addresses is not None:
            if vip_on(v.addresses, spec.vip) is not None:
                holders.append(v.name)
        elif v.instance is not None and v.instance.vipset is not None:
            if v.instance.vipset and v.instance.state is VrrpState.MASTER:
                holders.append(v.name)
        else:
            unknown.append(v.name)
    if len(holders) > 1:
        f.split_brain.append(f"VIP {spec.vip} is on {_join(holders)} (split brain)")
    elif not holders and not unknown:
        f.api_down.append(f"no node holds the VIP {spec.vip}")
    elif not holders:
        f.degraded.append(f"VIP {spec.vip} is on no reachable node ({_join(unknown)} unknown)")
    for name in holders:
        view = next(v for v in views if v.name == name)
        ka = view.keepalived
        if ka is not None and not ka.running:
            f.degraded.append(f"{name} holds the VIP but its keepalived is not running")
        elif view.instance is not None and view.instance.state is not VrrpState.MASTER:
            f.degraded.append(f"{name} holds the VIP but its keepalived is {view.instance.state}")
    return tuple(holders), tuple(unknown)


def _vrrp_ip(view: _Node, spec: ClusterSpec) -> IpAddr | None:
    """The node's address as VRRP compares it: the inventory IP, keepalived's src_ip, or the
    first global address of the instance's interface other than the VIP."""
    if view.spec is not None and view.spec.ip is not None:
        return view.spec.ip
    if view.instance is not None and view.instance.src_ip:
        return _ip(view.instance.src_ip)
    if view.addresses is not None:
        vip = _ip(spec.vip)
        iface = view.instance.interface if view.instance else None
        for a in view.addresses.addresses:
            if a.scope == "global" and (iface is None or a.interface == iface):
                ip = _ip(a.address)
                if ip is not None and ip != vip:
                    return ip
    return None


def _expected_master(
    spec: ClusterSpec, views: list[_Node], holders: tuple[str, ...], f: _Findings
) -> tuple[str | None, int | None]:
    best: tuple[int, int, str] | None = None
    all_known = True
    for v in views:
        ka, inst = v.keepalived, v.instance
        if ka is None:
            all_known = False
            continue
        if not ka.running or inst is None or inst.state in _NOT_CANDIDATE:
            continue
        prio = (
            inst.effective_priority if inst.effective_priority is not None else inst.base_priority
        )
        if prio is None:
            all_known = False
            continue
        ip = _vrrp_ip(v, spec)
        key = (prio, int(ip) if ip is not None else -1, v.name)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        return None, None
    prio, _, name = best
    if all_known and len(holders) == 1 and holders[0] != name:
        holder = next(v for v in views if v.name == holders[0])
        held = holder.instance.effective_priority if holder.instance else None
        if not (holder.instance and holder.instance.nopreempt):
            f.degraded.append(
                f"VIP is on {holders[0]} (priority {held if held is not None else '?'}) but "
                f"VRRP should elect {name} (priority {prio}): failover under way or adverts lost"
            )
    return name, prio


# --------------------------------------------------------------------------------------------
# API, load balancers


def _api_via_vip(
    spec: ClusterSpec,
    probe: Probe[ApiHealthObservation] | None,
    now: float,
    max_age: float | None,
    f: _Findings,
) -> bool | None:
    if probe is None:
        return None
    if max_age is not None and probe.age(now) > max_age:
        f.degraded.append(f"the API check through the VIP is {round(probe.age(now))} s old")
        return None
    if probe.error is not None:
        f.api_down.append(f"API not reachable through the VIP: {probe.error.message}")
        return False
    health = probe.value
    assert health is not None
    if health.ok or health.refused:
        return True
    f.api_down.append(f"API through the VIP answers but is not ready{_checks(health)}")
    return False


def _lb_backends(spec: ClusterSpec, views: list[_Node], f: _Findings) -> tuple[LbBackends, ...]:
    result: list[LbBackends] = []
    for host in spec.lb_hosts:
        view = next((v for v in views if v.name == host), None)
        if view is None or view.lb is None:
            continue
        result.extend(_lb_of(host, view.lb, spec))
    for b in result:
        if b.up < b.total or b.total == 0:
            what = f" {b.proxy}" if b.proxy else ""
            down = f" ({_join(b.down)})" if b.down else ""
            f.degraded.append(f"{b.node}: {b.kind}{what}: {b.up} of {b.total} backends up{down}")
    return tuple(result)


def _lb_of(host: str, lb: LbObservation, spec: ClusterSpec) -> list[LbBackends]:
    if isinstance(lb, HaproxyObservation):
        proxies = list(dict.fromkeys(s.proxy for s in lb.servers))
        out = []
        for proxy in proxies:
            servers = [s for s in lb.servers if s.proxy == proxy]
            down = tuple(s.server for s in servers if s.status not in _UP)
            up_count = len(servers) - len(down)
            out.append(LbBackends(host, "haproxy", proxy, up_count, len(servers), down))
        return out
    if isinstance(lb, NginxObservation):
        failed = tuple(c.backend for c in lb.connects if not c.ok)
        ok_count = len(lb.connects) - len(failed)
        return [LbBackends(host, "nginx", None, ok_count, len(lb.connects), failed)]
    return _lvs_of(host, lb, spec)


def _lvs_of(host: str, lb: LvsObservation, spec: ClusterSpec) -> list[LbBackends]:
    vip = _ip(spec.vip)
    services = [s for s in lb.services if _ip(s.address) == vip] or list(lb.services)
    node_ips = {n.ip: n.name for n in spec.nodes if n.ip is not None}
    out = []
    for svc in services:
        present = {_ip(r.address) for r in svc.real_servers}
        down = [f"{r.address}:{r.port}" for r in svc.real_servers if r.weight <= 0]
        # keepalived removes a failed real server from the table: a master missing from a
        # service that lists other masters is down too.
        missing = []
        if any(ip in node_ips for ip in present):
            missing = [name for ip, name in node_ips.items() if ip not in present]
        up = sum(1 for r in svc.real_servers if r.weight > 0)
        name = f"{svc.protocol} {svc.address}" + (f":{svc.port}" if svc.port else "")
        total = len(svc.real_servers) + len(missing)
        out.append(LbBackends(host, "lvs", name, up, total, tuple(down + missing)))
    return out


def _api_fallback(
    spec: ClusterSpec,
    views: list[_Node],
    holders: tuple[str, ...],
    unknown_on: tuple[str, ...],
    via_vip: bool | None,
    lb: tuple[LbBackends, ...],
    f: _Findings,
) -> None:
    """Without the jump host's check, infer API-DOWN from what the nodes show."""
    if via_vip is not None:
        return
    ready = [v.readyz for v in views if v.readyz is not None]
    if ready and not any(r.ok for r in ready) and len(ready) == len(views):
        f.api_down.append("no apiserver is ready")
        return
    if len(holders) != 1:
        return
    holder = holders[0]
    if holder in spec.lb_hosts:
        mine = [b for b in lb if b.node == holder]
        if mine and all(b.up == 0 for b in mine):
            f.api_down.append(f"the VIP holder {holder} has no API backend up")
    elif spec.lb_kind == "none":
        view = next(v for v in views if v.name == holder)
        if view.readyz is not None and not view.readyz.ok:
            f.api_down.append(f"the VIP holder {holder}'s apiserver is not ready")


# --------------------------------------------------------------------------------------------
# etcd


def _etcd_quorum(views: list[_Node], f: _Findings) -> EtcdQuorum | None:
    merged: dict[str, dict[str, Any]] = {}
    leader: str | None = None
    alarms: set[tuple[str, str]] = set()
    seen = False
    for v in views:
        if v.etcd is None:
            continue
        seen = True
        leader = leader or v.etcd.leader_id_hex
        alarms.update((a.member_id_hex, a.alarm) for a in v.etcd.alarms)
        for m in v.etcd.members:
            key = m.id_hex or m.endpoint or m.name or "?"
            entry = merged.setdefault(
                key, {"name": m.name, "healthy": None, "learner": m.is_learner}
            )
            entry["name"] = entry["name"] or m.name
            if m.healthy is True:
                entry["healthy"] = True
            elif m.healthy is False and entry["healthy"] is not True:
                entry["healthy"] = False
    if not seen:
        return None
    voting = {k: e for k, e in merged.items() if not e["learner"]}
    healthy = sum(1 for e in voting.values() if e["healthy"] is True)
    unknown = sum(1 for e in voting.values() if e["healthy"] is None)
    leader_name = None
    if leader is not None:
        leader_name = (voting.get(leader) or {}).get("name") or leader
    q = EtcdQuorum(members=len(voting), healthy=healthy, unknown=unknown, leader=leader_name)
    sick = [e["name"] or k for k, e in voting.items() if e["healthy"] is False]
    if q.has_quorum is False:
        f.quorum_lost.append(
            f"etcd has lost quorum: {q.healthy} of {q.members} members healthy, {q.needed} needed"
        )
    elif q.has_quorum is None:
        f.degraded.append(
            f"etcd quorum uncertain: {q.healthy} healthy, {q.unknown} unknown, {q.needed} needed"
        )
    elif sick:
        f.degraded.append(
            f"etcd {_join(sick)} unhealthy: {q.healthy} of {q.members} healthy, "
            f"tolerates {q.tolerates} more failure{'s' if q.tolerates != 1 else ''}"
        )
    for member, alarm in sorted(alarms):
        name = (merged.get(member) or {}).get("name") or member
        f.degraded.append(f"etcd alarm {alarm} on {name}")
    return q


# --------------------------------------------------------------------------------------------
# the Kubernetes API through the kubeconfig


@dataclass
class _Kube:
    not_ready: tuple[str, ...] = ()
    leaders: dict[str, str] = field(default_factory=dict)


def _kube_api(
    probe: Probe[KubeApiObservation] | None,
    via_vip: bool | None,
    now: float,
    max_age: float | None,
    f: _Findings,
) -> _Kube:
    """Node Ready and leader leases; their problems are DEGRADED (the API answered them)."""
    out = _Kube()
    if probe is None:
        return out
    if max_age is not None and probe.age(now) > max_age:
        f.degraded.append(f"the Kubernetes API data is {round(probe.age(now))} s old")
        return out
    # when the API does not answer (or is not ready) through the VIP, a reason says so
    # already: its failed requests here are the same fact, not three more
    quiet = via_vip is False
    if probe.error is not None:
        if not quiet:
            f.degraded.append(f"Kubernetes API: {probe.error.message}")
        return out
    kube = probe.value
    assert kube is not None
    if isinstance(kube.nodes, ProbeError):
        if not quiet:
            f.degraded.append(f"Kubernetes API: nodes: {kube.nodes.message}")
    else:
        control_plane = [n for n in kube.nodes.nodes if n.control_plane] or list(kube.nodes.nodes)
        if not control_plane:
            f.degraded.append("the Kubernetes API lists no control-plane node")
        for node in control_plane:
            if not node.is_ready:
                why = node.message or node.reason or f"Ready is {node.ready}"
                f.degraded.append(f"node {node.name} NotReady: {why}")
        out.not_ready = tuple(n.name for n in control_plane if not n.is_ready)
    for name, lease in kube.leases:
        if isinstance(lease, ProbeError):
            if not quiet:
                f.degraded.append(f"{name} lease: {lease.message}")
        elif lease.holder is None:
            f.degraded.append(f"{name} has no leader: its lease is not held")
        elif lease.expired(probe.observed_at, LEASE_GRACE_S):
            assert lease.renew_time is not None
            ago = round(probe.observed_at - lease.renew_time)
            f.degraded.append(
                f"{name} has no leader: {lease.holder}'s lease was last renewed {ago} s ago"
            )
        else:
            out.leaders[name] = lease.holder
    return out
