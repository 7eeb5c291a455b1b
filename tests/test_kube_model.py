"""Node Ready and leader leases in the model, `hatui status` and recordings, without a lab.

The Kubernetes API observations come from the real-shaped answers in tests/fixtures/kube
(parsed), the rest of the state from the real captures test_status_render assembles.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from hatui.model import ClusterState, Probe, Verdict, derive
from hatui.model.derive import LEASE_GRACE_S
from hatui.observations import (
    ApiHealthObservation,
    KubeApiObservation,
    KubeNodeList,
    LeaderLease,
    ProbeError,
)
from hatui.parsers import parse_lease, parse_node_list
from hatui.recording import from_json, to_json
from hatui.status_cmd import render_table, status_document
from test_status_render import INVENTORY, NOW, SPEC, api_ok, healthy_nodes

KUBE = Path(__file__).parent / "fixtures" / "kube"
SERVER = "https://10.232.0.10:16443"


def node_list(name: str) -> KubeNodeList:
    result = parse_node_list((KUBE / name).read_text(), 200)
    assert isinstance(result, KubeNodeList), result
    return result


def live_lease(name: str, holder: str, renewed_ago: float = 1.0) -> LeaderLease:
    fixture = "kube-lease-controller-manager.json"
    lease = parse_lease((KUBE / fixture).read_text(), 200)
    assert isinstance(lease, LeaderLease), lease
    return replace(
        lease,
        name=name,
        holder_identity=f"{holder}_0b1b6fb7-55d4-4a8b-b560-bc283491de73",
        renew_time=NOW - 1 - renewed_ago,
    )


def kube(
    nodes: KubeNodeList | ProbeError | None = None,
    cm: LeaderLease | ProbeError | None = None,
    sched: LeaderLease | ProbeError | None = None,
) -> Probe[KubeApiObservation]:
    return Probe(
        KubeApiObservation(
            server=SERVER,
            nodes=nodes if nodes is not None else node_list("kube-nodelist-healthy.json"),
            controller_manager=cm or live_lease("kube-controller-manager", "ubuntu238"),
            scheduler=sched or live_lease("kube-scheduler", "ubuntu239"),
        ),
        observed_at=NOW - 1,
    )


def state_with(probe: Probe[KubeApiObservation] | None, api: object = None) -> ClusterState:
    via_vip = api_ok() if api is None else api
    return derive(SPEC, healthy_nodes(), via_vip, NOW, kube_api=probe)  # type: ignore[arg-type]


def test_all_ready_and_both_leaders_is_healthy() -> None:
    state = state_with(kube())
    assert state.verdict is Verdict.HEALTHY, state.verdicts.reasons
    v = state.verdicts
    assert v.nodes_not_ready == ()
    assert (v.controller_manager_leader, v.scheduler_leader) == ("ubuntu238", "ubuntu239")
    assert state.kube_api is not None and state.age(NOW) == 1


def test_without_kubeconfig_nothing_changes() -> None:
    state = state_with(None)
    assert state.verdict is Verdict.HEALTHY and state.kube_api is None
    assert state.verdicts.controller_manager_leader is None
    assert status_document(state, INVENTORY)["kube_api"] is None
    assert "k8s" not in render_table(state, INVENTORY)


def test_not_ready_nodes_are_degraded_with_the_kubelets_words() -> None:
    state = state_with(kube(nodes=node_list("kube-nodelist-notready.json")))
    assert state.verdict is Verdict.DEGRADED
    reasons = state.verdicts.reasons
    assert "node ubuntu239 NotReady: Kubelet stopped posting node status." in reasons
    assert any(
        r.startswith("node ubuntu240 NotReady: container runtime network not ready")
        for r in reasons
    )
    assert not any("ubuntu238" in r for r in reasons)  # cordoned, but Ready
    assert state.verdicts.nodes_not_ready == ("ubuntu239", "ubuntu240")


def test_expired_released_and_missing_leases() -> None:
    stale = live_lease("kube-controller-manager", "ubuntu238", renewed_ago=15 + LEASE_GRACE_S + 1)
    almost = live_lease("kube-scheduler", "ubuntu239", renewed_ago=15 + LEASE_GRACE_S - 1)
    state = state_with(kube(cm=stale, sched=almost))
    assert state.verdicts.reasons == (
        "kube-controller-manager has no leader: ubuntu238's lease was last renewed 21 s ago",
    )
    assert state.verdicts.controller_manager_leader is None
    assert state.verdicts.scheduler_leader == "ubuntu239"

    released = parse_lease((KUBE / "kube-lease-released.json").read_text(), 200)
    missing = parse_lease((KUBE / "kube-status-404-lease-not-found.json").read_text(), 404)
    assert isinstance(released, LeaderLease) and isinstance(missing, ProbeError)
    state = state_with(kube(cm=released, sched=missing))
    assert state.verdict is Verdict.DEGRADED
    assert state.verdicts.reasons == (
        "kube-controller-manager has no leader: its lease is not held",
        'kube-scheduler lease: HTTP 404: leases.coordination.k8s.io "kube-scheduler" not found',
    )


def test_forbidden_nodes_and_an_api_that_does_not_answer() -> None:
    forbidden = parse_node_list((KUBE / "kube-status-403-nodes-forbidden.json").read_text(), 403)
    assert isinstance(forbidden, ProbeError)
    state = state_with(kube(nodes=forbidden))
    assert state.verdict is Verdict.DEGRADED
    assert state.verdicts.reasons[0].startswith("Kubernetes API: nodes: HTTP 403: nodes is")

    down: Probe[KubeApiObservation] = Probe(
        ProbeError("kube-api", f"{SERVER}: connection refused"), NOW - 1
    )
    state = state_with(down)
    assert state.verdicts.reasons == (f"Kubernetes API: {SERVER}: connection refused",)
    # when the API is down through the VIP, that reason says it: no second one
    refused: Probe[ApiHealthObservation] = Probe(
        ProbeError("api-via-vip", "10.232.0.10:16443: connection refused"), NOW - 1
    )
    state = state_with(down, api=refused)
    assert state.verdict is Verdict.API_DOWN
    assert not any(r.startswith("Kubernetes API") for r in state.verdicts.reasons)
    # nor when some requests got an error answer (etcd without quorum: 500s), but a NotReady
    # node is still news
    timeout = parse_node_list((KUBE / "kube-status-500-etcd-timeout.json").read_text(), 500)
    assert isinstance(timeout, ProbeError)
    lease_timeout = ProbeError("kube-lease", "HTTP 500: etcdserver: request timed out")
    state = state_with(kube(nodes=timeout, cm=lease_timeout), api=refused)
    assert [r for r in state.verdicts.reasons if "etcdserver" in r] == []
    state = state_with(kube(nodes=node_list("kube-nodelist-notready.json")), api=refused)
    assert "node ubuntu239 NotReady: Kubelet stopped posting node status." in (
        state.verdicts.reasons
    )


def test_stale_kube_data_is_ignored_with_max_age() -> None:
    old = replace(kube(nodes=node_list("kube-nodelist-notready.json")), observed_at=NOW - 60)
    state = derive(SPEC, healthy_nodes(), api_ok(), NOW, kube_api=old, max_age=10)
    assert "the Kubernetes API data is 60 s old" in state.verdicts.reasons
    assert state.verdicts.nodes_not_ready == ()


def test_table_lines() -> None:
    table = render_table(state_with(kube()), INVENTORY).splitlines()
    api = table.index("API via 10.232.0.10:16443: ok")
    assert table[api + 1] == "k8s nodes: ubuntu238 Ready, ubuntu239 Ready, ubuntu240 Ready"
    assert table[api + 2] == "k8s leaders: controller-manager ubuntu238, scheduler ubuntu239"

    stale = live_lease("kube-scheduler", "ubuntu239", renewed_ago=60)
    state = state_with(kube(nodes=node_list("kube-nodelist-notready.json"), sched=stale))
    table = render_table(state, INVENTORY).splitlines()
    assert (
        "k8s nodes: ubuntu238 Ready,SchedulingDisabled, ubuntu239 NotReady, ubuntu240 NotReady"
        in table
    )
    assert (
        "k8s leaders: controller-manager ubuntu238, scheduler NONE (ubuntu239's lease expired)"
        in table
    )
    coloured = render_table(state, INVENTORY, color=True)
    assert "\x1b[31mubuntu239 NotReady\x1b[0m" in coloured

    down: Probe[KubeApiObservation] = Probe(
        ProbeError("kube-api", "kubeconfig /x: No such file or directory"), NOW - 1
    )
    table = render_table(state_with(down), INVENTORY).splitlines()
    assert "k8s API: FAILED: kubeconfig /x: No such file or directory" in table


def test_json_document() -> None:
    missing = parse_lease((KUBE / "kube-status-404-lease-not-found.json").read_text(), 404)
    state = state_with(kube(nodes=node_list("kube-nodelist-notready.json"), sched=missing))
    doc = status_document(state, INVENTORY)
    assert json.loads(json.dumps(doc)) == doc
    k = doc["kube_api"]
    assert list(k) == [
        "observed_at",
        "error",
        "server",
        "nodes_error",
        "nodes",
        "not_ready",
        "leases",
    ]
    assert (k["server"], k["error"], k["nodes_error"]) == (SERVER, None, None)
    assert k["not_ready"] == ["ubuntu239", "ubuntu240"]
    m2 = k["nodes"][1]
    assert m2 == {
        "name": "ubuntu239",
        "status": "NotReady",
        "ready": "Unknown",
        "reason": "NodeStatusUnknown",
        "message": "Kubelet stopped posting node status.",
        "last_heartbeat": m2["last_heartbeat"],
        "last_transition": m2["last_transition"],
        "control_plane": True,
        "internal_ip": "192.168.6.239",
        "kubelet_version": "v1.30.0",
        "unschedulable": False,
    }
    cm = k["leases"]["kube-controller-manager"]
    assert (cm["error"], cm["leader"], cm["holder"], cm["lease_duration_s"]) == (
        None,
        "ubuntu238",
        "ubuntu238",
        15,
    )
    assert cm["transitions"] == 7 and cm["renew_time"] == NOW - 2
    assert k["leases"]["kube-scheduler"]["error"]["source"] == "kube-lease"
    docs = (Path(__file__).parent.parent / "docs" / "status-json.md").read_text()
    for key in [*k, *m2, *cm]:
        assert f"`{key}`" in docs, key

    down: Probe[KubeApiObservation] = Probe(ProbeError("kube-api", "refused"), NOW - 1)
    doc = status_document(state_with(down), INVENTORY)
    assert doc["kube_api"] == {
        "observed_at": NOW - 1,
        "error": {"source": "kube-api", "message": "refused", "excerpt": ""},
    }


def test_recording_round_trips_the_kube_api_fields() -> None:
    for probe in (
        kube(nodes=node_list("kube-nodelist-notready.json")),
        kube(sched=ProbeError("kube-lease", "HTTP 404: not found")),
        Probe(ProbeError("kube-api", "refused"), NOW - 1),
        None,
    ):
        state = state_with(probe)  # type: ignore[arg-type]
        assert from_json(to_json(state)) == state


def test_old_recordings_without_the_fields_still_load() -> None:
    state = state_with(None)
    line = json.loads(to_json(state))
    del line["state"]["kube_api"]
    for key in ("nodes_not_ready", "controller_manager_leader", "scheduler_leader"):
        del line["state"]["verdicts"][key]
    assert from_json(json.dumps(line)) == state
