"""Faults through the app's keys (Pilot) on the real lab: inject with `f` (after reviewing the
commands), see the effect, clear with `x`; the guard's consequence shown before etcd quorum
breaks; quitting with a fault asks; --read-only disables it all. Each node is compared
before and after (iptables rules and services).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable

from hatui.inventory import load_inventory
from hatui.ui import HatuiApp
from hatui.ui.fault_screens import FaultConfirmScreen, FaultMenuScreen, QuitScreen
from hatui.ui.live import LiveSource
from labkit import Lab
from ui.harness import screen_text
from ui.harness import until_shown as until
from ui.harness import wait_for as pilot_wait

SIZE = (120, 40)
UNITS = ("sshd", "etcd", "kube-apiserver", "haproxy", "keepalived", "kubelet")


@pytest.fixture(autouse=True)
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HATUI_STATE_DIR", str(tmp_path / "state"))
    yield tmp_path / "state"


def app_on(lab: Lab, *, read_only: bool = False) -> HatuiApp:
    inventory = load_inventory(lab.inventory)
    source = LiveSource(inventory, interval=0.5)
    return HatuiApp(
        source,
        cluster_name=inventory.cluster,
        faults=source.fault_manager(read_only=read_only),
        watcher=source.watcher,
    )


def snapshot(lab: Lab, node: str) -> tuple[str, dict[str, bool]]:
    """The node's iptables rules (counters dropped) and which units run."""
    rules = lab.iptables_rules(node)
    return rules, {
        u: lab.running(node, u) for u in UNITS if u != "etcd" or lab.node(node).etcd_member
    }


async def select_row(pilot, app: HatuiApp, row: int) -> None:  # type: ignore[no-untyped-def]
    table = app.query_one("#vrrp-table", DataTable)
    table.focus()
    table.move_cursor(row=row)
    await pilot.pause()


async def test_inject_with_f_and_clear_with_x(healthy_lab: Lab) -> None:
    before = await asyncio.to_thread(snapshot, healthy_lab, "m1")
    app = app_on(healthy_lab)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, app, "HEALTHY", lambda t: "HEALTHY" in t, 30)
        await select_row(pilot, app, 0)
        await pilot.press("f")
        await pilot_wait(pilot, lambda: isinstance(app.screen, FaultMenuScreen))
        await pilot.press("enter")  # the first: apiserver-reject
        await pilot_wait(pilot, lambda: isinstance(app.screen, FaultConfirmScreen), 15)
        shown = screen_text(app)
        assert "apiserver-reject on m1" in shown and "iptables" in shown and "hatui:" in shown
        assert "GUARD" not in shown
        await pilot.press("y")
        text = await until(
            pilot, app, "the fault and the VIP on m2",
            lambda t: "FAULTS (1)" in t and f"VIP {healthy_lab.cfg.vip} on m2" in t, 40,
        )  # fmt: skip
        assert "FAULTS (1)" in text and "apiserver-reject on m1" in text
        # the streams measured it: the VIP move, the gap and the API outage, with numbers
        text = await until(
            pilot, app, "the measured failover",
            lambda t: re.search(r"\(apiserver-reject on m1\): moved VIP m1 -> m2 · VIP on m2 "
                                r"after [0-9.]+s · gap [0-9.]+s", t) is not None, 20,
        )  # fmt: skip
        assert re.search(r"API outage [0-9.]+s", text) and "detected after" in text
        assert any(
            e.text.startswith("fault injected: apiserver-reject on m1") for e in app.timeline
        )
        tagged = [r for r in healthy_lab.iptables_rules("m1").splitlines() if "hatui:" in r]
        assert len(tagged) == 1 and "--dport 6443" in tagged[0] and "REJECT" in tagged[0]
        await pilot.press("x")
        await pilot.press("enter")  # "all 1 active faults"
        text = await until(pilot, app, "the fault cleared", lambda t: "FAULTS" not in t, 30)
        assert "fault cleared: apiserver-reject on m1" in text  # the newest event, on top
        await until(
            pilot, app, "the VIP back on m1", lambda t: f"VIP {healthy_lab.cfg.vip} on m1" in t, 40
        )
    assert await asyncio.to_thread(snapshot, healthy_lab, "m1") == before


async def test_the_guard_names_the_consequence_and_escape_changes_nothing(
    healthy_lab: Lab,
) -> None:
    await asyncio.to_thread(healthy_lab.svc, "m3", "stop", "etcd")  # by hand: 2 of 3 left
    app = app_on(healthy_lab)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, app, "m3's etcd down", lambda t: "2/3 healthy" in t, 40)
        await select_row(pilot, app, 1)
        await pilot.press("f")
        await pilot_wait(pilot, lambda: isinstance(app.screen, FaultMenuScreen))
        for _ in range(5):  # etcd-stop
            await pilot.press("down")
        await pilot.press("enter")
        await pilot_wait(pilot, lambda: isinstance(app.screen, FaultConfirmScreen), 15)
        shown = screen_text(app)
        assert "etcd-stop on m2" in shown and "GUARD:" in shown and "quorum" in shown
        await pilot.press("escape")
        await pilot_wait(pilot, lambda: not isinstance(app.screen, FaultConfirmScreen))
        assert app.faults is not None and app.faults.active() == []
    assert healthy_lab.running("m2", "etcd")


async def test_quitting_with_a_fault_asks_and_clears(healthy_lab: Lab) -> None:
    before = await asyncio.to_thread(snapshot, healthy_lab, "m3")
    app = app_on(healthy_lab)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, app, "HEALTHY", lambda t: "HEALTHY" in t, 30)
        await select_row(pilot, app, 2)
        await pilot.press("f")
        await pilot_wait(pilot, lambda: isinstance(app.screen, FaultMenuScreen))
        await pilot.press("down", "down", "enter")  # keepalived-stop
        await pilot_wait(pilot, lambda: isinstance(app.screen, FaultConfirmScreen), 15)
        await pilot.press("y")
        await until(  # injected: the event logged, the countdown shown (not "injecting…")
            pilot, app, "the fault injected",
            lambda t: "FAULTS (1)" in t and "injecting" not in t
            and any(e.text.startswith("fault injected: keepalived-stop on m3")
                    for e in app.timeline), 30,
        )  # fmt: skip
        assert not healthy_lab.running("m3", "keepalived")
        await pilot.press("q")
        await pilot_wait(pilot, lambda: isinstance(app.screen, QuitScreen))
        assert "1 fault(s) still injected" in screen_text(app)
        await pilot.press("c")
        await pilot_wait(pilot, lambda: not app.is_running, 30)
    assert await asyncio.to_thread(snapshot, healthy_lab, "m3") == before


async def test_read_only_disables_the_fault_keys(healthy_lab: Lab) -> None:
    app = app_on(healthy_lab, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, app, "HEALTHY", lambda t: "HEALTHY" in t, 30)
        await select_row(pilot, app, 0)
        await pilot.press("f")
        await pilot.pause(0.5)
        assert not isinstance(app.screen, FaultMenuScreen)
        assert app.check_action("fault", ()) is None  # shown disabled, not hidden
