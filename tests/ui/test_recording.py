"""Recordings: lossless round trip of real states, redaction, and replay with controls."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
import states
from harness import screen_text, wait_for

from hatui.observations import ProbeError
from hatui.recording import (
    Recorder,
    RecordingError,
    ReplaySource,
    from_json,
    read_recording,
    to_json,
)
from hatui.ui import HatuiApp


@pytest.mark.parametrize("name", sorted(states.SCENARIOS))
def test_round_trip(name: str) -> None:
    state = states.SCENARIOS[name]()
    line = to_json(state)
    assert "\n" not in line
    assert from_json(line) == state


def test_secrets_are_redacted() -> None:
    state = states.healthy()
    leaky = ProbeError("keepalived-data", "bad dump", excerpt="auth_pass s3cr3tpw")
    node = replace(state.nodes[0], lb=replace(state.nodes[0].lb, result=leaky))  # type: ignore[arg-type]
    line = to_json(replace(state, nodes=(node, *state.nodes[1:])))
    assert "s3cr3tpw" not in line and "auth_pass" in line


def test_recorder_appends_lines(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    sts = [states.healthy(), states.rejected(states.NOW + 5)]
    with Recorder(path) as rec:
        for s in sts:
            rec.write(s)
    assert len(path.read_text().splitlines()) == 2
    assert read_recording(path) == tuple(sts)


def test_bad_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(to_json(states.healthy()) + "\n{not json\n")
    with pytest.raises(RecordingError, match="bad.jsonl:2"):
        read_recording(path)


async def test_replay_pause_holds_and_speed_steps() -> None:
    sts = [states.healthy(states.NOW + i) for i in range(3)]
    src = ReplaySource(sts, speed=1.0)
    it = src.states().__aiter__()
    assert await it.__anext__() is sts[0]
    src.toggle_pause()
    nxt = asyncio.ensure_future(it.__anext__())
    await asyncio.sleep(1.2)  # longer than the 1 s gap: paused, so nothing comes
    assert not nxt.done()
    src.toggle_pause()
    assert await asyncio.wait_for(nxt, 2) is sts[1]
    src.faster()
    assert src.speed == 2.0
    src.slower()
    src.slower()
    assert src.speed == 0.5 and src.position() == "2/3 x0.5"


async def test_replay_seek_yields_at_once() -> None:
    sts = [states.healthy(states.NOW + 100 * i) for i in range(3)]
    src = ReplaySource(sts, speed=1.0, max_gap=100)
    it = src.states().__aiter__()
    assert await it.__anext__() is sts[0]
    nxt = asyncio.ensure_future(it.__anext__())
    await asyncio.sleep(0.01)
    src.seek(2)
    assert await asyncio.wait_for(nxt, 1) is sts[2]
    assert src.position() == "3/3 x1"


async def test_replay_in_the_app(tmp_path: Path) -> None:
    path = tmp_path / "failover.jsonl"
    first, second = states.healthy(), states.rejected(states.NOW + 1)
    with Recorder(path) as rec:
        rec.write(first)
        rec.write(second)
    src = ReplaySource(path, speed=32)
    app = HatuiApp(src, clock=lambda: states.NOW + 2)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state == second)
        assert "VIP moved from m1 to m2" in [e.text for e in app.timeline]
        await pilot.press("space")
        assert src.paused
        await pilot.press("left")  # seek back to the healthy state, shown although paused
        await wait_for(pilot, lambda: app.state == first)
        assert "replay 1/2 x32 paused" in screen_text(app)
        await pilot.press("minus")
        assert src.speed == 16
