"""Probes and sweeps against the real lab: healthy, then one real fault at a time.

Ground truth comes from labkit (nsenter into a node), faults are real (iptables rules tagged
`hatui:test`, daemons stopped with the lab's service command) and `healthy_lab` puts the
seed-000 baseline back after each test. keepalived moves take 5-10 s, so every wait is a
bounded poll of real sweeps, never a fixed sleep.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Mapping

import pytest

from hatui.collector import Collector, sweep
from hatui.errors import TransportError
from hatui.inventory import Inventory, load_inventory
from hatui.model import ClusterSpec, ClusterState, NodeObservation, Verdict
from hatui.observations import (
    EtcdObservation,
    HaproxyObservation,
    KeepalivedEventKind,
    KeepalivedObservation,
    ServerStatus,
    VrrpState,
)
from hatui.probes import probe_keepalived
from hatui.transport import CommandResult, LinkState, NodeLink, SshPool
from hatui.transport.ssh_pool import STABLE_AFTER
from labkit import Lab
from pollkit import sweep_until

pytestmark = pytest.mark.lab

TAG = "hatui:test"


@pytest.fixture
def inventory(lab: Lab) -> Inventory:
    return load_inventory(lab.inventory)


@pytest.fixture
async def pool(inventory: Inventory) -> AsyncIterator[SshPool]:
    async with SshPool(inventory) as p:
        yield p


async def node_sh(lab: Lab, node: str, cmd: str, check: bool = True) -> str:
    """labkit's ground-truth shell, off the event loop so the pool keeps running."""
    return await asyncio.to_thread(lab.sh, node, cmd, check)


def node(state: ClusterState, name: str) -> NodeObservation:
    found = state.node(name)
    assert found is not None, name
    return found


def keepalived(state: ClusterState, name: str) -> KeepalivedObservation:
    probe = node(state, name).keepalived
    assert probe is not None and probe.error is None, probe
    assert probe.value is not None
    return probe.value


def vrrp(state: ClusterState, name: str) -> tuple[VrrpState, int | None, int | None]:
    inst = keepalived(state, name).instance(name="VI_1")
    assert inst is not None
    return inst.state, inst.base_priority, inst.effective_priority


def haproxy_status(state: ClusterState, lb_node: str) -> dict[str, ServerStatus]:
    probe = node(state, lb_node).lb
    assert probe is not None and isinstance(probe.value, HaproxyObservation), probe
    return {s.server: s.status for s in probe.value.servers}


def priorities(state: ClusterState) -> list[int | None]:
    return [vrrp(state, n)[2] for n in ("m1", "m2", "m3")]


# -- healthy -------------------------------------------------------------------------------


async def test_healthy_lab_is_healthy_in_every_probe(
    healthy_lab: Lab, pool: SshPool, inventory: Inventory
) -> None:
    began = time.monotonic()
    state = await sweep(pool, inventory)
    took = time.monotonic() - began
    print(f"\nsweep of a healthy lab: {took * 1000:.0f} ms")
    v = state.verdicts
    assert state.verdict is Verdict.HEALTHY, v.reasons
    assert v.reasons == ()
    assert v.vip_holders == ("m1",) == tuple(healthy_lab.vip_holders())
    assert [vrrp(state, n) for n in ("m1", "m2", "m3")] == [
        (VrrpState.MASTER, 110, 121),
        (VrrpState.BACKUP, 100, 112),
        (VrrpState.BACKUP, 100, 111),
    ]
    # the DATA dump named the track script and its status; the log was read too
    inst = keepalived(state, "m2").instance(name="VI_1")
    assert inst is not None and inst.master_router == healthy_lab.node("m1").address
    assert [(s.name, s.status, s.weight) for s in inst.track_scripts] == [
        ("CheckK8sMaster", "GOOD", 12)
    ]
    for name in ("m1", "m2", "m3"):
        log = node(state, name).keepalived_log
        assert log is not None and log.error is None and log.value is not None
        assert any(e.kind is KeepalivedEventKind.ENTER_STATE for e in log.value.events)
    # every HAProxy backend UP, on every LB node, as HAProxy itself says
    for lb_node in ("m1", "m2", "m3"):
        assert haproxy_status(state, lb_node) == dict.fromkeys(("m1", "m2", "m3"), "UP")
        truth = {r["svname"]: r["status"] for r in healthy_lab.haproxy_stat(lb_node)}
        assert {k: truth[k] for k in ("m1", "m2", "m3")} == dict.fromkeys(("m1", "m2", "m3"), "UP")
    assert [(b.node, b.up, b.total) for b in v.lb] == [("m1", 3, 3), ("m2", 3, 3), ("m3", 3, 3)]
    # etcd: 3/3 healthy with a leader, asked from two masters, not all three
    assert v.etcd is not None
    assert (v.etcd.members, v.etcd.healthy, v.etcd.needed, v.etcd.tolerates) == (3, 3, 2, 1)
    assert v.etcd.leader in ("m1", "m2", "m3")
    seen_from = [n.name for n in state.nodes if n.etcd is not None]
    assert seen_from == ["m1", "m2"]
    for name in seen_from:
        view = node(state, name).etcd
        assert view is not None and isinstance(view.value, EtcdObservation)
        assert sorted(m.name or "" for m in view.value.members) == ["m1", "m2", "m3"]
        assert all(m.healthy for m in view.value.members)
        assert sum(bool(m.is_leader) for m in view.value.members) == 1
    # every apiserver ready and live from its own master; the API answers through the VIP
    for name in ("m1", "m2", "m3"):
        obs = node(state, name)
        assert obs.readyz is not None and obs.readyz.value is not None and obs.readyz.value.ok
        assert obs.livez is not None and obs.livez.value is not None and obs.livez.value.ok
        assert "etcd" in obs.readyz.value.passed_checks
    assert v.api_via_vip is True
    assert state.api_via_vip is not None and state.api_via_vip.value is not None
    assert state.api_via_vip.value.status_code == 200


class CountingTransport:
    """The real pool, counting each node's calls: a sweep's round trips, seen from outside."""

    def __init__(self, pool: SshPool) -> None:
        self.pool = pool
        self.calls: dict[str, list[str]] = {}

    def _count(self, node: str, what: str) -> None:
        self.calls.setdefault(node, []).append(what)

    async def run(self, node: str, command: str, timeout: float | None = None) -> CommandResult:
        self._count(node, "run")
        return await self.pool.run(node, command, timeout)

    async def run_all(
        self, command_by_node: Mapping[str, str], timeout: float | None = None
    ) -> dict[str, CommandResult | TransportError]:
        for n in command_by_node:
            self._count(n, "run")
        return await self.pool.run_all(command_by_node, timeout)

    def stream(self, node: str, command: str, timeout: float | None = None) -> AsyncIterator[str]:
        self._count(node, "stream")
        return self.pool.stream(node, command, timeout)

    async def unix_request(
        self, node: str, path: str, payload: bytes, timeout: float | None = None
    ) -> bytes:
        self._count(node, "unix")
        return await self.pool.unix_request(node, path, payload, timeout)

    async def tcp_request(
        self, node: str, host: str, port: int, payload: bytes, timeout: float | None = None
    ) -> bytes:
        self._count(node, "tcp")
        return await self.pool.tcp_request(node, host, port, payload, timeout)

    async def tcp_connect_check(
        self, node: str, host: str, port: int, timeout: float | None = None
    ) -> float:
        self._count(node, "connect")
        return await self.pool.tcp_connect_check(node, host, port, timeout)

    def status(self, node: str) -> NodeLink:
        return self.pool.status(node)

    def statuses(self) -> dict[str, NodeLink]:
        return self.pool.statuses()

    async def close(self) -> None:
        await self.pool.close()


async def test_one_round_trip_per_node_per_probe_group(
    healthy_lab: Lab, pool: SshPool, inventory: Inventory
) -> None:
    counting = CountingTransport(pool)
    state = await sweep(counting, inventory)
    assert state.verdict is Verdict.HEALTHY, state.verdicts.reasons
    # ip addr + keepalived + apiserver commands, the HAProxy socket; etcd on two masters only
    assert {n: sorted(c) for n, c in counting.calls.items()} == {
        "m1": ["run", "run", "run", "run", "unix"],
        "m2": ["run", "run", "run", "run", "unix"],
        "m3": ["run", "run", "run", "unix"],
    }


async def test_a_stale_dump_is_never_read(
    healthy_lab: Lab, pool: SshPool, inventory: Inventory
) -> None:
    """Old dump files that say BACKUP at priority 1 are replaced by fresh ones, not read."""
    fake_json = '[{"data":{"iname":"VI_1","vrid":51,"state":1,"base_priority":1,' + (
        '"effective_priority":1},"stats":{}}]'
    )
    await node_sh(
        healthy_lab,
        "m1",
        f"printf '%s' '{fake_json}' >/tmp/keepalived.json; "
        "printf 'VRRP Instance = VI_1\\n State = BACKUP\\n' >/tmp/keepalived.data",
    )
    ka, log = await probe_keepalived(pool, inventory, "m1")
    assert ka.error is None and ka.value is not None
    inst = ka.value.instance(name="VI_1")
    assert inst is not None
    assert (inst.state, inst.effective_priority) == (VrrpState.MASTER, 121)
    assert ka.value.source == "json-v1+data"
    dumped = await node_sh(healthy_lab, "m1", "cat /tmp/keepalived.json")
    assert '"effective_priority":121' in dumped and '"auth_data"' in dumped
    # the dump holds the VRRP password in clear; nothing hatui keeps does
    assert "auth_data" not in repr(ka) and "auth_data" not in repr(log)


# -- faults --------------------------------------------------------------------------------


async def test_rejected_apiserver_moves_the_vip_and_downs_its_backend(
    healthy_lab: Lab, pool: SshPool, inventory: Inventory
) -> None:
    """Seed 000's fault: m1's apiserver port rejected."""
    await node_sh(
        healthy_lab,
        "m1",
        f"iptables -I INPUT -p tcp --dport 6443 -j REJECT -m comment --comment {TAG}",
    )
    began = time.monotonic()
    # HAProxy needs ~8.5 s to mark m1 DOWN (ICMP rate limit), keepalived ~6 s to move the VIP
    state = await sweep_until(
        pool,
        inventory,
        "VIP on m2 and backend m1 DOWN on every LB node",
        lambda s: (
            s.verdicts.vip_holders == ("m2",)
            and all(haproxy_status(s, n)["m1"] == ServerStatus.DOWN for n in ("m1", "m2", "m3"))
        ),
        40,
    )
    print(f"\nfault seen by sweeps after {time.monotonic() - began:.1f} s")
    assert vrrp(state, "m1") == (VrrpState.BACKUP, 110, 110)
    assert vrrp(state, "m2") == (VrrpState.MASTER, 100, 112)
    assert priorities(state) == [110, 112, 111]
    for lb_node in ("m1", "m2", "m3"):
        assert haproxy_status(state, lb_node) == {
            "m1": ServerStatus.DOWN,
            "m2": ServerStatus.UP,
            "m3": ServerStatus.UP,
        }
    # a request HAProxy sent to m1 before marking it DOWN may still be retrying (REJECT's ICMP
    # is rate limited): the API through the VIP may be a sweep late to come back
    state = await sweep_until(
        pool,
        inventory,
        "the API through the VIP again",
        lambda s: s.verdicts.api_via_vip is True,  # HAProxy on m2 sends clients to m2 and m3
        10,
    )
    assert state.verdicts.vip_holders == ("m2",)
    assert state.verdict is Verdict.DEGRADED, state.verdicts.reasons
    readyz = node(state, "m1").readyz
    assert readyz is not None and readyz.value is not None and not readyz.value.ok
    assert readyz.value.message.startswith("cannot connect")
    inst = keepalived(state, "m1").instance(name="VI_1")
    assert inst is not None and [(s.name, s.status) for s in inst.track_scripts] == [
        ("CheckK8sMaster", "BAD")
    ]
    log = node(state, "m1").keepalived_log
    assert log is not None and log.value is not None
    changes = [
        (e.priority_from, e.priority_to)
        for e in log.value.events
        if e.kind is KeepalivedEventKind.PRIORITY_CHANGED
    ]
    assert (121, 110) in changes
    assert any("m1: track script CheckK8sMaster BAD" in r for r in state.verdicts.reasons)


async def test_keepalived_stopped(healthy_lab: Lab, pool: SshPool, inventory: Inventory) -> None:
    await asyncio.to_thread(healthy_lab.svc, "m2", "stop", "keepalived")
    assert not await asyncio.to_thread(healthy_lab.running, "m2", "keepalived")
    state = await sweep(pool, inventory)
    ka = keepalived(state, "m2")
    assert ka.running is False and ka.instances == ()
    assert vrrp(state, "m1")[0] is VrrpState.MASTER
    assert state.verdicts.vip_holders == ("m1",)
    assert state.verdict is Verdict.DEGRADED
    assert "m2: keepalived is not running" in state.verdicts.reasons


async def test_two_etcd_members_stopped_lose_quorum(
    healthy_lab: Lab, pool: SshPool, inventory: Inventory
) -> None:
    for name in ("m2", "m3"):
        await asyncio.to_thread(healthy_lab.svc, name, "stop", "etcd")
    began = time.monotonic()
    state = await sweep_until(
        pool,
        inventory,
        "QUORUM-LOST with every readyz failing and m1 stepped down",
        lambda s: (
            s.verdict is Verdict.QUORUM_LOST
            # m1 stays leader until its election timeout shows it lost its peers
            and s.verdicts.etcd is not None
            and s.verdicts.etcd.leader is None
            and all(
                (r := node(s, n).readyz) is not None and r.value is not None and not r.value.ok
                for n in ("m1", "m2", "m3")
            )
        ),
        30,
    )
    print(f"\nquorum loss seen after {time.monotonic() - began:.1f} s")
    q = state.verdicts.etcd
    assert q is not None and q.members == 3 and q.has_quorum is False and q.healthy <= 1
    assert q.leader is None
    assert state.verdicts.api_via_vip is False
    api = state.api_via_vip
    assert api is not None and api.value is not None and not api.value.ok
    assert "etcd" in api.value.failed_checks
    for name in ("m1", "m2", "m3"):
        readyz = node(state, name).readyz
        assert readyz is not None and readyz.value is not None
        assert "etcd" in readyz.value.failed_checks
    # m1's own member answers, without a leader
    view = node(state, "m1").etcd
    assert view is not None and isinstance(view.value, EtcdObservation)
    m1 = next(m for m in view.value.members if m.name == "m1")
    assert "etcdserver: no leader" in m1.errors
    # etcdctl's timeouts keep a sweep short even with two members gone
    took = time.monotonic()
    await sweep(pool, inventory)
    took = time.monotonic() - took
    print(f"one sweep with quorum lost: {took:.2f} s")
    assert took < inventory.ssh.command_timeout


async def test_vrrp_blocked_is_split_brain(
    healthy_lab: Lab, pool: SshPool, inventory: Inventory
) -> None:
    """m2 neither hears nor sends adverts (VRRP is IP protocol 112): it takes the VIP too."""
    for chain in ("INPUT", "OUTPUT"):
        await node_sh(
            healthy_lab, "m2", f"iptables -I {chain} -p vrrp -j DROP -m comment --comment {TAG}"
        )
    state = await sweep_until(
        pool, inventory, "SPLIT-BRAIN", lambda s: s.verdict is Verdict.SPLIT_BRAIN, 30
    )
    assert state.verdicts.vip_holders == ("m1", "m2")
    assert sorted(healthy_lab.vip_holders()) == ["m1", "m2"]
    assert f"VIP {inventory.vip.address} is on m1 and m2 (split brain)" in state.verdicts.reasons
    assert vrrp(state, "m1")[0] is VrrpState.MASTER
    assert vrrp(state, "m2")[0] is VrrpState.MASTER
    assert set(state.verdicts.vrrp_masters) == {"m1", "m2"}


# -- an unreachable master ---------------------------------------------------------------------


async def kill_ssh_sessions(lab: Lab, node_name: str) -> list[int]:
    """End the node's established SSH sessions by pid (stopping sshd leaves them running)."""
    out = await node_sh(lab, node_name, "ss -tnpH state established '( sport = :22 )'")
    pids = sorted({int(p) for p in re.findall(r"pid=(\d+)", out)})
    if pids:
        await node_sh(lab, node_name, "kill " + " ".join(map(str, pids)))
    return pids


async def test_unreachable_master_is_reported_and_comes_back(
    healthy_lab: Lab, pool: SshPool, inventory: Inventory
) -> None:
    connect_timeout = inventory.ssh.connect_timeout
    deadline = time.monotonic() + STABLE_AFTER + 2
    while time.time() - (pool.status("m3").connected_since or time.time()) <= STABLE_AFTER:
        assert time.monotonic() < deadline, "no settled connection to m3"
        await asyncio.sleep(0.05)
    try:
        await asyncio.to_thread(healthy_lab.svc, "m3", "stop", "sshd")
        assert await kill_ssh_sessions(healthy_lab, "m3")
        lost = time.monotonic()
        state = await sweep_until(
            pool,
            inventory,
            "m3 unreachable",
            lambda s: not node(s, "m3").reachable,
            connect_timeout,
        )
        detected = time.monotonic() - lost
        # the first sweep may catch the immediate reconnect under way; either way no waiting
        assert node(state, "m3").unreachable_reason in (
            "connection lost; reconnecting",
            "connection refused",
        )
        state = await sweep_until(
            pool,
            inventory,
            "m3 refused",
            lambda s: node(s, "m3").unreachable_reason == "connection refused",
            connect_timeout,
        )
        m3 = node(state, "m3")
        assert m3.retry_at is not None and m3.retry_at > time.time() - 1
        assert m3.probes() == ()
        assert any(
            r.startswith("m3: unreachable: connection refused") for r in state.verdicts.reasons
        )
        assert state.verdict is Verdict.DEGRADED, state.verdicts.reasons

        # a dead node costs nothing: the next sweep does not wait for it, the others are fresh
        before = time.time()
        began = time.monotonic()
        state = await sweep(pool, inventory)
        took = time.monotonic() - began
        assert not node(state, "m3").reachable
        for name in ("m1", "m2"):
            probes = node(state, name).probes()
            assert len(probes) >= 6 and all(p.observed_at >= before for _, p in probes)
            assert all(p.error is None for _, p in probes), probes
        assert state.verdicts.vip_holders == ("m1",)
        assert took < inventory.ssh.connect_timeout  # it did not wait for m3's connect
        print(
            f"\nm3 reported unreachable {detected * 1000:.0f} ms after its session died; "
            f"sweep with m3 down: {took * 1000:.0f} ms"
        )

        await asyncio.to_thread(healthy_lab.svc, "m3", "start", "sshd")
        restarted = time.monotonic()
        state = await sweep_until(
            pool, inventory, "m3 reachable again", lambda s: node(s, "m3").reachable, 40
        )
        print(f"reconnected by itself {time.monotonic() - restarted:.1f} s after sshd started")
        assert pool.status("m3").state is LinkState.UP and pool.status("m3").connects == 2
        assert vrrp(state, "m3") == (VrrpState.BACKUP, 100, 111)
    finally:
        if not await asyncio.to_thread(healthy_lab.running, "m3", "sshd"):
            await asyncio.to_thread(healthy_lab.svc, "m3", "start", "sshd")


# -- the collector ---------------------------------------------------------------------------


async def test_collector_runs_sweeps_back_to_back(
    healthy_lab: Lab, pool: SshPool, inventory: Inventory
) -> None:
    spec = ClusterSpec.from_inventory(inventory)
    seen: list[tuple[float, ClusterState]] = []

    def on_state(state: ClusterState) -> None:
        seen.append((time.monotonic(), state))
        if len(seen) == 3:
            collector.stop()

    collector = Collector(pool, inventory, spec=spec, interval=0.5, on_state=on_state)
    began = time.monotonic()
    await asyncio.wait_for(collector.run(), 10)
    assert collector.sweeps == 3 and collector.last is seen[-1][1]
    assert all(s.verdict is Verdict.HEALTHY for _, s in seen)
    # never two at once, never faster than the interval
    starts = [s.derived_at for _, s in seen]
    assert starts == sorted(starts)
    gaps = [b[0] - a[0] for a, b in zip(seen, seen[1:], strict=False)]
    assert all(g >= 0.45 for g in gaps), gaps
    assert time.monotonic() - began < 5
