"""The FAULTS line: a fault whose node steps still run reads "injecting…", an active one
its TTL countdown, a failed one its status; hidden when there is none."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

from faultkit import plan
from hatui.faults.journal import ACTIVE, ARMED, CLEAR_FAILED, Journal
from hatui.faults.kinds import FaultKind
from hatui.ui.faults_pane import FaultsPane
from ui.harness import screen_text


class PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FaultsPane(id="faults")


async def test_the_faults_line_follows_each_fault_through_its_life(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "state")
    p = plan(FaultKind.KEEPALIVED_STOP, "m3", ttl=600)
    journal.planned(p, cluster="c1", who="ann@jump", now=1000.0)
    app = PaneApp()
    async with app.run_test(size=(100, 3)) as pilot:
        pane = app.query_one(FaultsPane)
        pane.show([], 1000.0)
        await pilot.pause()
        assert not pane.display

        for status in (None, ARMED):  # journaled before the node steps run
            if status:
                journal.event(p.fault_id, status, now=1001.0, watchdogs={"m3": 7})
            pane.show(journal.in_place("c1"), 1030.0)
            await pilot.pause()
            text = screen_text(app)
            assert "FAULTS (1)" in text and "keepalived-stop on m3 injecting…" in text, text
        journal.event(p.fault_id, ACTIVE, now=1002.0)
        pane.show(journal.in_place("c1"), 1030.0)
        await pilot.pause()
        text = screen_text(app)
        assert "injecting" not in text and "keepalived-stop on m3 9m30s" in text, text
        journal.event(p.fault_id, CLEAR_FAILED, now=1003.0, error="m3: unreachable")
        pane.show(journal.in_place("c1"), 1030.0)
        await pilot.pause()
        assert "keepalived-stop on m3 clear-failed" in screen_text(app)
