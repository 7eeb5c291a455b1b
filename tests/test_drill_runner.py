"""The drill runner on fakes (faults, sweeps, watcher) and the reports it feeds: steps run in
order, an expect that does not hold stops the drill, and what was injected is always cleared
(after a failure, a guard refusal, a cancellation)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "ui"))

import states  # noqa: E402

from hatui.drill.report import markdown, step_line, table, to_dict  # noqa: E402
from hatui.drill.runner import DrillRunner, Outcome, StepStatus  # noqa: E402
from hatui.drill.scenario import parse_scenario  # noqa: E402
from hatui.failover import FailoverFigures, FailoverOutcome, Span  # noqa: E402
from hatui.faults import GuardRefused  # noqa: E402
from hatui.inventory import Inventory  # noqa: E402
from hatui.model import ClusterState  # noqa: E402

FIGURES = FailoverFigures(
    t0=100.0, until=105.0, outcome=FailoverOutcome.MOVED, old_holders=("m1",),
    new_holders=("m2",), vip_dropped=None, vip_added=None, vip_gap=Span(0.07),
    api_outage=Span(0.3), api_outages=(Span(0.3), Span(0.68)), api_disruption=Span(2.0),
    detection=None, keepalived_reaction=None, split_brain=None, probes=50, probe_failures=9,
)  # fmt: skip


class FakeFaults:
    def __init__(self, consequence: str | None = None) -> None:
        self.injected: list[str] = []
        self.cleared: list[str] = []
        self._consequence = consequence
        self.records: dict[str, Any] = {}

    async def prepare(self, kind: Any, node: str, *, ttl: float, backend: Any) -> Any:
        fid = f"{len(self.records) + 1:08x}"
        plan = SimpleNamespace(
            fault_id=fid, node_names=(node,), title=lambda: f"{kind.value} on {node}", ttl=ttl
        )
        self.records[fid] = SimpleNamespace(fault_id=fid, plan=plan, in_place=True, status="x")
        return plan

    def consequence(self, plan: Any, state: ClusterState) -> str | None:
        return self._consequence

    async def inject(self, plan: Any, *, state: ClusterState, confirmed: bool) -> Any:
        if self._consequence and not confirmed:
            raise GuardRefused(self._consequence)
        self.injected.append(plan.fault_id)
        return self.records[plan.fault_id]

    async def clear(self, fault_id: str) -> Any:
        self.cleared.append(fault_id)
        self.records[fault_id].in_place = False
        return SimpleNamespace(ok=True, message="")

    def active(self) -> list[Any]:
        return [r for fid, r in self.records.items() if fid in self.injected and r.in_place]

    async def status(self) -> list[Any]:
        return [
            SimpleNamespace(record=r, nodes=(SimpleNamespace(node="m1", in_place=True),))
            for r in self.active()
        ]


class FakeWatcher:
    def __init__(self) -> None:
        self.probing: list[bool] = []

    def probe_api_fast(self, on: bool, **bounds: float) -> None:
        self.probing.append(on)

    def measure(self, t0: float) -> FailoverFigures:
        return FIGURES


def sweeps(faults: FakeFaults, before: ClusterState, after: ClusterState) -> Any:
    """`before` while none of the drill's faults is in place, `after` while one is."""

    async def sweep() -> ClusterState:
        return after if faults.active() else before

    return sweep


def inventory() -> Inventory:
    from hatui.inventory import load_inventory

    return load_inventory(Path(__file__).parents[1] / "sample-inventory.yaml")


WALK = """\
name: walk
steps:
  - expect: {vip: m1, priorities: [121, 112, 111]}
    within: 1s
  - inject: {fault: apiserver-reject, node: m1}
  - expect: {vip: m2, priorities: [110, 112, 111], backends_down: [m1]}
    within: 2s
    max_vip_gap: 1s
    max_api_outage: 1s
  - wait: 10ms
  - clear: all
"""


def runner(
    text: str,
    before: ClusterState,
    after: ClusterState | None = None,
    faults: FakeFaults | None = None,
    **kw: Any,
) -> Any:
    inv = inventory()
    faults = faults or FakeFaults()
    masters = [m.name for m in inv.masters]
    assert masters[:3] == ["m1", "m2", "m3"], masters
    return DrillRunner(
        parse_scenario(text, "t.yaml"), inv, transport=None,  # type: ignore[arg-type]
        faults=faults, watcher=FakeWatcher(),  # type: ignore[arg-type]
        sweep=sweeps(faults, before, after or before), sweep_pause=0.0, **kw,
    )  # fmt: skip


async def test_a_passing_walk_reports_each_step_live() -> None:
    started, ended = [], []
    r = runner(
        WALK, states.healthy(), states.rejected(),
        on_step_start=started.append, on_step=ended.append,
    )  # fmt: skip
    result = await r.run()
    assert result.outcome is Outcome.PASSED, result.message
    assert [s.index for s in started] == [1, 2, 3, 4, 5] and len(ended) == 5
    P, D = StepStatus.PASSED, StepStatus.DONE
    assert [e.status for e in ended] == [P, D, P, D, D]
    third = result.steps[2]
    assert third.figures is FIGURES and third.since_step == 2 and third.sweeps == 1
    assert r.faults.cleared == r.faults.injected == ["00000001"]
    assert result.cleared == () and result.left == () and result.injected == ("00000001",)
    assert r._watcher.probing == [True]


async def test_a_failed_expectation_stops_the_drill_and_clears() -> None:
    r = runner(WALK.replace("vip: m2", "vip: m3"), states.healthy(), states.rejected())
    result = await r.run()
    assert result.outcome is Outcome.FAILED
    assert result.message.startswith("step 3 (line 6, expect vip=m3 priorities=110/112/111")
    assert result.message.endswith(": vip: expected m3, observed m2")
    assert len(result.steps) == 3 and result.steps[2].status is StepStatus.FAILED
    assert r.faults.cleared == ["00000001"]
    assert result.cleared == ("00000001 apiserver-reject on m1: cleared",)
    assert not result.left


async def test_a_limit_beyond_its_figure_fails_the_step() -> None:
    r = runner(
        WALK.replace("max_api_outage: 1s", "max_api_outage: 500ms"),
        states.healthy(),
        states.rejected(),
    )
    result = await r.run()
    assert result.outcome is Outcome.FAILED
    assert result.message.endswith("max_api_outage: expected <= 0.5s, observed 0.68s")


async def test_a_guard_refusal_is_an_error_naming_the_consequence() -> None:
    faults = FakeFaults(consequence="etcd loses quorum (1 of 3 members left)")
    result = await runner(WALK, states.healthy(), faults=faults).run()
    assert result.outcome is Outcome.ERROR and not faults.injected
    assert "refused by a guard: etcd loses quorum (1 of 3 members left); add `confirm: true`" in (
        result.message
    )
    confirmed = WALK.replace("node: m1}", "node: m1, confirm: true}")
    faults = FakeFaults(consequence="etcd loses quorum")
    result = await runner(confirmed, states.healthy(), states.rejected(), faults=faults).run()
    assert result.outcome is Outcome.PASSED and faults.injected == ["00000001"]


async def test_cancellation_clears_then_reraises() -> None:
    text = WALK.replace("wait: 10ms", "wait: 60s")
    r = runner(text, states.healthy(), states.rejected())
    task = asyncio.create_task(r.run())
    for _ in range(200):
        await asyncio.sleep(0.01)
        if len(r.results) == 3:
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert r.faults.cleared == ["00000001"]
    assert r.interrupted_result.outcome is Outcome.INTERRUPTED
    assert r.interrupted_result.cleared == ("00000001 apiserver-reject on m1: cleared",)


async def test_an_unreachable_node_means_the_drill_cannot_run() -> None:
    result = await runner(WALK, states.unreachable()).run()
    assert result.outcome is Outcome.ERROR and result.steps == ()
    assert "unreachable: m3 (host key mismatch for 10.232.0.13)" in result.message


async def test_reports() -> None:
    r = runner(WALK.replace("vip: m2", "vip: m3"), states.healthy(), states.rejected())
    result = await r.run()
    text = table(result)
    lines = text.splitlines()
    assert lines[0].split() == ["#", "STEP", "RESULT", "ELAPSED", "VIP", "GAP", "API", "OUTAGE",
                                "DETECTION"]  # fmt: skip
    row3 = next(line for line in lines if line.startswith("3 "))
    assert "FAILED" in row3 and "0.07s" in row3 and "0.68s (2 runs)" in row3
    assert any(line.startswith("4 ") and "NOT RUN" in line for line in lines)
    assert "drill 'walk' on" in text and ": FAILED in" in text
    assert "cleanup: 00000001 apiserver-reject on m1: cleared" in text
    assert "cleanup: nothing the drill injected is left in place" in text
    assert "vip gap 0.07s, api outage 0.68s (2 runs), detection -" in step_line(result.steps[2])
    doc = json.loads(json.dumps(to_dict(result)))
    assert doc["outcome"] == "failed" and doc["not_run"] == [4, 5]
    s3 = doc["steps"][2]
    assert s3["mismatches"] == [{"field": "vip", "expected": "m3", "observed": "m2"}]
    assert s3["figures"]["vip_gap_s"] == 0.07 and s3["figures"]["api_longest_outage_s"] == 0.68
    assert s3["figures_since_step"] == 2 and s3["observed"]["vip"] == "m2"
    md = markdown(result)
    assert md.startswith("# Drill: walk\n")
    assert "| 3 | expect vip=m3 priorities=110/112/111 backends_down=m1" in md
    assert "- MISMATCH vip: expected m3, observed m2" in md
    assert "## Cleanup" in md and "- 00000001 apiserver-reject on m1: cleared" in md
