"""Input-to-render latency of the app while sweeps run, against the same app with no sweeps.

    .venv/bin/python benchmarks/bench_ui_latency.py INVENTORY [-n 30]

The app runs headless (Textual's Pilot) at 100x30. For each key press (`?` opens the help
screen, Escape closes it) the time from sending the key to the new screen being composed and
drawn is taken, N times each, in four runs of the same app:
  - idle: a static state, nothing collected (the floor: Textual's own cost);
  - live 1 s: the real live source against the inventory's cluster at the app's default
    interval (what a person at the keyboard gets);
  - live: the same, sweeps back to back (interval 0.05 s: about the heaviest load hatui
    puts on its event loop);
  - replay: the committed failover recording played at x32 (a new state every few ms).
Besides, a 10 ms heartbeat on the app's event loop records how late it fires: a blocking
parse or SSH call would show up there as a long stall. "hatui CPU" is this process's CPU time
over the wall time of the key presses (100% = one CPU busy): against the lab, the masters
share this machine's CPUs, so a latency that grows while hatui's own CPU stays low is the
lab's burst of work for each sweep, not hatui's event loop.
Prints medians and 90th percentiles, and the live/idle ratio. Loops are bounded (N <= 100).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from hatui.inventory import load_inventory
from hatui.recording import ReplaySource, read_recording
from hatui.ui import HatuiApp, StateSource, StaticSource
from hatui.ui.live import LiveSource
from hatui.ui.screens import HelpScreen

RECORDING = Path(__file__).parent.parent / "tests/fixtures/recordings/failover.jsonl.gz"
SIZE = (100, 30)


async def _until(pilot: Pilot[object], pred: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for the app: {pred}")
        await pilot.pause(0.001)
    await pilot.pause()


class Heartbeat:
    """How late a 10 ms timer fires on the running loop (its worst and 99th percentile)."""

    def __init__(self) -> None:
        self.lates: list[float] = []
        self.cpu = 0.0
        """This process's CPU seconds (all threads) while the keys were pressed."""
        self.wall = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        for _ in range(100_000):  # bounded: ~17 minutes at most
            due = time.perf_counter() + 0.010
            await asyncio.sleep(0.010)
            self.lates.append(time.perf_counter() - due)

    def start(self) -> None:
        self.cpu, self.wall = -time.process_time(), -time.perf_counter()
        self._task = asyncio.get_running_loop().create_task(self._beat())

    def stop(self) -> None:
        self.cpu += time.process_time()
        self.wall += time.perf_counter()
        if self._task is not None:
            self._task.cancel()


async def run(
    source: StateSource, n: int, warm: Callable[[HatuiApp], bool]
) -> tuple[list[float], Heartbeat]:
    app = HatuiApp(source, cluster_name="bench")
    times: list[float] = []
    beat = Heartbeat()
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: warm(app), 60)
        beat.start()
        for _ in range(n):
            began = time.perf_counter()
            await pilot.press("question_mark")
            await _until(pilot, lambda: isinstance(app.screen, HelpScreen))
            times.append(time.perf_counter() - began)
            began = time.perf_counter()
            await pilot.press("escape")
            await _until(pilot, lambda: not isinstance(app.screen, HelpScreen))
            times.append(time.perf_counter() - began)
        beat.stop()
    return times, beat


def row(label: str, times: list[float], beat: Heartbeat) -> str:
    ms = sorted(t * 1000 for t in times)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    lates = sorted(x * 1000 for x in beat.lates) or [0.0]
    p99 = lates[min(len(lates) - 1, int(len(lates) * 0.99))]
    cpu = 100 * beat.cpu / beat.wall if beat.wall else 0.0
    return (
        f"{label:<44} {statistics.median(ms):8.1f} {p90:8.1f} {p99:9.1f} {lates[-1]:9.1f}"
        f" {cpu:7.0f}%"
    )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inventory")
    parser.add_argument("-n", type=int, default=30, help="presses of each key (max 100)")
    args = parser.parse_args()
    n = max(5, min(args.n, 100))
    inventory = load_inventory(args.inventory)
    recording = read_recording(RECORDING)

    idle, idle_beat = await run(StaticSource(recording[:1]), n, lambda a: a.state is not None)
    default_src = LiveSource(inventory, interval=1.0)
    default, default_beat = await run(default_src, n, lambda a: a.state is not None)
    live_src = LiveSource(inventory, interval=0.05)
    live, live_beat = await run(live_src, n, lambda a: a.state is not None)
    sweeps = live_src._collector.sweeps if live_src._collector else 0
    replay_src = ReplaySource(recording, speed=32)
    replay, replay_beat = await run(replay_src, n, lambda a: a.state is not None)

    print(f"{len(inventory.masters)} masters; {2 * n} key presses per run; {sweeps} live sweeps")
    print(
        f"{'input -> new screen drawn (ms)':<44} {'median':>8} {'p90':>8} "
        f"{'loop p99':>9} {'loop max':>9} {'hatui CPU':>8}"
    )
    print(row("idle (no sweeps)", idle, idle_beat))
    print(row("live, a sweep a second (the default)", default, default_beat))
    print(row("live sweeps back to back", live, live_beat))
    print(row("replay x32", replay, replay_beat))
    for label, times in (("a sweep a second", default), ("back-to-back sweeps", live)):
        ratio = statistics.median(times) / statistics.median(idle)
        print(f"with {label} a key press takes {ratio:.2f}x the idle time (median)")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
