"""`derive` on clusters assembled from the real captures (healthy, m1's apiserver rejected,
etcd quorum lost) and on hand-built edge cases: split brain, outage, ties, FAULT/STOP,
nopreempt, unreachable nodes, stale data, and the verdict precedence."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pytest

from hatui.model import (
    ClusterSpec,
    ClusterState,
    NodeObservation,
    NodeSpec,
    Probe,
    Verdict,
    derive,
)
from hatui.model.state import EtcdQuorum
from hatui.observations import (
    AddressObservation,
    ApiHealthObservation,
    BackendConnect,
    EtcdObservation,
    EtcdStatusResult,
    HaproxyObservation,
    KeepalivedObservation,
    LvsObservation,
    NginxObservation,
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
    parse_ipvsadm,
    parse_keepalived_data,
    parse_keepalived_json,
)

T = TypeVar("T")
CAPTURED = Path(__file__).parent / "fixtures" / "captured"
HANDMADE = Path(__file__).parent / "fixtures" / "handmade"
NOW = 1795427100.0
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


def read(name: str) -> str:
    return (CAPTURED / name).read_text()


# --- building blocks from the captures -----------------------------------------------------


def addresses(name: str, *, as_m3: bool = False) -> AddressObservation:
    text = read(f"ip-o-addr-{name}.txt")
    if as_m3:  # m3 was not captured: m2's output with m3's address
        text = text.replace("10.232.0.12", "10.232.0.13")
    obs = parse_ip_addr(text)
    assert isinstance(obs, AddressObservation)
    return obs


def keepalived(scenario: str, host: str, **changes: Any) -> KeepalivedObservation:
    """Both real dumps of one node merged; `changes` edit its one instance (for m3)."""
    merged = merge_keepalived(
        parse_keepalived_json(read(f"keepalived-json-{scenario}-{host}.json")),
        parse_keepalived_data(read(f"keepalived-data-{scenario}-{host}.txt")),
    )
    assert isinstance(merged, KeepalivedObservation)
    if changes:
        (inst,) = merged.instances
        merged = replace(merged, instances=(replace(inst, **changes),))
    return merged


def haproxy(state: str) -> HaproxyObservation:
    obs = parse_haproxy_stat(read(f"haproxy-show-stat-{state}.csv"))
    assert isinstance(obs, HaproxyObservation)
    return obs


def etcd(state: str) -> EtcdObservation:
    def err(name: str) -> str:
        return read(name) if state != "healthy" else ""

    obs = combine_etcd(
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
    assert isinstance(obs, EtcdObservation)
    return obs


def readyz(state: str) -> ApiHealthObservation:
    code = 200 if state == "healthy" else 500
    obs = parse_apiserver_health(read(f"readyz-verbose-{state}.txt"), code)
    assert isinstance(obs, ApiHealthObservation)
    return obs


REFUSED = ProbeError("apiserver-readyz", "connect to 127.0.0.1:6443: Connection refused")


def node(
    name: str,
    *,
    addr: AddressObservation | ProbeError | None = None,
    ka: KeepalivedObservation | ProbeError | None = None,
    lb: HaproxyObservation | NginxObservation | LvsObservation | ProbeError | None = None,
    etcd_obs: EtcdObservation | ProbeError | None = None,
    ready: ApiHealthObservation | ProbeError | None = None,
    at: float = AT,
) -> NodeObservation:
    def p(v: T | ProbeError | None) -> Probe[T] | None:
        return None if v is None else Probe(v, at)

    return NodeObservation(
        name=name,
        checked_at=at,
        addresses=p(addr),
        keepalived=p(ka),
        lb=p(lb),
        etcd=p(etcd_obs),
        readyz=p(ready),
    )


def healthy_nodes() -> list[NodeObservation]:
    lb, et, rz = haproxy("healthy"), etcd("healthy"), readyz("healthy")
    return [
        node(
            "m1",
            addr=addresses("healthy-m1"),
            ka=keepalived("healthy", "m1"),
            lb=lb,
            etcd_obs=et,
            ready=rz,
        ),
        node(
            "m2",
            addr=addresses("healthy-m2"),
            ka=keepalived("healthy", "m2"),
            lb=lb,
            etcd_obs=et,
            ready=rz,
        ),
        node(
            "m3",
            addr=addresses("healthy-m2", as_m3=True),
            ka=keepalived("healthy", "m2", effective_priority=111),
            lb=lb,
            etcd_obs=et,
            ready=rz,
        ),
    ]


def api_ok() -> Probe[ApiHealthObservation]:
    return Probe(readyz("healthy"), AT)


# --- the captured scenarios ----------------------------------------------------------------


def test_healthy_cluster() -> None:
    state = derive(SPEC, healthy_nodes(), api_ok(), NOW)
    v = state.verdicts
    assert state.verdict is Verdict.HEALTHY and v.reasons == ()
    assert v.vip_holder == "m1" and not v.split_brain and not v.vip_outage
    assert (v.expected_master, v.expected_priority) == ("m1", 121)
    assert v.vrrp_masters == ("m1",)
    assert v.api_via_vip is True
    assert [(b.node, b.up, b.total) for b in v.lb] == [("m1", 3, 3), ("m2", 3, 3), ("m3", 3, 3)]
    assert v.etcd == EtcdQuorum(members=3, healthy=3, unknown=0, leader="m1")
    assert v.etcd.needed == 2 and v.etcd.tolerates == 1 and v.etcd.has_quorum is True


def test_m1_apiserver_rejected_is_degraded_with_reasons() -> None:
    """Seed 000 step 3 on the real daemons: VIP on m2 (112), m1 BACKUP at 110."""
    lb = haproxy("m1-rejected")
    nodes = [
        node(
            "m1",
            addr=addresses("m1-rejected-m1"),
            ka=keepalived("m1-rejected", "m1"),
            lb=lb,
            ready=REFUSED,
        ),
        node(
            "m2",
            addr=addresses("m1-rejected-m2"),
            ka=keepalived("m1-rejected", "m2"),
            lb=lb,
            ready=readyz("healthy"),
        ),
        node(
            "m3",
            addr=addresses("healthy-m2", as_m3=True),
            ka=keepalived("healthy", "m2", effective_priority=111),
            lb=lb,
            ready=readyz("healthy"),
        ),
    ]
    state = derive(SPEC, nodes, api_ok(), NOW)
    v = state.verdicts
    assert state.verdict is Verdict.DEGRADED
    assert v.vip_holder == "m2" and (v.expected_master, v.expected_priority) == ("m2", 112)
    text = "\n".join(v.reasons)
    assert "m1: readyz: connect to 127.0.0.1:6443: Connection refused" in text
    assert "m1: track script CheckK8sMaster BAD, weight 11, priority 110" in text
    assert "m2: haproxy kubernetes-apiserver: 2 of 3 backends up (m1)" in text
    assert "should elect" not in text  # the VIP is where VRRP puts it


def test_quorum_lost_wins_over_api_down() -> None:
    """Seed 003's lesson on the real daemons: VIP stays on m1, API down, etcd 0 of 3."""
    et, rz = etcd("quorum-lost"), readyz("quorum-lost")
    nodes = [
        node(
            "m1",
            addr=addresses("quorum-lost-m1"),
            ka=keepalived("quorum-lost", "m1"),
            etcd_obs=et,
            ready=rz,
        ),
        node(
            "m2",
            addr=addresses("healthy-m2"),
            ka=keepalived(
                "m1-rejected",
                "m1",
                state=VrrpState.BACKUP,
                effective_priority=100,
                base_priority=100,
            ),
            ready=rz,
        ),
    ]
    spec = replace(SPEC, nodes=SPEC.nodes[:2], lb_hosts=())
    api = Probe(rz, AT)
    state = derive(spec, nodes, api, NOW)
    v = state.verdicts
    assert state.verdict is Verdict.QUORUM_LOST
    assert v.etcd is not None and (v.etcd.healthy, v.etcd.needed, v.etcd.has_quorum) == (
        0,
        2,
        False,
    )
    assert v.etcd.leader is None and v.etcd.tolerates == -2
    assert v.api_via_vip is False and v.vip_holder == "m1"
    assert v.reasons[0] == "etcd has lost quorum: 0 of 3 members healthy, 2 needed"
    assert any("not ready (failed: etcd, etcd-readiness)" in r for r in v.reasons)
    assert (v.expected_master, v.expected_priority) == ("m1", 110)


def test_split_brain_wins_over_everything() -> None:
    nodes = healthy_nodes()
    nodes[1] = replace(nodes[1], addresses=Probe(addresses("m1-rejected-m2"), AT))
    nodes = [replace(n, etcd=Probe(etcd("quorum-lost"), AT)) for n in nodes]
    state = derive(SPEC, nodes, Probe(REFUSED, AT), NOW)
    assert state.verdict is Verdict.SPLIT_BRAIN
    assert state.verdicts.vip_holders == ("m1", "m2") and state.verdicts.split_brain
    assert state.verdicts.reasons[0] == "VIP 10.232.0.10 is on m1 and m2 (split brain)"
    # the lesser findings are still listed, most severe first
    assert any(r.startswith("etcd has lost quorum") for r in state.verdicts.reasons)
    assert any(r.startswith("API not reachable") for r in state.verdicts.reasons)


# --- VIP and VRRP --------------------------------------------------------------------------


def test_no_holder_is_an_outage() -> None:
    nodes = healthy_nodes()
    nodes[0] = replace(nodes[0], addresses=Probe(addresses("m1-rejected-m1"), AT))
    state = derive(SPEC, nodes, None, NOW)
    assert state.verdict is Verdict.API_DOWN and state.verdicts.vip_outage
    assert "no node holds the VIP 10.232.0.10" in state.verdicts.reasons


def test_holder_unknown_when_a_node_is_unreachable() -> None:
    nodes = healthy_nodes()
    nodes[0] = NodeObservation.unreachable("m1", "connect timeout", retry_at=NOW + 4, checked_at=AT)
    state = derive(SPEC, nodes, api_ok(), NOW)
    v = state.verdicts
    assert state.verdict is Verdict.DEGRADED
    assert v.vip_holders == () and v.vip_unknown_on == ("m1",) and not v.vip_outage
    assert "m1: unreachable: connect timeout (retry in 4 s)" in v.reasons
    assert "VIP 10.232.0.10 is on no reachable node (m1 unknown)" in v.reasons
    assert v.expected_master == "m2"  # among the nodes it knows


def test_unreachable_node_data_is_ignored() -> None:
    nodes = healthy_nodes()
    nodes[1] = replace(
        nodes[1],
        reachable=False,
        unreachable_reason="sshd stopped",
        addresses=Probe(addresses("m1-rejected-m2"), AT),
    )
    state = derive(SPEC, nodes, api_ok(), NOW)
    assert state.verdicts.vip_holders == ("m1",)  # m2's stale VIP does not make a split brain


def test_failover_in_progress_is_reported() -> None:
    nodes = healthy_nodes()
    nodes[0] = replace(
        nodes[0], keepalived=Probe(keepalived("quorum-lost", "m1"), AT)
    )  # MASTER 110
    state = derive(SPEC, nodes, api_ok(), NOW)
    assert state.verdict is Verdict.DEGRADED
    assert (state.verdicts.expected_master, state.verdicts.expected_priority) == ("m2", 112)
    assert any("VRRP should elect m2 (priority 112)" in r for r in state.verdicts.reasons)


def test_nopreempt_holder_is_not_a_fault() -> None:
    nodes = healthy_nodes()
    nodes[0] = replace(
        nodes[0], keepalived=Probe(keepalived("quorum-lost", "m1", nopreempt=True), AT)
    )
    state = derive(SPEC, nodes, api_ok(), NOW)
    assert not any("should elect" in r for r in state.verdicts.reasons)


def test_tie_goes_to_the_higher_ip() -> None:
    nodes = healthy_nodes()
    nodes[0] = replace(
        nodes[0], keepalived=Probe(keepalived("healthy", "m1", effective_priority=112), AT)
    )
    nodes[2] = replace(
        nodes[2], keepalived=Probe(keepalived("healthy", "m2", effective_priority=112), AT)
    )
    state = derive(SPEC, nodes, api_ok(), NOW)
    assert state.verdicts.expected_master == "m3"  # 10.232.0.13 > .12 > .11


def test_tie_uses_keepalived_src_ip_when_inventory_has_names() -> None:
    spec = replace(SPEC, nodes=tuple(NodeSpec(n.name, f"{n.name}.example.com") for n in SPEC.nodes))
    nodes = healthy_nodes()
    nodes[0] = replace(
        nodes[0], keepalived=Probe(keepalived("healthy", "m1", effective_priority=112), AT)
    )
    nodes[2] = replace(
        nodes[2],
        keepalived=Probe(
            keepalived("healthy", "m2", effective_priority=112, src_ip="10.232.0.9"), AT
        ),
    )
    state = derive(spec, nodes, api_ok(), NOW)
    assert state.verdicts.expected_master == "m2"  # src_ip .12 beats .11 and m3's .9


def test_fault_and_stopped_nodes_are_not_candidates() -> None:
    nodes = healthy_nodes()
    nodes[0] = replace(
        nodes[0], keepalived=Probe(keepalived("healthy", "m1", state=VrrpState.FAULT), AT)
    )
    nodes[1] = replace(nodes[1], keepalived=Probe(KeepalivedObservation.stopped(), AT))
    state = derive(SPEC, nodes, api_ok(), NOW)
    v = state.verdicts
    assert v.expected_master == "m3"
    assert "m1: VRRP instance VI_1 is FAULT" in v.reasons
    assert "m2: keepalived is not running" in v.reasons
    assert "m1 holds the VIP but its keepalived is FAULT" in v.reasons


def test_vip_left_behind_by_a_dead_keepalived() -> None:
    nodes = healthy_nodes()
    nodes[0] = replace(nodes[0], keepalived=Probe(KeepalivedObservation.stopped(), AT))
    state = derive(SPEC, nodes, api_ok(), NOW)
    assert "m1 holds the VIP but its keepalived is not running" in state.verdicts.reasons
    assert state.verdicts.expected_master == "m2"


def test_keepalived_vipset_stands_in_for_unreadable_addresses() -> None:
    nodes = healthy_nodes()
    nodes[0] = replace(nodes[0], addresses=Probe(ProbeError("ip-addr", "ip: not found"), AT))
    state = derive(SPEC, nodes, api_ok(), NOW)
    assert state.verdicts.vip_holders == ("m1",)
    assert "m1: addresses: ip: not found" in state.verdicts.reasons


def test_two_keepalived_masters_without_vip_split() -> None:
    nodes = healthy_nodes()
    nodes[1] = replace(nodes[1], keepalived=Probe(keepalived("m1-rejected", "m2"), AT))
    state = derive(SPEC, nodes, api_ok(), NOW)
    assert state.verdicts.vrrp_masters == ("m1", "m2")
    assert "keepalived reports MASTER on m1 and m2" in state.verdicts.reasons


def test_missing_instance_is_reported() -> None:
    spec = replace(SPEC, vrrp_instance="VI_9")
    state = derive(spec, healthy_nodes(), api_ok(), NOW)
    assert "m1: keepalived has no VI_9" in state.verdicts.reasons


# --- API, LB ---------------------------------------------------------------------------------


def test_api_via_vip_refused_403_counts_as_reachable() -> None:
    forbidden = ApiHealthObservation("readyz", ok=False, status_code=403, message="HTTP 403")
    state = derive(SPEC, healthy_nodes(), Probe(forbidden, AT), NOW)
    assert state.verdicts.api_via_vip is True and state.verdict is Verdict.HEALTHY


def test_without_jump_host_check_all_readyz_failing_is_api_down() -> None:
    nodes = [replace(n, readyz=Probe(readyz("quorum-lost"), AT)) for n in healthy_nodes()]
    state = derive(SPEC, nodes, None, NOW)
    assert state.verdict is Verdict.API_DOWN and "no apiserver is ready" in state.verdicts.reasons
    assert state.verdicts.api_via_vip is None


def test_without_jump_host_check_holder_lb_with_no_backend_is_api_down() -> None:
    text = read("haproxy-show-stat-m1-rejected.csv").replace(
        ",UP,1,1,0,0,0,55,", ",DOWN,1,1,0,0,0,55,"
    )
    all_down = parse_haproxy_stat(text)
    assert isinstance(all_down, HaproxyObservation)
    nodes = healthy_nodes()
    nodes[0] = replace(nodes[0], lb=Probe(all_down, AT))
    state = derive(SPEC, nodes, None, NOW)
    assert state.verdict is Verdict.API_DOWN
    assert "the VIP holder m1 has no API backend up" in state.verdicts.reasons


def test_nginx_backends_from_connects() -> None:
    spec = replace(SPEC, lb_kind="nginx")
    nginx = NginxObservation(
        connects=(
            BackendConnect("10.232.0.11:6443", ok=False, error="Connection refused"),
            BackendConnect("10.232.0.12:6443", ok=True),
            BackendConnect("10.232.0.13:6443", ok=True),
        )
    )
    nodes = [replace(n, lb=Probe(nginx, AT)) for n in healthy_nodes()]
    state = derive(spec, nodes, api_ok(), NOW)
    m1 = state.verdicts.lb[0]
    assert (m1.kind, m1.up, m1.total, m1.down) == ("nginx", 2, 3, ("10.232.0.11:6443",))


def test_lvs_missing_and_quiesced_real_servers_are_down() -> None:
    spec = replace(SPEC, lb_kind="lvs")
    lvs = parse_ipvsadm((HANDMADE / "ipvsadm-m1-removed.txt").read_text())
    assert isinstance(lvs, LvsObservation)
    nodes = [replace(n, lb=Probe(lvs, AT)) for n in healthy_nodes()]
    state = derive(spec, nodes, api_ok(), NOW)
    m1 = state.verdicts.lb[0]
    assert (m1.kind, m1.proxy, m1.up, m1.total) == ("lvs", "TCP 10.232.0.10:16443", 1, 3)
    assert m1.down == ("10.232.0.12:6443", "m1")


def test_lvs_keeps_only_the_vip_service() -> None:
    lvs = parse_ipvsadm((HANDMADE / "ipvsadm-healthy.txt").read_text())
    assert isinstance(lvs, LvsObservation)
    nodes = [replace(n, lb=Probe(lvs, AT)) for n in healthy_nodes()]
    state = derive(replace(SPEC, lb_kind="lvs"), nodes, api_ok(), NOW)
    assert {b.proxy for b in state.verdicts.lb} == {"TCP 10.232.0.10:16443"}
    assert state.verdict is Verdict.HEALTHY


# --- etcd ------------------------------------------------------------------------------------


def test_etcd_one_member_down_still_has_quorum() -> None:
    et = etcd("healthy")
    m3_down = replace(
        et, members=tuple(replace(m, healthy=False) if m.name == "m3" else m for m in et.members)
    )
    nodes = [replace(n, etcd=Probe(m3_down, AT)) for n in healthy_nodes()]
    state = derive(SPEC, nodes, api_ok(), NOW)
    q = state.verdicts.etcd
    assert q is not None and (q.healthy, q.tolerates, q.has_quorum) == (2, 0, True)
    assert state.verdict is Verdict.DEGRADED
    assert "etcd m3 unhealthy: 2 of 3 healthy, tolerates 0 more failures" in state.verdicts.reasons


def test_etcd_views_merge_across_nodes() -> None:
    """Each node reports only its own member healthy; together they make quorum."""
    et = etcd("healthy")
    nodes = healthy_nodes()
    merged = []
    for n in nodes:
        own = replace(
            et,
            members=tuple(m if m.name == n.name else replace(m, healthy=None) for m in et.members),
        )
        merged.append(replace(n, etcd=Probe(own, AT)))
    q = derive(SPEC, merged, api_ok(), NOW).verdicts.etcd
    assert q is not None and (q.healthy, q.unknown, q.has_quorum) == (3, 0, True)


def test_etcd_uncertain_when_members_unknown() -> None:
    local = parse_etcd_endpoint_status(read("etcdctl-endpoint-status-local-quorum-lost.json"))
    assert isinstance(local, EtcdStatusResult)
    view = combine_etcd(
        status=local, members=parse_etcd_member_list(read("etcdctl-member-list-quorum-lost.json"))
    )
    assert isinstance(view, EtcdObservation)
    nodes = healthy_nodes()
    nodes = [replace(nodes[0], etcd=Probe(view, AT))] + [replace(n, etcd=None) for n in nodes[1:]]
    state = derive(SPEC, nodes, api_ok(), NOW)
    q = state.verdicts.etcd
    assert q is not None and (q.healthy, q.unknown, q.has_quorum) == (0, 2, None)
    assert state.verdict is Verdict.DEGRADED
    assert "etcd quorum uncertain: 0 healthy, 2 unknown, 2 needed" in state.verdicts.reasons


def test_etcd_alarm_is_reported() -> None:
    from hatui.observations import EtcdAlarm

    et = replace(etcd("healthy"), alarms=(EtcdAlarm("c9e915abbc438425", "NOSPACE"),))
    nodes = [replace(n, etcd=Probe(et, AT)) for n in healthy_nodes()]
    state = derive(SPEC, nodes, api_ok(), NOW)
    assert "etcd alarm NOSPACE on m1" in state.verdicts.reasons


@pytest.mark.parametrize(("members", "needed"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (7, 4)])
def test_quorum_arithmetic(members: int, needed: int) -> None:
    q = EtcdQuorum(members=members, healthy=needed)
    assert q.needed == needed and q.tolerates == 0 and q.has_quorum is True
    assert EtcdQuorum(members=members, healthy=needed - 1).has_quorum is False


# --- unknown, staleness, ages ------------------------------------------------------------------


def test_every_node_unreachable_is_unknown() -> None:
    nodes = [
        NodeObservation.unreachable(n.name, "connection refused", retry_at=None, checked_at=AT)
        for n in SPEC.nodes
    ]
    state = derive(SPEC, nodes, None, NOW)
    assert state.verdict is Verdict.UNKNOWN
    assert state.verdicts.reasons[0] == "no node could be observed"
    assert "m2: unreachable: connection refused" in state.verdicts.reasons


def test_every_node_unreachable_but_api_down_is_api_down() -> None:
    nodes = [
        NodeObservation.unreachable(n.name, "no route to host", retry_at=None, checked_at=AT)
        for n in SPEC.nodes
    ]
    state = derive(SPEC, nodes, Probe(REFUSED, AT), NOW)
    assert state.verdict is Verdict.API_DOWN


def test_no_observations_at_all_is_unknown() -> None:
    state = derive(SPEC, [], None, NOW)
    assert state.verdict is Verdict.UNKNOWN
    assert "m1: not observed yet" in state.verdicts.reasons
    assert state.age(NOW + 5) == 5.0  # nothing observed: age since derivation


def test_stale_probes_are_ignored_with_max_age() -> None:
    nodes = healthy_nodes()
    nodes[1] = replace(nodes[1], addresses=Probe(addresses("m1-rejected-m2"), NOW - 60))
    fresh = derive(SPEC, nodes, api_ok(), NOW, max_age=10)
    assert fresh.verdicts.vip_holders == ("m1",)
    assert "m2: addresses data is 60 s old" in fresh.verdicts.reasons
    without_limit = derive(SPEC, nodes, api_ok(), NOW)
    assert without_limit.verdict is Verdict.SPLIT_BRAIN


def test_ages() -> None:
    nodes = healthy_nodes()
    nodes[2] = replace(nodes[2], readyz=Probe(readyz("healthy"), NOW - 30))
    state = derive(SPEC, nodes, api_ok(), NOW)
    assert state.age(NOW) == 30.0
    m1, m3 = state.node("m1"), state.node("m3")
    assert m1 is not None and m3 is not None
    assert (m1.age(NOW), m3.age(NOW)) == (2.0, 30.0)
    assert state.derived_at == NOW
    p = Probe(REFUSED, NOW - 3)
    assert p.age(NOW) == 3 and p.value is None and p.error is REFUSED


def test_state_is_frozen_and_ordered_like_the_spec() -> None:
    nodes = list(reversed(healthy_nodes()))
    state = derive(SPEC, nodes, api_ok(), NOW)
    assert [n.name for n in state.nodes] == ["m1", "m2", "m3"]
    assert isinstance(state, ClusterState)
    with pytest.raises(AttributeError):
        state.derived_at = 0.0


def test_spec_from_inventory() -> None:
    from hatui.inventory import load_inventory

    inv = load_inventory(str(Path(__file__).parent.parent / "sample-inventory.yaml"))
    spec = ClusterSpec.from_inventory(inv)
    assert spec.vip == "192.168.6.236" and spec.vrrp_instance == "VI_1"
    assert [n.name for n in spec.nodes] == ["m1", "m2", "m3"]
    assert spec.nodes[2].ip is None and spec.nodes[0].ip is not None
    assert spec.lb_hosts == ("m1", "m2", "m3") and spec.lb_kind == "haproxy"
