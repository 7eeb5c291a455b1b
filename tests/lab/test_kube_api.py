"""The Kubernetes API through the lab's kubeconfig: node Ready status and the leader leases.

The lab's apiserver stand-in serves Nodes and Leases (see hatui.lab.standin for what it
makes up and how); the faults are real: the node's `kubelet` unit (a placeholder the
stand-ins ask) is stopped with the lab's service command, and the lease holder's
kube-apiserver is stopped. Ground truth comes from labkit and the lab's own admin
certificate; hatui's side is a real sweep over SSH plus the kubernetes client through the
VIP. Every wait is a bounded poll.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import pytest

from hatui.collector import sweep
from hatui.inventory import Inventory, load_inventory
from hatui.lab import lifecycle
from hatui.model import ClusterState, Verdict
from hatui.observations import ConditionStatus, KubeApiObservation, KubeNodeList, LeaderLease
from hatui.probes import KubeApi
from hatui.transport import SshPool
from labkit import Lab
from pollkit import sweep_until

pytestmark = pytest.mark.lab

IDENTITY = re.compile(r"^(m\d+)_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LEASES = ("kube-controller-manager", "kube-scheduler")


@pytest.fixture
def inventory(lab: Lab) -> Inventory:
    return load_inventory(lab.inventory)


@pytest.fixture
async def pool(inventory: Inventory) -> AsyncIterator[SshPool]:
    async with SshPool(inventory) as p:
        yield p


def kube(state: ClusterState) -> KubeApiObservation:
    assert state.kube_api is not None, "the lab inventory names a kubeconfig: it must be probed"
    assert state.kube_api.error is None, state.kube_api.error
    assert isinstance(state.kube_api.value, KubeApiObservation)
    return state.kube_api.value


def leases(obs: KubeApiObservation) -> dict[str, LeaderLease]:
    out = {}
    for name, lease in obs.leases:
        assert isinstance(lease, LeaderLease), (name, lease)
        out[name] = lease
    return out


def truth_ready(lab: Lab, via: str = "m1") -> dict[str, str]:
    """Ready per node as one stand-in serves it, asked with the lab's admin certificate."""
    return lifecycle.nodes_ready(lab.cfg, lab.node(via))


def truth_holders(lab: Lab, via: str = "m1") -> set[str]:
    holders = lifecycle.lease_holders(lab.cfg, lab.node(via))
    return {h.split("_", 1)[0] for h in holders.values()}


async def test_healthy_lab_every_master_ready_and_both_leases_held(
    healthy_lab: Lab, pool: SshPool, inventory: Inventory
) -> None:
    assert inventory.kubeconfig == str(healthy_lab.cfg.kubeconfig)
    # the kubernetes client alone, through the kubeconfig's server (the VIP)
    probe = await KubeApi(inventory.kubeconfig).observe()
    assert probe is not None and probe.error is None, probe
    obs = probe.value
    assert obs is not None and obs.server == f"https://{healthy_lab.cfg.vip}:16443"
    assert isinstance(obs.nodes, KubeNodeList)
    assert [(n.name, n.ready, n.internal_ip, n.control_plane) for n in obs.nodes.nodes] == [
        (n.name, ConditionStatus.TRUE, n.address, True) for n in healthy_lab.cfg.nodes
    ]
    held = leases(obs)
    for name, lease in held.items():
        assert lease.namespace == "kube-system" and lease.lease_duration_s == 15
        match = IDENTITY.match(lease.holder_identity or "")
        assert match is not None, lease.holder_identity
        assert lease.holder == match.group(1)
        assert lease.renew_time is not None and time.time() - lease.renew_time < 15, name
    assert {lease.holder for lease in held.values()} == truth_holders(healthy_lab)

    # and in a sweep: healthy, with the leaders named
    state = await sweep(pool, inventory)
    v = state.verdicts
    assert state.verdict is Verdict.HEALTHY, v.reasons
    assert v.reasons == () and v.nodes_not_ready == ()
    assert v.controller_manager_leader == leases(kube(state))["kube-controller-manager"].holder
    assert v.scheduler_leader == leases(kube(state))["kube-scheduler"].holder
    assert v.scheduler_leader in ("m1", "m2", "m3")


async def test_kubelet_stopped_turns_its_node_notready(
    healthy_lab: Lab, pool: SshPool, inventory: Inventory
) -> None:
    await asyncio.to_thread(healthy_lab.svc, "m2", "stop", "kubelet")
    assert not await asyncio.to_thread(healthy_lab.running, "m2", "kubelet")
    state = await sweep_until(
        pool, inventory, "m2 NotReady", lambda s: s.verdicts.nodes_not_ready == ("m2",), 15
    )
    # only the node's Ready status changed: its apiserver and everything else are fine
    assert await asyncio.to_thread(healthy_lab.running, "m2", "kube-apiserver")
    assert await asyncio.to_thread(healthy_lab.readyz, "m2") == 200
    assert truth_ready(healthy_lab) == {"m1": "True", "m2": "Unknown", "m3": "True"}
    assert state.verdict is Verdict.DEGRADED
    assert state.verdicts.reasons == ("node m2 NotReady: Kubelet stopped posting node status.",)
    m2 = next(n for n in kube(state).nodes.nodes if n.name == "m2")  # type: ignore[union-attr]
    assert (m2.ready, m2.reason, m2.status_text) == (
        ConditionStatus.UNKNOWN,
        "NodeStatusUnknown",
        "NotReady",
    )
    assert m2.last_heartbeat is not None and m2.last_heartbeat < time.time() - 2

    # `hatui status` says the same, table and JSON, and exits 1 (DEGRADED)
    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "hatui.status_cmd", str(healthy_lab.inventory), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["kube_api"]["not_ready"] == ["m2"]
    assert "node m2 NotReady: Kubelet stopped posting node status." in doc["reasons"]
    assert [n["status"] for n in doc["kube_api"]["nodes"]] == ["Ready", "NotReady", "Ready"]

    # started again, the node is Ready again and the cluster healthy
    await asyncio.to_thread(healthy_lab.svc, "m2", "start", "kubelet")
    state = await sweep_until(
        pool, inventory, "HEALTHY again", lambda s: s.verdict is Verdict.HEALTHY, 15
    )
    assert state.verdicts.nodes_not_ready == ()


async def test_lease_moves_when_its_holders_apiserver_stops(
    healthy_lab: Lab, pool: SshPool, inventory: Inventory
) -> None:
    state = await sweep(pool, inventory)
    before = leases(kube(state))
    holders = {lease.holder for lease in before.values()}
    assert len(holders) == 1, before  # one stand-in plays both components' elections
    (holder,) = holders
    assert holder is not None
    # the stand-ins' rule: the first master in inventory order that is up takes over
    successor = next(n.name for n in healthy_lab.cfg.nodes if n.name != holder)

    await asyncio.to_thread(healthy_lab.svc, holder, "stop", "kube-apiserver")
    began = time.monotonic()
    state = await sweep_until(
        pool,
        inventory,
        f"both leases to move from {holder} to {successor}",
        lambda s: (
            (s.verdicts.controller_manager_leader, s.verdicts.scheduler_leader)
            == (successor, successor)
        ),
        45,  # lease 15 s, then the successor's turn (2.5 s per rank) and retry period (2 s)
    )
    moved_after = time.monotonic() - began
    print(f"\nleases moved from {holder} to {successor} in {moved_after:.1f} s")
    assert moved_after > 10  # taken over only once the lease expired, not at once
    after = leases(kube(state))
    for name in LEASES:
        assert after[name].holder == successor
        assert after[name].transitions == (before[name].transitions or 0) + 1
        assert after[name].holder_identity != before[name].holder_identity
    assert truth_holders(healthy_lab, via=successor) == {successor}
    # the nodes stay Ready: stopping an apiserver does not stop a kubelet
    nodes = kube(state).nodes
    assert isinstance(nodes, KubeNodeList) and all(n.is_ready for n in nodes.nodes)
    assert state.verdicts.nodes_not_ready == ()

    # the old holder comes back: the lease stays where it is (the new holder keeps renewing)
    await asyncio.to_thread(healthy_lab.svc, holder, "start", "kube-apiserver")
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:
        state = await sweep(pool, inventory)
        # None while a sweep's request hits the restarting stand-in; never the old holder
        assert state.verdicts.scheduler_leader in (successor, None), state.verdicts
        assert state.verdicts.controller_manager_leader in (successor, None), state.verdicts
        await asyncio.sleep(0.5)
    assert truth_holders(healthy_lab) == {successor}
