"""Test helpers for hatui.faults: inventories shaped like the lab's, facts, cluster states."""

from __future__ import annotations

from hatui.faults.catalog import Plan, build_plan
from hatui.faults.facts import DrainTarget, Facts
from hatui.faults.kinds import FaultKind
from hatui.inventory import Inventory, parse_inventory
from hatui.model import ClusterSpec, ClusterState, NodeObservation, NodeSpec, Probe, derive
from hatui.observations import (
    ApiHealthObservation,
    EtcdMemberView,
    EtcdObservation,
    HaproxyObservation,
    HaproxyServer,
    KeepalivedObservation,
    ServerStatus,
    VrrpInstance,
    VrrpState,
)

FID = "0a1b2c3d"
SVC = "/var/lib/hatui-lab/bin/hatui-lab-svc"


def inventory(lb: str = "haproxy", *, extra: str = "", lb_hosts: str = "") -> Inventory:
    """The lab's inventory (captured addresses 10.232.0.x); m2 has SSH on port 2222."""
    hosts = f"\n  hosts: [{lb_hosts}]" if lb_hosts else ""
    return parse_inventory(
        f"""
cluster: test-lab
masters:
  - {{name: m1, host: 10.232.0.11}}
  - {{name: m2, host: 10.232.0.12, port: 2222}}
  - {{name: m3, host: 10.232.0.13}}
vip: {{address: 10.232.0.10, interface: eth0, vrrp_instance: VI_1, virtual_router_id: 51}}
load_balancer:
  kind: {lb}{hosts}
services:
  command: "{SVC} {{action}} {{unit}}"
  units: {{kubelet: kube-apiserver}}
{extra}"""
    )


def drain_facts(status: dict[str, str] | None = None, server: str = "m2") -> Facts:
    """m2's apiserver as server `server` of kubernetes-apiserver on every LB node."""
    status = status or {}
    return Facts(
        drain=tuple(
            DrainTarget(n, "kubernetes-apiserver", server, status.get(n, "UP"))
            for n in ("m1", "m2", "m3")
        )
    )


def plan(
    kind: FaultKind,
    target: str = "m1",
    facts: Facts | None = None,
    inv: Inventory | None = None,
    ttl: float = 600.0,
    backend: str | None = None,
) -> Plan:
    if facts is None:
        facts = Facts(service_running=True)
        if kind is FaultKind.BACKEND_DRAIN:
            facts = drain_facts()
    return build_plan(
        inv or inventory(), kind, target, fault_id=FID, ttl=ttl, facts=facts, backend=backend
    )


# ---- cluster states for the guards (through the model's own derive) ----

NOW = 1795427100.0
NAMES = ("m1", "m2", "m3")
SPEC = ClusterSpec(
    vip="10.232.0.10",
    nodes=tuple(NodeSpec(n, f"10.232.0.1{i}") for i, n in enumerate(NAMES, start=1)),
    lb_kind="haproxy",
    lb_hosts=NAMES,
    vrrp_instance="VI_1",
)


def etcd(healthy: dict[str, bool | None]) -> EtcdObservation:
    return EtcdObservation(
        members=tuple(
            EtcdMemberView(
                id_hex=f"{i}a",
                name=n,
                endpoint=f"https://10.232.0.1{i}:2379",
                is_leader=i == 1,
                healthy=healthy.get(n, True),
            )
            for i, n in enumerate(NAMES, start=1)
        ),
        leader_id_hex="1a",
    )


def haproxy(up: dict[str, str]) -> HaproxyObservation:
    return HaproxyObservation(
        servers=tuple(
            HaproxyServer(
                "kubernetes-apiserver",
                n,
                ServerStatus(up.get(n, "UP")),
                up.get(n, "UP"),
                addr=f"10.232.0.1{i}:6443",
            )
            for i, n in enumerate(NAMES, start=1)
        ),
        backends=(),
    )


def keepalived(state: VrrpState | None) -> KeepalivedObservation:
    if state is None:
        return KeepalivedObservation.stopped()
    return KeepalivedObservation(instances=(VrrpInstance("VI_1", 51, state),))


def cluster(
    *,
    etcd_healthy: dict[str, bool | None] | None = None,
    ready: dict[str, bool] | None = None,
    lb: dict[str, dict[str, str] | None] | None = None,
    vrrp: dict[str, VrrpState | None] | None = None,
    unreachable: tuple[str, ...] = (),
    with_etcd: bool = True,
) -> ClusterState:
    at = NOW - 1
    ready, lb, vrrp = ready or {}, lb or {}, vrrp or {}
    nodes = []
    for n in NAMES:
        if n in unreachable:
            nodes.append(NodeObservation.unreachable(n, "refused", retry_at=None, checked_at=at))
            continue
        servers = lb.get(n, {})
        nodes.append(
            NodeObservation(
                name=n,
                checked_at=at,
                keepalived=Probe(
                    keepalived(vrrp.get(n, VrrpState.MASTER if n == "m1" else VrrpState.BACKUP)),
                    at,
                ),
                lb=None if servers is None else Probe(haproxy(servers), at),
                etcd=Probe(etcd(etcd_healthy or {}), at) if with_etcd and n != "m3" else None,
                readyz=Probe(ApiHealthObservation("readyz", ready.get(n, True), 200), at),
            )
        )
    return derive(SPEC, nodes, None, NOW)
