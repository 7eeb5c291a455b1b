"""Polling helpers for the async lab tests: wait for a condition, or sweep until the cluster
shows one; both fail naming what did not happen and what was last seen."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable

from hatui.collector import sweep
from hatui.inventory import Inventory
from hatui.model import ClusterState
from hatui.transport import SshPool


async def until(
    what: str, predicate: Callable[[], object], timeout: float, every: float = 0.05
) -> object:
    """Poll `predicate` (sync, or returning an awaitable) until truthy; fail naming what
    did not happen."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = predicate()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what} (last: {last!r})")


async def sweep_until(
    pool: SshPool,
    inventory: Inventory,
    what: str,
    predicate: Callable[[ClusterState], bool],
    timeout: float,
    every: float = 0.25,
) -> ClusterState:
    """Sweep until `predicate(state)`; fail naming what did not happen and what was seen."""
    deadline = time.monotonic() + timeout
    state = await sweep(pool, inventory)
    while not predicate(state):
        if time.monotonic() > deadline:
            v = state.verdicts
            raise AssertionError(
                f"timed out after {timeout:.0f}s waiting for {what}: {state.verdict} "
                f"{v.reasons} leaders {v.controller_manager_leader}/{v.scheduler_leader}"
            )
        await asyncio.sleep(every)
        state = await sweep(pool, inventory)
    return state
