"""SVG snapshots of the app at 80x24 and 160x48 from fixed states (TZ=UTC, pinned clock).

Regenerate after an intended change with `pytest tests/ui --snapshot-update` and review the
SVGs. The states come from the real captures; the event log shows the healthy -> scenario
changes.
"""

from __future__ import annotations

import pytest
import states
from harness import wait_for
from textual.pilot import Pilot

from hatui.ui import HatuiApp, StaticSource

SIZES = [(80, 24), (160, 48)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("scenario", ["rejected", "quorum_lost", "unreachable"])
def test_snapshot(snap_compare, scenario: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    last = states.SCENARIOS[scenario](states.NOW + 5)
    app = HatuiApp(
        StaticSource([states.healthy(), last]),
        clock=lambda: states.NOW + 7,
        cluster_name="lab",
    )

    async def arrived(pilot: Pilot[object]) -> None:
        await wait_for(pilot, lambda: app.state is last)

    assert snap_compare(app, terminal_size=size, run_before=arrived)
