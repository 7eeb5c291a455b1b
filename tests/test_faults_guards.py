"""Guards over hand-built `ClusterState`s (through the model's own `derive`): which faults
need confirmation, and the consequence they name."""

from __future__ import annotations

from dataclasses import replace

import pytest

from faultkit import NAMES, cluster
from hatui.faults.guards import consequence
from hatui.faults.kinds import FaultKind
from hatui.model import Probe
from hatui.observations import EtcdObservation, VrrpState

HEALTHY = cluster()


@pytest.mark.parametrize("kind", list(FaultKind))
@pytest.mark.parametrize("target", NAMES)
def test_a_healthy_cluster_needs_no_confirmation(kind: FaultKind, target: str) -> None:
    assert consequence(HEALTHY, kind, target) is None


def test_stopping_a_second_etcd_member_breaks_quorum() -> None:
    one_down = cluster(etcd_healthy={"m3": False})
    assert one_down.verdicts.etcd is not None and one_down.verdicts.etcd.healthy == 2
    assert consequence(one_down, FaultKind.ETCD_STOP, "m2") == (
        "etcd loses quorum: stopping etcd on m2 leaves 1 of 3 members healthy, 2 needed, "
        "so writes stop and the API goes down"
    )
    assert "isolating m1 leaves 1 of 3" in (consequence(one_down, FaultKind.ISOLATE, "m1") or "")
    # the member already down: stopping it again changes nothing
    assert consequence(one_down, FaultKind.ETCD_STOP, "m3") is None
    # other faults on the same node do not touch etcd
    assert consequence(one_down, FaultKind.APISERVER_REJECT, "m2") is None


def test_etcd_without_quorum_already_stays_without() -> None:
    lost = cluster(etcd_healthy={"m2": False, "m3": False})
    text = consequence(lost, FaultKind.ETCD_STOP, "m1")
    assert text is not None and text.startswith("etcd stays without quorum: stopping etcd on m1")


def test_unknown_quorum_asks() -> None:
    state = cluster(with_etcd=False)
    assert state.verdicts.etcd is None
    assert consequence(state, FaultKind.ETCD_STOP, "m1") == (
        "etcd quorum is unknown (no master reported it): stopping etcd on m1 may break it"
    )


def test_a_member_of_unknown_health_is_not_counted_twice() -> None:
    state = cluster(etcd_healthy={"m3": None})
    assert consequence(state, FaultKind.ETCD_STOP, "m3") is None
    assert consequence(state, FaultKind.ETCD_STOP, "m2") is not None  # 2 healthy, 1 unknown


def test_the_last_ready_apiserver() -> None:
    state = cluster(ready={"m2": False, "m3": False})
    assert consequence(state, FaultKind.APISERVER_REJECT, "m1") == (
        "m1's apiserver is the last ready one: the API stops answering"
    )
    assert consequence(state, FaultKind.APISERVER_REJECT, "m2") is None  # not ready anyway
    # a stopped kubelet leaves the static pods running: the Node goes NotReady, no more
    assert consequence(state, FaultKind.KUBELET_STOP, "m1") is None


def test_apiservers_nobody_could_see_count_as_not_ready() -> None:
    state = cluster(unreachable=("m2", "m3"))
    assert consequence(state, FaultKind.APISERVER_REJECT, "m1") is not None
    state = cluster(unreachable=("m1", "m2"), ready={"m3": False})
    assert consequence(state, FaultKind.APISERVER_REJECT, "m1") == (
        "no other apiserver is known to be ready: taking m1's down may stop the API"
    )


def test_the_last_lb_path() -> None:
    no_backends = {"m1": "DOWN", "m2": "DOWN", "m3": "DOWN"}
    state = cluster(lb={"m2": no_backends, "m3": no_backends})
    for kind in (FaultKind.LB_STOP, FaultKind.LB_REJECT):
        assert consequence(state, kind, "m1") == (
            "m1's haproxy is the last load balancer with an apiserver behind it: "
            "clients lose the API through the VIP"
        )
        assert consequence(state, kind, "m2") is None
    # the others unseen count as no path; with nothing seen at all, the guard still asks
    others_unseen = cluster(lb={"m2": None, "m3": None})
    assert "last load balancer" in (consequence(others_unseen, FaultKind.LB_STOP, "m1") or "")
    unseen = cluster(lb=dict.fromkeys(NAMES))
    assert "no other load balancer is known" in (consequence(unseen, FaultKind.LB_STOP, "m1") or "")


def test_draining_the_last_backend_up() -> None:
    only_m2 = {"m1": "DOWN", "m2": "UP", "m3": "MAINT"}
    state = cluster(lb=dict.fromkeys(NAMES, only_m2))
    assert consequence(state, FaultKind.BACKEND_DRAIN, "m2") == (
        "m2's apiserver is the last one UP behind HAProxy: clients lose the API"
    )
    assert consequence(state, FaultKind.BACKEND_DRAIN, "m1") is None
    unseen = cluster(lb=dict.fromkeys(NAMES))
    assert "no HAProxy could be read" in (consequence(unseen, FaultKind.BACKEND_DRAIN, "m1") or "")


def test_the_last_keepalived() -> None:
    state = cluster(vrrp={"m2": None, "m3": VrrpState.FAULT})
    assert consequence(state, FaultKind.KEEPALIVED_STOP, "m1") == (
        "m1 runs the only keepalived that can hold the VIP 10.232.0.10: "
        "the VIP goes away and clients lose the API"
    )
    assert consequence(state, FaultKind.KEEPALIVED_STOP, "m2") is None  # stopped already


def test_split_brain_makers_are_not_guarded() -> None:
    state = cluster(etcd_healthy={"m3": False}, ready={"m2": False, "m3": False})
    assert consequence(state, FaultKind.VRRP_BLOCK, "m1") is None


def test_isolate_names_every_consequence() -> None:
    state = cluster(etcd_healthy={"m3": False}, ready={"m2": False, "m3": False})
    text = consequence(state, FaultKind.ISOLATE, "m1") or ""
    assert text.startswith("etcd loses quorum: isolating m1")
    assert "; m1's apiserver is the last ready one" in text


def test_a_node_found_by_address_not_name() -> None:
    state = cluster(etcd_healthy={"m3": False})
    renamed = replace(
        state,
        nodes=tuple(
            replace(
                n,
                etcd=Probe(
                    replace(
                        n.etcd.result,
                        members=tuple(replace(m, name=None) for m in n.etcd.result.members),
                    ),
                    n.etcd.observed_at,
                ),
            )
            if n.etcd is not None and isinstance(n.etcd.result, EtcdObservation)
            else n
            for n in state.nodes
        ),
    )
    assert consequence(renamed, FaultKind.ETCD_STOP, "m2") is not None
