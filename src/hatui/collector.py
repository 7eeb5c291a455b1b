"""Sweeps: every probe on every master at once, turned into one frozen `ClusterState`.

`sweep(pool, inventory, spec)` runs one: each reachable master's probe groups in parallel
(addresses, keepalived, its load balancer, its apiserver; etcd from one or two masters
only), the API check through the VIP from this machine beside them, and with a kubeconfig
the Node Ready status and leader leases through the kubernetes client, then `derive`. A
master whose SSH link is not UP is not waited for: it becomes `NodeObservation.unreachable`
with the transport's reason and retry time at once, so a dead node costs nothing and the
others' data stay fresh. Every remote call has a timeout; a probe that fails is a
`ProbeError` in its `Probe`, never an exception.

`Collector` runs sweeps back to back for the TUI and `hatui status --watch`: the next sweep
is armed when the last one ends (never two at once), at most one per `interval`; a sweep
that crashes (a bug) is logged and retried after a growing pause instead of ending the loop.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from hatui.inventory import Inventory
from hatui.model import ClusterSpec, ClusterState, NodeObservation, Probe, derive
from hatui.observations import ProbeError
from hatui.probes import (
    KubeApi,
    check_api_via_vip,
    kube_api_for,
    probe_addresses,
    probe_apiserver,
    probe_etcd,
    probe_keepalived,
    probe_lb,
)
from hatui.probes.kube_api import LOAD_TIMEOUT
from hatui.transport import LinkState, Transport

log = logging.getLogger("hatui.collector")

R = TypeVar("R")

ETCD_VANTAGE_NODES = 2
"""etcd is asked from this many reachable masters per sweep (each sees the whole cluster;
two keep the picture when one master's own etcd member is down)."""

GUARD_SLACK = 1.0
"""Beyond a probe's own timeout, how long the collector waits before it gives up on it."""


def _timeout(inventory: Inventory, timeout: float | None) -> float:
    return inventory.ssh.command_timeout if timeout is None else timeout


async def _bounded(
    coro: Coroutine[Any, Any, R], limit: float, fallback: Callable[[ProbeError], R], what: str
) -> R:
    """`coro`'s result, or `fallback(ProbeError)` if it outlives `limit` (a safety net: every
    probe bounds its own calls; this keeps one stuck await from holding the sweep)."""
    try:
        async with asyncio.timeout(limit):
            return await coro
    except TimeoutError:
        return fallback(ProbeError(what, f"no result within {limit:.1f}s"))


def _failed(err: ProbeError) -> Probe[Any]:
    return Probe(result=err, observed_at=time.time())


def _failed_pair(err: ProbeError) -> tuple[Probe[Any], Probe[Any]]:
    return _failed(err), _failed(err)


async def observe_node(
    pool: Transport,
    inventory: Inventory,
    node: str,
    *,
    with_etcd: bool,
    timeout: float | None = None,
) -> NodeObservation:
    """Every probe group on one master, in parallel; unreachable at once if its link is down."""
    checked_at = time.time()
    link = pool.status(node)
    if link.state is not LinkState.UP:
        reason = link.reason or str(link.state)
        return NodeObservation.unreachable(
            node, reason, retry_at=link.next_retry_at, checked_at=checked_at
        )
    limit = _timeout(inventory, timeout)
    guard = limit + GUARD_SLACK

    async def no_etcd() -> None:
        return None

    (
        addresses,
        (keepalived, keepalived_log),
        lb,
        etcd,
        (readyz, livez),
    ) = await asyncio.gather(
        _bounded(probe_addresses(pool, node, limit), guard, _failed, "ip-addr"),
        _bounded(probe_keepalived(pool, inventory, node, limit), guard, _failed_pair, "keepalived"),
        _bounded(probe_lb(pool, inventory, node, limit), guard, _failed, "lb"),
        _bounded(probe_etcd(pool, inventory, node, limit), guard, _failed, "etcd")
        if with_etcd
        else no_etcd(),
        _bounded(probe_apiserver(pool, inventory, node, limit), guard, _failed_pair, "apiserver"),
    )
    probes = [p for p in (addresses, keepalived, keepalived_log, lb, etcd, readyz, livez) if p]
    after = pool.status(node)
    if after.state is not LinkState.UP and all(p.error is not None for p in probes):
        # the link died during the sweep: say so, rather than list seven copies of the reason
        return NodeObservation.unreachable(
            node,
            after.reason or str(after.state),
            retry_at=after.next_retry_at,
            checked_at=time.time(),
        )
    return NodeObservation(
        name=node,
        checked_at=checked_at,
        addresses=addresses,
        keepalived=keepalived,
        keepalived_log=keepalived_log,
        lb=lb,
        etcd=etcd,
        readyz=readyz,
        livez=livez,
    )


def etcd_vantage_nodes(pool: Transport, inventory: Inventory, count: int) -> list[str]:
    """The first `count` masters whose link is UP, in inventory order."""
    up = [m.name for m in inventory.masters if pool.status(m.name).state is LinkState.UP]
    return up[:count]


async def sweep(
    pool: Transport,
    inventory: Inventory,
    spec: ClusterSpec | None = None,
    *,
    timeout: float | None = None,
    etcd_from: int = ETCD_VANTAGE_NODES,
    kube: KubeApi | None = None,
) -> ClusterState:
    """One picture of the whole control plane: all probes on all masters in parallel.

    `timeout` bounds every remote call (default: the inventory's ssh.command_timeout) and
    the API checks from this machine (at most 2 s unless `timeout` is shorter). `kube` is
    the kubernetes client to use (default: this process's one for the inventory's
    kubeconfig).
    """
    spec = spec or ClusterSpec.from_inventory(inventory)
    limit = _timeout(inventory, timeout)
    vantage = set(etcd_vantage_nodes(pool, inventory, etcd_from))
    nodes = [
        observe_node(pool, inventory, m.name, with_etcd=m.name in vantage, timeout=limit)
        for m in inventory.masters
    ]
    api_limit = min(limit, 2.0)
    api = _bounded(
        check_api_via_vip(inventory, api_limit), api_limit + GUARD_SLACK, _failed, "api-via-vip"
    )
    kube = kube or kube_api_for(inventory.kubeconfig)
    kube_probe = _bounded(
        kube.observe(api_limit),
        LOAD_TIMEOUT + api_limit + GUARD_SLACK,
        _failed,
        "kube-api",
    )
    observations, api_via_vip, kube_api = await asyncio.gather(
        asyncio.gather(*nodes), api, kube_probe
    )
    return derive(spec, observations, api_via_vip, now=time.time(), kube_api=kube_api)


StateCallback = Callable[[ClusterState], Awaitable[object] | object]


class Collector:
    """Sweeps back to back, one at a time, handing each new `ClusterState` on.

    Consume with `async for state in collector.states()`, or `await collector.run()` with
    an `on_state` callback (sync or async). `stop()` ends either after the current sweep.
    """

    def __init__(
        self,
        pool: Transport,
        inventory: Inventory,
        *,
        spec: ClusterSpec | None = None,
        interval: float = 1.0,
        timeout: float | None = None,
        on_state: StateCallback | None = None,
        max_pause: float = 30.0,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be greater than 0, got {interval}")
        self.pool = pool
        self.inventory = inventory
        self.spec = spec or ClusterSpec.from_inventory(inventory)
        self.interval = interval
        """Least time from the start of one sweep to the start of the next, in seconds."""
        self.timeout = timeout
        self.on_state = on_state
        self.max_pause = max_pause
        self.last: ClusterState | None = None
        """The latest state, None before the first sweep ends."""
        self.last_duration: float | None = None
        """Seconds the latest sweep took."""
        self.sweeps = 0
        self.crashes = 0
        """Sweeps that raised in a row (reset by a good one)."""
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """End the loop after the sweep under way (or at once, if it is waiting)."""
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    async def _pause(self, seconds: float) -> None:
        if seconds <= 0:
            return
        try:
            async with asyncio.timeout(seconds):
                await self._stop.wait()
        except TimeoutError:
            pass  # the pause is over: time for the next sweep

    async def states(self) -> AsyncIterator[ClusterState]:
        """Each sweep's state as it is made, until `stop()`."""
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                state = await sweep(self.pool, self.inventory, self.spec, timeout=self.timeout)
            except Exception:  # a bug in a probe or the model must not end the live view
                self.crashes += 1
                pause = min(self.max_pause, self.interval * 2**self.crashes)
                log.exception("sweep failed (%d in a row); next in %.1fs", self.crashes, pause)
                await self._pause(pause)
                continue
            self.crashes = 0
            self.sweeps += 1
            self.last = state
            self.last_duration = time.monotonic() - began
            yield state
            await self._pause(self.interval - (time.monotonic() - began))

    async def run(self) -> None:
        """Run sweeps until `stop()`, calling `on_state` with each new state."""
        async for state in self.states():
            if self.on_state is not None:
                result = self.on_state(state)
                if inspect.isawaitable(result):
                    await result
