"""A drill run from inside the app (`hatui INVENTORY --drill FILE`, key D): the steps tick by
in the drill pane, the outcome lands in the event log, and nothing injected is left."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hatui.drill.scenario import load_scenario
from hatui.inventory import load_inventory
from hatui.ui import HatuiApp
from hatui.ui.drill_view import DrillConfirmScreen
from hatui.ui.live import LiveSource
from labkit import Lab
from ui.harness import screen_text
from ui.harness import wait_for as pilot_wait

SCENARIO = """\
name: reject m1 and back
ttl: 2m
steps:
  - expect: {vip: m1, api: up}
    within: 30s
  - inject: {fault: apiserver-reject, node: m1}
  - expect: {vip: m2, backends_down: [m1], api: up}
    within: 30s
  - clear: all
  - expect: {vip: m1, api: up}
    within: 40s
"""


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HATUI_STATE_DIR", str(tmp_path / "state"))
    yield tmp_path / "state"


async def test_drill_from_the_app_ticks_and_passes(healthy_lab: Lab, tmp_path: Path) -> None:
    path = tmp_path / "drill.yaml"
    path.write_text(SCENARIO)
    inventory = load_inventory(healthy_lab.inventory)
    source = LiveSource(inventory, interval=0.5)
    faults = source.fault_manager()
    app = HatuiApp(
        source,
        faults=faults,
        watcher=source.watcher,
        drill=load_scenario(path),
        inventory=inventory,
    )
    rules_before = healthy_lab.iptables_rules("m1")
    async with app.run_test(size=(120, 48)) as pilot:
        await pilot_wait(pilot, lambda: "HEALTHY" in screen_text(app), 30)
        await pilot.press("D")
        await pilot_wait(pilot, lambda: isinstance(app.screen, DrillConfirmScreen))
        assert " 2. inject apiserver-reject on m1" in screen_text(app)
        await pilot.press("y")
        await pilot_wait(pilot, lambda: "step 3" in screen_text(app), 30)  # ticking, live
        await pilot_wait(pilot, lambda: "drill 'reject m1 and back' on" in screen_text(app), 150)
        text = screen_text(app)
        assert ": PASSED in" in text, text
        assert " 3. PASSED" in text and "vip gap" in text  # the failover figures, per step
        assert any("PASSED" in e.text for e in app.timeline)
        assert faults.active() == []
    assert healthy_lab.iptables_rules("m1") == rules_before
