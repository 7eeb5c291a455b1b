"""The committed recording of a real lab failover (scripts/record-failover.sh): what it holds,
snapshots of its key moments at 80x24 and 160x48, and the replay keys walking through it.

The states are real sweeps of the lab (seed 000's fault: m1's :6443 rejected, then allowed
again), so these tests show what a person sees during a failover, deterministically.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import screen_text, wait_for
from textual.pilot import Pilot

from hatui.model import ClusterState, Verdict
from hatui.recording import ReplaySource, read_recording
from hatui.ui import HatuiApp, StaticSource

RECORDING = Path(__file__).parent.parent / "fixtures" / "recordings" / "failover.jsonl.gz"
STATES = read_recording(RECORDING)
SIZES = [(80, 24), (160, 48)]


def first(pred: object) -> int:
    return next(i for i, s in enumerate(STATES) if pred(s))  # type: ignore[operator]


def vip_moved() -> int:
    return first(lambda s: s.verdicts.vip_holders == ("m2",))


def back_home() -> int:
    moved = vip_moved()
    return next(i for i in range(moved, len(STATES)) if STATES[i].verdicts.vip_holders == ("m1",))


def test_the_recording_is_a_whole_failover_and_back() -> None:
    assert STATES[0].verdict is Verdict.HEALTHY and STATES[0].verdicts.vip_holders == ("m1",)
    moved, back = vip_moved(), back_home()
    assert 0 < moved < back < len(STATES) - 1
    during = STATES[moved]
    assert during.verdict is Verdict.DEGRADED
    assert any("track script CheckK8sMaster BAD" in r for r in during.verdicts.reasons)
    assert STATES[-1].verdict is Verdict.HEALTHY and STATES[-1].verdicts.vip_holders == ("m1",)
    # a real outage was caught on the way: the API stopped answering through the VIP
    assert any(s.verdicts.api_via_vip is False for s in STATES[:moved])


def app_at(index: int) -> tuple[HatuiApp, ClusterState]:
    last = STATES[index]
    app = HatuiApp(
        StaticSource(STATES[: index + 1]),
        clock=lambda: last.derived_at + 1,
        cluster_name="lab failover",
    )
    return app, last


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("moment", ["api-down", "vip-moved", "back"])
def test_snapshot(snap_compare, moment: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    index = {
        "api-down": first(lambda s: s.verdict is Verdict.API_DOWN),
        "vip-moved": vip_moved(),
        "back": back_home(),
    }[moment]
    app, last = app_at(index)

    async def arrived(pilot: Pilot[object]) -> None:
        await wait_for(pilot, lambda: app.state is last)

    assert snap_compare(app, terminal_size=size, run_before=arrived)


async def test_the_vip_move_on_screen() -> None:
    app, last = app_at(vip_moved())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state is last)
        text = screen_text(app)
        assert "VIP 10.231.0.10 on m2" in text and "DEGRADED" in text
        assert "VIP moved from m1 to m2" in text
        assert "m2 haproxy" in text  # the request path now goes through m2's LB


async def test_replay_keys_walk_through_the_failover() -> None:
    src = ReplaySource(STATES, speed=32)
    app = HatuiApp(src, clock=lambda: STATES[src.index].derived_at + 1, cluster_name="replay")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.state is not None)
        await pilot.press("space")
        await wait_for(pilot, lambda: src.paused)
        await pilot.press("left")
        for _ in range(len(STATES)):  # back to the start, then step to the move
            if src.index == 0:
                break
            await pilot.press("left")
        await wait_for(pilot, lambda: app.state is STATES[0])
        assert "VIP 10.231.0.10 on m1" in screen_text(app)
        for _ in range(vip_moved()):
            await pilot.press("right")
        await wait_for(pilot, lambda: app.state is STATES[vip_moved()])
        text = screen_text(app)
        assert "VIP 10.231.0.10 on m2" in text
        assert f"replay {vip_moved() + 1}/{len(STATES)}" in text and "paused" in text
