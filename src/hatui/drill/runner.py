"""`DrillRunner`: a scenario's steps run headless against a live cluster, always cleaned up.

    async with SshPool(inventory) as pool:           # started: the nodes are connected
        runner = DrillRunner(scenario, inventory, pool, on_step=show)   # show(StepResult)
        result = await runner.run()                  # DrillResult; never raises a drill's
                                                     # own failure (it is in the result)

- inject: `FaultManager.prepare` (read-only checks), one sweep for the guards, then inject
  with the scenario's TTL. A guard's consequence without `confirm: true` ends the drill as
  an ERROR naming it. The Watcher's 10 Hz API probe is (re)started and t0 taken just before
  the inject call (the node's watchdog is armed first: t0 is early by one SSH round trip).
- expect: sweeps back to back (`SWEEP_PAUSE` apart) until every expectation and limit holds
  or `within` (from the step's start) runs out; then the step FAILS with the last sweep's
  mismatches, which ends the drill. Limits read `Watcher.measure(t0)` of the last inject.
- wait: sleeps; clear: clears the drill's own faults (all, the last, or those on a node).
- Whatever happens (a failed step, an error, cancellation by Ctrl-C/SIGTERM), `run` clears
  every fault it injected before returning (or re-raising CancelledError), then asks the
  nodes whether anything of them is left (`DrillResult.left`).

`on_step_start(step)` and `on_step(result)` are called (and awaited, if they return an
awaitable) as each step starts and ends: an app can tick the steps live from them.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hatui.drill.expect import Mismatch, check, observe
from hatui.drill.scenario import Clear, Expect, Inject, Scenario, Step, Wait, check_nodes
from hatui.errors import DrillError, HatuiError
from hatui.faults import FaultError, FaultManager, FaultRecord, GuardRefused
from hatui.inventory import Inventory
from hatui.model import ClusterState

if TYPE_CHECKING:
    from hatui.failover import FailoverFigures
    from hatui.stream.watcher import Watcher
    from hatui.transport import Transport

SWEEP_PAUSE = 0.3
"""Seconds between the sweeps of an expect step (a sweep itself takes ~0.5-1 s)."""
CLEAR_TIMEOUT = 90.0
"""The longest the cleanup waits for one fault's clear (the node's watchdog is the backstop)."""
PROBE_SLACK = 30.0
"""The fast API probe runs this much longer than the steps after an inject can take."""


class StepStatus(enum.StrEnum):
    PASSED = "passed"
    """An expect step whose expectations all held."""
    DONE = "done"
    """An inject, wait or clear that did what it says."""
    FAILED = "failed"
    """An expect step that did not hold within its time."""
    ERROR = "error"
    """A step that could not be carried out (a fault refused or failed, a node unreachable)."""


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class StepResult:
    step: Step
    status: StepStatus
    started_at: float
    elapsed: float
    message: str | None = None
    """Why it failed or errored, in one sentence naming the step, expected and observed."""
    mismatches: tuple[Mismatch, ...] = ()
    observed: tuple[tuple[str, str], ...] = ()
    """Every expected field's value in the last sweep (expect steps)."""
    figures: FailoverFigures | None = None
    """The Watcher's figures since the last inject (expect steps after an inject)."""
    since_step: int | None = None
    """The inject step `figures` are measured from."""
    fault_id: str | None = None
    sweeps: int = 0

    @property
    def ok(self) -> bool:
        return self.status in (StepStatus.PASSED, StepStatus.DONE)


@dataclass(frozen=True)
class DrillResult:
    scenario: Scenario
    cluster: str
    outcome: Outcome
    steps: tuple[StepResult, ...]
    started_at: float
    finished_at: float
    message: str | None = None
    cleared: tuple[str, ...] = ()
    """One line per fault the cleanup cleared (or failed to clear)."""
    left: tuple[str, ...] = ()
    """Faults of this drill still in place after the cleanup (should be empty)."""
    injected: tuple[str, ...] = ()
    """Every fault id the drill injected."""

    @property
    def clean(self) -> bool:
        return not self.left


class _StepFailed(Exception):
    def __init__(self, result: StepResult) -> None:
        super().__init__(result.message)
        self.result = result


@dataclass
class _Live:
    """The drill's faults still to clear, and the last inject's t0."""

    faults: list[FaultRecord] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    t0: float | None = None
    t0_step: int | None = None


StepStartCallback = Callable[[Step], Awaitable[object] | object]
StepCallback = Callable[[StepResult], Awaitable[object] | object]


async def _call(callback: Callable[..., object] | None, arg: object) -> None:
    if callback is None:
        return
    out = callback(arg)
    if inspect.isawaitable(out):
        await out


class DrillRunner:
    """Runs one scenario; see the module docstring. One `run()` per runner."""

    def __init__(
        self,
        scenario: Scenario,
        inventory: Inventory,
        transport: Transport,
        *,
        faults: FaultManager | None = None,
        watcher: Watcher | None = None,
        sweep: Callable[[], Awaitable[ClusterState]] | None = None,
        on_step_start: StepStartCallback | None = None,
        on_step: StepCallback | None = None,
        clock: Callable[[], float] = time.time,
        sweep_pause: float = SWEEP_PAUSE,
    ) -> None:
        check_nodes(scenario, [m.name for m in inventory.masters])
        self.scenario = scenario
        self.inventory = inventory
        self.transport = transport
        self.faults = faults or FaultManager(transport, inventory)
        self._watcher = watcher
        self._own_watcher = watcher is None
        self._sweep_fn = sweep
        self.on_step_start = on_step_start
        self.on_step = on_step
        self.clock = clock
        self.sweep_pause = sweep_pause
        self._live = _Live()
        self.results: list[StepResult] = []

    # -- the pieces -------------------------------------------------------------------------

    async def _sweep(self) -> ClusterState:
        if self._sweep_fn is not None:
            return await self._sweep_fn()
        from hatui.collector import sweep

        return await sweep(self.transport, self.inventory)

    def _watcher_or_new(self) -> Watcher:
        if self._watcher is None:
            from hatui.stream.watcher import Watcher

            self._watcher = Watcher(self.transport, self.inventory)
        return self._watcher

    def _figures(self) -> FailoverFigures | None:
        if self._live.t0 is None or self._watcher is None:
            return None
        return self._watcher.measure(self._live.t0)

    def _probe_window(self, index: int) -> float:
        """Seconds the steps after step `index` may take, up to the next inject."""
        total = PROBE_SLACK
        for step in self.scenario.steps[index:]:
            if isinstance(step.action, Inject):
                break
            if isinstance(step.action, Expect):
                total += step.action.within
            elif isinstance(step.action, Wait):
                total += step.action.seconds
        return min(total, 900.0)

    # -- running ---------------------------------------------------------------------------

    async def run(self) -> DrillResult:
        """Run every step, then clean up; the outcome is in the result (CancelledError, after
        the cleanup, is the only exception that leaves)."""
        started = self.clock()
        outcome, message = Outcome.PASSED, None
        cancelled: asyncio.CancelledError | None = None
        try:
            await self._preflight()
            for step in self.scenario.steps:
                await _call(self.on_step_start, step)
                done = await self._step(step)
                self.results.append(done)
                await _call(self.on_step, done)
                if not done.ok:
                    outcome = Outcome.FAILED if done.status is StepStatus.FAILED else Outcome.ERROR
                    message = done.message
                    break
        except asyncio.CancelledError as err:
            outcome, message, cancelled = Outcome.INTERRUPTED, "interrupted", err
        except HatuiError as err:  # the preflight: nodes unreachable, the inventory...
            outcome, message = Outcome.ERROR, f"{err.title}: {err}"
        finally:
            cleared, left = await self._cleanup()
        if left and outcome is Outcome.PASSED:
            outcome, message = Outcome.ERROR, "faults left in place after the cleanup"
        result = DrillResult(
            scenario=self.scenario,
            cluster=self.inventory.cluster,
            outcome=outcome,
            steps=tuple(self.results),
            started_at=started,
            finished_at=self.clock(),
            message=message,
            cleared=tuple(cleared),
            left=tuple(left),
            injected=tuple(self._live.injected),
        )
        if cancelled is not None:
            self.interrupted_result = result
            raise cancelled
        return result

    interrupted_result: DrillResult | None = None
    """The result of a run that was cancelled (set before CancelledError is re-raised)."""

    async def _preflight(self) -> None:
        state = await self._sweep()
        down = [
            f"{n.name} ({n.unreachable_reason or 'unreachable'})"
            for n in state.nodes
            if not n.reachable
        ]
        if down:
            raise DrillError("the drill cannot run: unreachable: " + "; ".join(down))
        if self._own_watcher:
            await self._watcher_or_new().start()

    async def _step(self, step: Step) -> StepResult:
        start = self.clock()
        action = step.action
        try:
            if isinstance(action, Inject):
                fault_id = await self._inject(step, action)
                return StepResult(
                    step, StepStatus.DONE, start, self.clock() - start, fault_id=fault_id
                )
            if isinstance(action, Wait):
                await asyncio.sleep(action.seconds)
                return StepResult(step, StepStatus.DONE, start, self.clock() - start)
            if isinstance(action, Clear):
                await self._clear(action)
                return StepResult(step, StepStatus.DONE, start, self.clock() - start)
            return await self._expect(step, action, start)
        except GuardRefused as err:
            text = (
                f"step {step.index} ({step.text()}): refused by a guard: {err.consequence}; "
                "add `confirm: true` to the inject to accept it"
            )
            return StepResult(step, StepStatus.ERROR, start, self.clock() - start, text)
        except HatuiError as err:  # FaultError, TransportError...: the step could not run
            text = f"step {step.index} ({step.text()}): {err.title}: {err}"
            return StepResult(step, StepStatus.ERROR, start, self.clock() - start, text)

    async def _inject(self, step: Step, action: Inject) -> str:
        plan = await self.faults.prepare(
            action.fault, action.node, ttl=self.scenario.ttl, backend=action.backend
        )
        state = await self._sweep()
        consequence = self.faults.consequence(plan, state)
        if consequence is not None and not action.confirm:
            raise GuardRefused(consequence)
        watcher = self._watcher
        if watcher is not None:
            watcher.probe_api_fast(True, duration=self._probe_window(step.index))
        t0 = self.clock()
        try:
            record = await self.faults.inject(plan, state=state, confirmed=action.confirm)
        finally:
            # a failed inject rolls back, but the journal may still name it: clear it too
            self._live.injected.append(plan.fault_id)
        self._live.faults.append(record)
        self._live.t0, self._live.t0_step = t0, step.index
        return record.fault_id

    async def _clear(self, action: Clear) -> None:
        live = self._live.faults
        if action.target == "all":
            todo = list(live)
        elif action.target == "last":
            todo = live[-1:]
        else:
            todo = [r for r in live if action.target in r.plan.node_names]
        failed = []
        for record in todo:
            result = await self.faults.clear(record.fault_id)
            if result.ok:
                live.remove(record)
            else:
                failed.append(f"{record.fault_id} {record.plan.title()}: {result.message}")
        if failed:
            raise FaultError("not cleared: " + "; ".join(failed))

    async def _expect(self, step: Step, action: Expect, start: float) -> StepResult:
        deadline = start + action.within
        sweeps = 0
        while True:
            state = await self._sweep()
            sweeps += 1
            figures = self._figures()
            mismatches = check(action.expectation, state) + limit_mismatches(action, figures)
            now = self.clock()
            if not mismatches or now >= deadline:
                break
            await asyncio.sleep(min(self.sweep_pause, max(0.0, deadline - now)))
        observed = tuple(observe(action.expectation, state).items())
        common = dict(
            mismatches=mismatches,
            observed=observed,
            figures=figures,
            since_step=self._live.t0_step if figures is not None else None,
            sweeps=sweeps,
        )
        elapsed = self.clock() - start
        if not mismatches:
            return StepResult(step, StepStatus.PASSED, start, elapsed, **common)  # type: ignore[arg-type]
        what = "; ".join(m.text() for m in mismatches)
        text = (
            f"step {step.index} (line {step.line}, {step.text()}) failed after "
            f"{elapsed:.1f}s: {what}"
        )
        return StepResult(step, StepStatus.FAILED, start, elapsed, text, **common)  # type: ignore[arg-type]

    async def _cleanup(self) -> tuple[list[str], list[str]]:
        """Clear every fault the drill injected and not yet cleared; then list what is left.

        Runs in `finally`, also after a cancellation: a second Ctrl-C is the CLI's to
        ignore. Each clear is bounded; the node's watchdog is the backstop at the TTL.
        """
        lines: list[str] = []
        ids = list(self._live.injected)
        todo = [r for r in self.faults.active() if r.fault_id in ids]
        for record in todo:
            name = f"{record.fault_id} {record.plan.title()}"
            try:
                result = await asyncio.wait_for(self.faults.clear(record.fault_id), CLEAR_TIMEOUT)
            except (HatuiError, TimeoutError) as err:
                lines.append(f"{name}: NOT cleared: {err or 'timed out'}")
                continue
            lines.append(
                f"{name}: cleared" if result.ok else f"{name}: NOT cleared: {result.message}"
            )
        self._live.faults.clear()
        left: list[str] = []
        if ids:
            try:
                statuses = await asyncio.wait_for(self.faults.status(), CLEAR_TIMEOUT)
            except (HatuiError, TimeoutError) as err:
                left.append(f"unknown: the nodes could not be asked ({err or 'timed out'})")
                statuses = []
            for st in statuses:
                if st.record.fault_id in ids:
                    places = [n.node for n in st.nodes if n.in_place is not False]
                    if places or st.record.in_place:
                        left.append(
                            f"{st.record.fault_id} {st.record.plan.title()} "
                            f"(journal: {st.record.status}; on {', '.join(places) or 'no node'})"
                        )
        if self._own_watcher and self._watcher is not None:
            self._watcher.probe_api_fast(False)
            await self._watcher.stop()
        return lines, left


def limit_mismatches(action: Expect, figures: FailoverFigures | None) -> tuple[Mismatch, ...]:
    """The step's time limits against the Watcher's figures since the last inject (pure)."""
    if not action.has_limits:
        return ()
    out: list[Mismatch] = []
    if figures is None:
        for name, value in (
            ("max_vip_gap", action.max_vip_gap),
            ("max_api_outage", action.max_api_outage),
            ("max_detection", action.max_detection),
        ):
            if value is not None:
                out.append(Mismatch(name, f"<= {value:g}s", "not measured (no inject before)"))
        return tuple(out)
    if action.max_vip_gap is not None:
        gap = figures.vip_gap
        if gap is None:
            pass  # the VIP was held all along: no gap
        elif gap.open or gap.seconds > action.max_vip_gap:
            seen = f">= {gap.seconds:.2f}s, still no holder" if gap.open else f"{gap.seconds:.2f}s"
            out.append(Mismatch("max_vip_gap", f"<= {action.max_vip_gap:g}s", seen))
    if action.max_api_outage is not None:
        longest = figures.longest_outage_s
        still = any(s.open for s in figures.api_outages)
        if longest is None:
            out.append(
                Mismatch(
                    "max_api_outage", f"<= {action.max_api_outage:g}s", "not measured (no probes)"
                )
            )
        elif still or longest > action.max_api_outage:
            seen = f">= {longest:.2f}s, still failing" if still else f"{longest:.2f}s"
            out.append(Mismatch("max_api_outage", f"<= {action.max_api_outage:g}s", seen))
    if action.max_detection is not None:
        d = figures.detection_s
        if d is None or d > action.max_detection:
            seen = "nothing detected yet" if d is None else f"{d:.2f}s"
            out.append(Mismatch("max_detection", f"<= {action.max_detection:g}s", seen))
    return tuple(out)
