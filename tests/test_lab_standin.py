"""The apiserver stand-in's made-up parts, without a lab: Nodes from the kubelet
placeholders' answers, label selectors, and the leader election's takeover order."""

from __future__ import annotations

import json

from hatui.lab import standin
from hatui.lab.standin import KubeletWatch, LeaderElection, node_object, selector_matches

T0 = 1_750_000_000.0


def ready_condition(node: dict) -> dict:
    (ready,) = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
    return ready


def test_node_is_ready_while_its_kubelet_answers() -> None:
    watch = KubeletWatch({"m1": "10.0.0.11"})
    watch.started = T0 - 60
    watch.last_ok["m1"] = T0 - 1
    node = node_object("m1", "10.0.0.11", watch, T0)
    assert ready_condition(node)["status"] == "True"
    assert ready_condition(node)["reason"] == "KubeletReady"
    assert node["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == ""
    assert {"type": "InternalIP", "address": "10.0.0.11"} in node["status"]["addresses"]
    assert [t["key"] for t in node["spec"]["taints"]] == ["node-role.kubernetes.io/control-plane"]


def test_node_goes_unknown_when_its_kubelet_stops_answering() -> None:
    watch = KubeletWatch({"m2": "10.0.0.12"})
    watch.last_ok["m2"] = T0 - standin.NODE_GRACE_S - 0.5
    node = node_object("m2", "10.0.0.12", watch, T0)
    ready = ready_condition(node)
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "Unknown",
        "NodeStatusUnknown",
        "Kubelet stopped posting node status.",
    )
    assert ready["lastHeartbeatTime"] == "2025-06-15T15:06:36Z"
    assert "node.kubernetes.io/unreachable" in [t["key"] for t in node["spec"]["taints"]]


def test_large_labs_ask_less_often_and_wait_longer() -> None:
    small = KubeletWatch({f"m{i}": f"10.0.0.{i}" for i in range(1, 4)})
    assert (small.interval, small.grace) == (1.0, standin.NODE_GRACE_S)
    large = KubeletWatch({f"m{i}": f"10.0.0.{i}" for i in range(1, 61)})
    assert (large.interval, large.grace) == (6.0, 18.0)
    large.last_ok["m60"] = T0 - 10
    assert large.ready("m60", T0) and not small.ready("m1", T0)


def test_node_never_heard_from() -> None:
    node = node_object("m3", None, KubeletWatch({"m3": "10.0.0.13"}), T0)
    ready = ready_condition(node)
    assert ready["status"] == "Unknown" and ready["lastHeartbeatTime"] is None
    assert ready["message"] == "Kubelet never posted node status."


def test_label_selector_terms() -> None:
    labels = {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/os": "linux"}
    assert selector_matches("", labels)
    assert selector_matches("node-role.kubernetes.io/control-plane", labels)
    assert selector_matches("kubernetes.io/os=linux,node-role.kubernetes.io/control-plane", labels)
    assert selector_matches("kubernetes.io/os==linux", labels)
    assert not selector_matches("kubernetes.io/os!=linux", labels)
    assert not selector_matches("node-role.kubernetes.io/master", labels)
    assert not selector_matches("!node-role.kubernetes.io/control-plane", labels)


class FakeEtcd:
    """etcd's compare-and-swap on one revision counter, in memory."""

    def __init__(self) -> None:
        self.data: dict[str, tuple[str, int]] = {}
        self.revision = 0

    def get(self, key: str) -> tuple[dict | None, int]:
        if key not in self.data:
            return None, 0
        value, rev = self.data[key]
        return json.loads(value), rev

    def put_if(self, key: str, value: dict, mod_revision: int) -> bool:
        if self.data.get(key, (None, 0))[1] != mod_revision:
            return False
        self.revision += 1
        self.data[key] = (json.dumps(value), self.revision)
        return True


def candidates(etcd: FakeEtcd) -> dict[str, LeaderElection]:
    out = {}
    for rank, name in enumerate(("m1", "m2", "m3")):
        c = LeaderElection(name, rank, f"10.0.0.1{rank + 1}", 6443, etcd)  # type: ignore[arg-type]
        out[name] = c
    return out


def holder(etcd: FakeEtcd, lease: str = "kube-scheduler") -> str:
    value, _ = etcd.get(standin.lease_key(lease))
    assert value is not None
    return value["spec"]["holderIdentity"].split("_", 1)[0]


def play(cs: dict[str, LeaderElection], up: set[str], start: float, end: float) -> None:
    """Every candidate that is up tries every retry period, in reverse order (worst case)."""
    t = start
    while t < end:
        for name in ("m3", "m2", "m1"):
            if name in up:
                cs[name].step("kube-scheduler", t)
        t += standin.RETRY_PERIOD_S


def test_the_first_master_takes_a_new_lease_even_when_others_ask_first() -> None:
    etcd = FakeEtcd()
    cs = candidates(etcd)
    play(cs, {"m1", "m2", "m3"}, T0, T0 + 10)
    assert holder(etcd) == "m1"
    value, _ = etcd.get(standin.lease_key("kube-scheduler"))
    assert value is not None
    spec = value["spec"]
    assert spec["leaseDurationSeconds"] == 15 and spec["leaseTransitions"] == 0
    assert spec["holderIdentity"] == cs["m1"].identity
    assert spec["renewTime"] == "2025-06-15T15:06:48.000000Z"  # renewed every period


def test_lease_moves_to_the_next_master_and_stays_there() -> None:
    etcd = FakeEtcd()
    cs = candidates(etcd)
    play(cs, {"m1", "m2", "m3"}, T0, T0 + 10)
    # m1's apiserver goes away: m2, not m3, takes over once the lease has expired
    play(cs, {"m2", "m3"}, T0 + 10, T0 + 10 + standin.LEASE_DURATION_S - 2)
    assert holder(etcd) == "m1"
    play(cs, {"m2", "m3"}, T0 + 23, T0 + 40)
    assert holder(etcd) == "m2"
    value, _ = etcd.get(standin.lease_key("kube-scheduler"))
    assert value is not None and value["spec"]["leaseTransitions"] == 1
    # m1 comes back: m2 keeps renewing, so the lease stays with m2
    play(cs, {"m1", "m2", "m3"}, T0 + 40, T0 + 80)
    assert holder(etcd) == "m2"
