"""Kubernetes API answers (NodeList, Lease, Status) -> Node Ready and leader leases, on
real-shaped answers of kubeadm clusters (tests/fixtures/kube/README.md), and on broken ones."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hatui.observations import ConditionStatus, KubeNodeList, LeaderLease, ProbeError
from hatui.parsers import parse_lease, parse_node_list
from hatui.parsers.kube import parse_time

KUBE = Path(__file__).parent / "fixtures" / "kube"


def text(name: str) -> str:
    return (KUBE / name).read_text()


def nodes(body: str, code: int | None = 200) -> KubeNodeList:
    result = parse_node_list(body, code)
    assert isinstance(result, KubeNodeList), result
    return result


def lease(body: str, code: int | None = 200) -> LeaderLease:
    result = parse_lease(body, code)
    assert isinstance(result, LeaderLease), result
    return result


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_healthy_control_plane() -> None:
    got = nodes(text("kube-nodelist-healthy.json"))
    assert [n.name for n in got.nodes] == ["ubuntu238", "ubuntu239", "ubuntu240"]
    assert all(n.is_ready and n.control_plane for n in got.nodes)
    assert got.not_ready == ()
    first = got.nodes[0]
    assert first.ready is ConditionStatus.TRUE and first.status_text == "Ready"
    assert (first.reason, first.message) == ("KubeletReady", "kubelet is posting ready status")
    assert first.internal_ip == "192.168.6.238" and first.kubelet_version == "v1.30.0"
    assert first.last_heartbeat == epoch("2025-01-26T17:27:26")
    assert first.last_transition == epoch("2025-01-19T08:03:59")
    assert not first.unschedulable


def test_stopped_kubelet_broken_cni_and_a_cordon() -> None:
    got = nodes(text("kube-nodelist-notready.json"))
    by = {n.name: n for n in got.nodes}
    assert [n.name for n in got.not_ready] == ["ubuntu239", "ubuntu240"]
    stopped = by["ubuntu239"]
    assert stopped.ready is ConditionStatus.UNKNOWN and stopped.status_text == "NotReady"
    assert (stopped.reason, stopped.message) == (
        "NodeStatusUnknown",
        "Kubelet stopped posting node status.",
    )
    assert stopped.last_heartbeat == epoch("2025-01-26T17:28:04")
    cni = by["ubuntu240"]
    assert cni.ready is ConditionStatus.FALSE and cni.reason == "KubeletNotReady"
    assert cni.message is not None and "cni plugin not initialized" in cni.message
    cordoned = by["ubuntu238"]
    assert cordoned.is_ready and cordoned.unschedulable
    assert cordoned.status_text == "Ready,SchedulingDisabled"
    assert got.node("ubuntu239") is stopped and got.node("nope") is None


def test_empty_list_and_kubectl_list_wrapper() -> None:
    assert nodes(text("kube-nodelist-empty.json")).nodes == ()
    assert nodes('{"kind":"NodeList","apiVersion":"v1","metadata":{},"items":null}').nodes == ()
    wrapped = text("kube-nodelist-healthy.json").replace('"NodeList"', '"List"')
    assert len(nodes(wrapped, None).nodes) == 3


def test_node_without_ready_condition_is_unknown() -> None:
    body = '{"kind":"NodeList","items":[{"metadata":{"name":"new"},"status":{}}]}'
    (node,) = nodes(body).nodes
    assert node.ready is ConditionStatus.UNKNOWN and node.reason is None
    assert not node.control_plane and node.internal_ip is None


def test_controller_manager_lease_from_a_kubeadm_cluster() -> None:
    got = lease(text("kube-lease-controller-manager.json"))
    assert (got.name, got.namespace) == ("kube-controller-manager", "kube-system")
    assert got.holder_identity == "master_0b1b6fb7-55d4-4a8b-b560-bc283491de73"
    assert got.holder == "master"
    assert (got.lease_duration_s, got.transitions) == (15, 7)
    assert got.renew_time == pytest.approx(epoch("2021-05-24T09:05:54.355135"))
    assert got.acquire_time == pytest.approx(epoch("2021-05-24T09:05:09.579371"))
    renewed = epoch("2021-05-24T09:05:54.355135")
    assert got.expired(renewed + 14) is False
    assert got.expired(renewed + 16) is True
    assert got.expired(renewed + 16, grace=5) is False


def test_scheduler_and_released_lease() -> None:
    assert lease(text("kube-lease-scheduler.json")).holder == "node1"
    released = lease(text("kube-lease-released.json"))
    assert released.holder_identity is None and released.holder is None
    assert released.lease_duration_s == 1


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        (
            "kube-status-403-nodes-forbidden.json",
            403,
            'HTTP 403: nodes is forbidden: User "system:anonymous" cannot list resource "nodes" '
            'in API group "" at the cluster scope',
        ),
        (
            "kube-status-404-lease-not-found.json",
            404,
            'HTTP 404: leases.coordination.k8s.io "kube-scheduler" not found',
        ),
        ("kube-status-500-etcd-timeout.json", 500, "HTTP 500: etcdserver: request timed out"),
        # the body alone says it is an error, even without the status code
        ("kube-status-404-lease-not-found.json", None, "HTTP 404: leases.coordination"),
    ],
)
def test_error_answers_carry_the_apis_message(name: str, code: int | None, message: str) -> None:
    for parse in (parse_node_list, parse_lease):
        result = parse(text(name), code)
        assert isinstance(result, ProbeError), result
        assert result.message.startswith(message), result.message


def test_error_code_with_a_body_that_is_not_json() -> None:
    result = parse_node_list("<html><body>502 Bad Gateway</body></html>", 502)
    assert isinstance(result, ProbeError) and result.message == "HTTP 502"
    result = parse_lease("", 503)
    assert isinstance(result, ProbeError) and result.message == "HTTP 503"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "empty output"),
        ("   \n", "empty output"),
        ('{"kind": "NodeList", "items": [', "truncated JSON"),
        ("[]", "expected a NodeList object, got list"),
        ('{"kind": "PodList", "items": []}', "expected a NodeList, got a 'PodList'"),
        ('{"kind": "NodeList", "items": {}}', "'items' is not a list"),
        ('{"kind": "NodeList", "items": [7]}', "item 1: not an object"),
        ('{"kind": "NodeList", "items": [{"metadata": {}}]}', "item 1: no metadata.name"),
        (
            '{"items": [{"metadata": {"name": "a"}, "status": {"conditions": 5}}]}',
            "item 1: status.conditions is not a list",
        ),
    ],
)
def test_broken_node_lists_are_error_values(body: str, message: str) -> None:
    result = parse_node_list(body)
    assert isinstance(result, ProbeError), result
    assert result.source == "kube-nodes"
    assert result.message.startswith(message), result.message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "empty output"),
        ('{"kind": "Lease", "metadata": {"name": "kube-sch', "truncated JSON"),
        ('{"kind": "Lease", "spec": {}}', "no metadata.name"),
        ('{"kind": "Lease", "metadata": {"name": "x"}, "spec": []}', "'spec' is not an object"),
        ('{"kind": "Node", "metadata": {"name": "x"}}', "expected a Lease, got a 'Node'"),
        ('{"kind": "Status", "status": "Success", "code": 200}', "a Status answer"),
    ],
)
def test_broken_leases_are_error_values(body: str, message: str) -> None:
    result = parse_lease(body)
    assert isinstance(result, ProbeError), result
    assert result.source == "kube-lease"
    assert result.message.startswith(message), result.message


def test_every_fixture_cut_anywhere_is_an_error_value() -> None:
    for path in sorted(KUBE.glob("*.json")):
        body = path.read_text()
        parse = parse_lease if "-lease-" in path.name else parse_node_list
        for cut in range(0, len(body.rstrip()), max(1, len(body) // 200)):
            result = parse(body[:cut])
            assert isinstance(result, ProbeError), (path.name, cut, result)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-05-24T09:05:54.355135Z", epoch("2021-05-24T09:05:54.355135")),
        ("2025-01-26T17:27:26Z", epoch("2025-01-26T17:27:26")),
        ("2025-01-26T17:27:26", None),  # no zone: not what the API writes
        ("yesterday", None),
        (None, None),
        (17, None),
        ("", None),
    ],
)
def test_times(value: object, expected: float | None) -> None:
    got = parse_time(value)
    assert got == (pytest.approx(expected) if expected is not None else None)
