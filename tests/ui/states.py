"""Realistic `ClusterState`s for the UI tests, built from the real captured daemon outputs.

Every scenario parses files from tests/fixtures/captured and calls `derive`, so what the
panes show is what hatui would show on the lab. m3 was not captured: it is m2's output with
m3's address and priority 111. Times are fixed (`NOW`) so renders are deterministic.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from hatui.model import ClusterSpec, ClusterState, NodeObservation, NodeSpec, Probe, derive
from hatui.observations import (
    AddressObservation,
    ApiHealthObservation,
    EtcdObservation,
    HaproxyObservation,
    KeepalivedLog,
    KeepalivedObservation,
    ProbeError,
    VrrpState,
)
from hatui.parsers import (
    combine_etcd,
    merge_keepalived,
    parse_apiserver_health,
    parse_etcd_endpoint_health,
    parse_etcd_endpoint_status,
    parse_etcd_member_list,
    parse_haproxy_stat,
    parse_ip_addr,
    parse_keepalived_data,
    parse_keepalived_json,
    parse_keepalived_log,
)

T = TypeVar("T")
CAPTURED = Path(__file__).parent.parent / "fixtures" / "captured"
NOW = 1795427100.0
"""2026-11-23 09:45:00 UTC: the fixed 'now' of every scenario."""
AT = NOW - 2.0

SPEC = ClusterSpec(
    vip="10.232.0.10",
    nodes=(
        NodeSpec("m1", "10.232.0.11"),
        NodeSpec("m2", "10.232.0.12"),
        NodeSpec("m3", "10.232.0.13"),
    ),
    lb_kind="haproxy",
    lb_hosts=("m1", "m2", "m3"),
    vrrp_instance="VI_1",
)
REFUSED = ProbeError("apiserver-readyz", "connect to 127.0.0.1:6443: Connection refused")


def read(name: str) -> str:
    return (CAPTURED / name).read_text()


def _ok(value: T | ProbeError) -> T:
    assert not isinstance(value, ProbeError), value
    return value


def addresses(name: str, *, as_m3: bool = False) -> AddressObservation:
    text = read(f"ip-o-addr-{name}.txt")
    if as_m3:
        text = text.replace("10.232.0.12", "10.232.0.13")
    return _ok(parse_ip_addr(text))


def keepalived(scenario: str, host: str, **changes: Any) -> KeepalivedObservation:
    merged = _ok(
        merge_keepalived(
            parse_keepalived_json(read(f"keepalived-json-{scenario}-{host}.json")),
            parse_keepalived_data(read(f"keepalived-data-{scenario}-{host}.txt")),
        )
    )
    if changes:
        (inst,) = merged.instances
        merged = replace(merged, instances=(replace(inst, **changes),))
    return merged


def keepalived_log(host: str) -> KeepalivedLog:
    return parse_keepalived_log(read(f"keepalived-log-m1-rejected-{host}.log"))


def haproxy(state: str) -> HaproxyObservation:
    return _ok(parse_haproxy_stat(read(f"haproxy-show-stat-{state}.csv")))


def etcd(state: str) -> EtcdObservation:
    def err(name: str) -> str:
        return read(name) if state != "healthy" else ""

    return _ok(
        combine_etcd(
            status=parse_etcd_endpoint_status(
                read(f"etcdctl-endpoint-status-{state}.json"),
                err(f"etcdctl-endpoint-status-{state}.stderr"),
            ),
            health=parse_etcd_endpoint_health(
                read(f"etcdctl-endpoint-health-{state}.json"),
                err(f"etcdctl-endpoint-health-{state}.stderr"),
            ),
            members=parse_etcd_member_list(read(f"etcdctl-member-list-{state}.json")),
        )
    )


def health(state: str, endpoint: str = "readyz") -> ApiHealthObservation:
    code = 200 if state == "healthy" else 500
    return _ok(parse_apiserver_health(read(f"{endpoint}-verbose-{state}.txt"), code))


def node(name: str, at: float = AT, **probes: Any) -> NodeObservation:
    wrapped = {k: (None if v is None else Probe(v, at)) for k, v in probes.items()}
    return NodeObservation(name=name, checked_at=at, **wrapped)


def _healthy_nodes(at: float = AT) -> list[NodeObservation]:
    lb, et = haproxy("healthy"), etcd("healthy")
    rz, lz = health("healthy"), health("healthy", "livez")
    common = dict(lb=lb, etcd=et, readyz=rz, livez=lz)
    return [
        node("m1", at, addresses=addresses("healthy-m1"), keepalived=keepalived("healthy", "m1"),
             **common),
        node("m2", at, addresses=addresses("healthy-m2"), keepalived=keepalived("healthy", "m2"),
             **common),
        node("m3", at, addresses=addresses("healthy-m2", as_m3=True),
             keepalived=keepalived("healthy", "m2", effective_priority=111), **common),
    ]  # fmt: skip


def _api_ok(at: float = AT) -> Probe[ApiHealthObservation]:
    return Probe(health("healthy"), at)


def healthy(now: float = NOW) -> ClusterState:
    """VIP on m1 (MASTER 121), everything up, etcd 3/3."""
    return derive(SPEC, _healthy_nodes(now - 2), _api_ok(now - 2), now)


def rejected(now: float = NOW) -> ClusterState:
    """m1's apiserver rejected: its track script BAD, m1 BACKUP 110, the VIP on m2 (112)."""
    at = now - 2
    lb, et, lz = haproxy("m1-rejected"), etcd("healthy"), health("healthy", "livez")
    nodes = [
        node("m1", at, addresses=addresses("m1-rejected-m1"),
             keepalived=keepalived("m1-rejected", "m1"), keepalived_log=keepalived_log("m1"),
             lb=lb, etcd=et, readyz=REFUSED, livez=REFUSED),
        node("m2", at, addresses=addresses("m1-rejected-m2"),
             keepalived=keepalived("m1-rejected", "m2"), keepalived_log=keepalived_log("m2"),
             lb=lb, etcd=et, readyz=health("healthy"), livez=lz),
        node("m3", at, addresses=addresses("healthy-m2", as_m3=True),
             keepalived=keepalived("healthy", "m2", effective_priority=111),
             lb=lb, etcd=et, readyz=health("healthy"), livez=lz),
    ]  # fmt: skip
    return derive(SPEC, nodes, _api_ok(at), now)


def split_brain(now: float = NOW) -> ClusterState:
    """m1 and m2 both hold the VIP (m2's addresses from the capture where it held it)."""
    nodes = _healthy_nodes(now - 2)
    nodes[1] = replace(nodes[1], addresses=Probe(addresses("m1-rejected-m2"), now - 2))
    return derive(SPEC, nodes, _api_ok(now - 2), now)


def quorum_lost(now: float = NOW) -> ClusterState:
    """etcd 0 of 3 healthy; the VIP stays on m1 but the API is not ready."""
    at = now - 2
    et, rz = etcd("quorum-lost"), health("quorum-lost")
    nodes = [
        node("m1", at, addresses=addresses("quorum-lost-m1"),
             keepalived=keepalived("quorum-lost", "m1"), etcd=et, readyz=rz),
        node("m2", at, addresses=addresses("healthy-m2"),
             keepalived=keepalived("m1-rejected", "m1", state=VrrpState.BACKUP,
                                   effective_priority=100, base_priority=100),
             etcd=et, readyz=rz),
    ]  # fmt: skip
    spec = replace(SPEC, nodes=SPEC.nodes[:2], lb_hosts=())
    return derive(spec, nodes, Probe(rz, at), now)


UNREACHABLE_REASON = "host key mismatch for 10.232.0.13"


def unreachable(now: float = NOW) -> ClusterState:
    """m3's SSH fails on its host key; m1 and m2 are healthy."""
    nodes = _healthy_nodes(now - 2)
    nodes[2] = NodeObservation.unreachable(
        "m3", UNREACHABLE_REASON, retry_at=now + 8, checked_at=now - 2
    )
    return derive(SPEC, nodes, _api_ok(now - 2), now)


SCENARIOS = {
    "healthy": healthy,
    "rejected": rejected,
    "split_brain": split_brain,
    "quorum_lost": quorum_lost,
    "unreachable": unreachable,
}
