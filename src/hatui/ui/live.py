"""The live source: an SSH pool and the collector, behind the UI's `StateSource` protocol.

The pool is opened inside `states()`, so it lives on the app's own event loop, and closed
when the app stops iterating (quit, crash or Ctrl-C). Connection progress per node is
reported through `link_statuses()` while the first sweep is under way.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence

from hatui.collector import Collector
from hatui.faults import FaultManager
from hatui.inventory import Inventory
from hatui.model import ClusterState
from hatui.stream.watcher import Watcher
from hatui.transport import LinkState, SshPool

from .source import LinkPhase, LinkStatus

_PHASES = {
    LinkState.CONNECTING: LinkPhase.CONNECTING,
    LinkState.UP: LinkPhase.CONNECTED,
    LinkState.UNREACHABLE: LinkPhase.FAILED,
}


class LiveSource:
    """Sweeps of the real cluster described by an inventory, one after another."""

    def __init__(self, inventory: Inventory, *, interval: float = 1.0) -> None:
        self.inventory = inventory
        self.interval = interval
        self.pool = SshPool(inventory)
        """Made here (not started) so a `FaultManager` can share it from the start."""
        self.watcher = Watcher(self.pool, inventory)
        """Streams (VIP, keepalived log, the fast API probe): failover figures."""
        self._pool: SshPool | None = None
        self._collector: Collector | None = None

    def fault_manager(self, *, read_only: bool = False) -> FaultManager:
        """Faults on this source's masters, over the same connections."""
        return FaultManager(self.pool, self.inventory, read_only=read_only)

    async def states(self) -> AsyncIterator[ClusterState]:
        self._pool = self.pool
        try:
            # the first sweep waits for every first connection attempt (at most about one
            # connect timeout; the header shows each node's progress meanwhile), so the first
            # state is a real one, not every node "connecting"
            await self._pool.start(wait=True)
            await self.watcher.start()
            self._collector = Collector(self._pool, self.inventory, interval=self.interval)
            async for state in self._collector.states():
                yield state
        finally:
            if self._collector is not None:
                self._collector.stop()
            await self.watcher.stop()
            await self._pool.close()

    def link_statuses(self) -> Sequence[LinkStatus]:
        if self._pool is None:
            return [LinkStatus(m.name, LinkPhase.WAITING) for m in self.inventory.masters]
        now = time.time()
        out = []
        for name, link in self._pool.statuses().items():
            detail = link.reason or ""
            if link.state == LinkState.UNREACHABLE and link.next_retry_at:
                detail += f", retry in {max(0.0, link.next_retry_at - now):.0f} s"
            out.append(LinkStatus(name, _PHASES.get(link.state, LinkPhase.WAITING), detail))
        return out
