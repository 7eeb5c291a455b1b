"""Pilot tests: the app fed fixed states built from real captures; what the panes show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import states
from harness import screen_text, wait_for
from textual.widgets import DataTable

from hatui.model import ClusterState, Probe, derive
from hatui.observations import KubeApiObservation, LeaderLease
from hatui.parsers import parse_lease, parse_node_list
from hatui.ui import HatuiApp, StaticSource
from hatui.ui.screens import HelpScreen, NodeDetailScreen


def make_app(*sts: ClusterState) -> HatuiApp:
    return HatuiApp(StaticSource(sts), clock=lambda: states.NOW + 2, cluster_name="lab")


async def shown(scenario: Callable[[], ClusterState], size: tuple[int, int] = (80, 24)) -> str:
    state = scenario()
    app = make_app(state)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.state is state)
        return screen_text(app)


def vrrp_row(text: str, node: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(f"{node} "))


async def test_healthy_shows_healthy_and_vip_on_m1() -> None:
    text = await shown(states.healthy)
    assert "VIP 10.232.0.10 on m1" in text and "HEALTHY" in text
    assert "MASTER" in vrrp_row(text, "m1") and "VIP" in vrrp_row(text, "m1")
    assert "3/3 healthy, needs 2, tolerates 1 more" in text


async def test_rejected_shows_m2_holder_and_m1_backup_110() -> None:
    text = await shown(states.rejected)
    assert "VIP 10.232.0.10 on m2" in text and "DEGRADED" in text
    m1 = vrrp_row(text, "m1")
    assert "BACKUP" in m1 and "110/110" in m1 and "BAD" in m1
    assert "MASTER" in vrrp_row(text, "m2")
    assert "DOWN" in text  # m1's backend in the LB matrix


async def test_split_brain_names_both_holders() -> None:
    text = await shown(states.split_brain)
    assert "SPLIT-BRAIN" in text
    assert "on m1 + m2" in text


async def test_quorum_lost_shows_verdict_and_tolerance() -> None:
    text = await shown(states.quorum_lost)
    assert "QUORUM-LOST" in text
    assert "0/3 healthy, needs 2, tolerates none" in text
    assert "leader: none" in text


async def test_unreachable_node_shows_its_reason() -> None:
    text = await shown(states.unreachable)
    assert f"m3 unreachable: {states.UNREACHABLE_REASON}" in text
    assert "unreachable" in vrrp_row(text, "m3")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_every_pane_fits_without_scrolling(size: tuple[int, int]) -> None:
    text = await shown(states.rejected, size)
    for title in ("VRRP (keepalived)", "API", "Load balancers", "etcd", "Events", "? Help"):
        assert title in text, title
    assert "▉" not in text  # no scrollbar thumb anywhere


async def test_help_lists_every_binding() -> None:
    app = make_app(states.healthy())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = screen_text(app)
        for binding in HatuiApp.BINDINGS:
            assert binding.description in text, binding  # type: ignore[union-attr]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_palette_reaches_every_action() -> None:
    app = make_app(states.healthy())
    async with app.run_test(size=(80, 24)):
        titles = {c.title for c in app.get_system_commands(app.screen)}
    for binding in HatuiApp.BINDINGS:
        action = binding.action  # type: ignore[union-attr]
        if action in ("quit",) or action in {
            "toggle_pause",
            "faster",
            "slower",
            "seek_back",
            "seek_forward",
            "fault",
            "clear_faults",
            "run_drill",
        }:
            continue  # quit is Textual's own; playback only replaying; faults only live
        assert binding.description in titles, action  # type: ignore[union-attr]


async def test_enter_opens_node_detail_of_the_row() -> None:
    state = states.rejected()
    app = make_app(state)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state is state)
        app.query_one("#vrrp-table", DataTable).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, NodeDetailScreen))
        assert isinstance(app.screen, NodeDetailScreen) and app.screen.node == "m1"
        text = screen_text(app)
        assert "Node m1" in text and "CheckK8sMaster" in text
        assert "keepalived log" in text


async def test_theme_key_cycles_hatui_themes() -> None:
    app = make_app(states.healthy())
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "dark"
        await pilot.press("t")
        assert app.theme != "dark"
        assert app.theme in {"light", "high-contrast"}


async def test_event_log_records_the_vip_move() -> None:
    first, second = states.healthy(), states.rejected(states.NOW + 5)
    app = make_app(first, second)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state is second)
        assert "VIP moved from m1 to m2" in screen_text(app)
        assert any(e.text == "VIP moved from m1 to m2" for e in app.timeline)


async def test_unknown_theme_becomes_a_notification() -> None:
    app = HatuiApp(StaticSource([states.healthy()]), theme="nope", clock=lambda: states.NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: bool(app._notifications))
        assert app.theme == "dark"
        assert any("nope" in str(n.message) for n in app._notifications)


class _BrokenSource:
    async def states(self):  # type: ignore[no-untyped-def]
        raise ValueError("interval must be greater than 0")
        yield  # pragma: no cover - makes this an async generator


async def test_a_failing_source_is_shown_not_silent() -> None:
    app = HatuiApp(_BrokenSource(), clock=lambda: states.NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "collecting stopped" in screen_text(app))
        text = screen_text(app)
        assert "ValueError: interval must be greater than 0" in text
        assert any("hatui stopped collecting" in str(n.title) for n in app._notifications)


def _with_kube(nodes_fixture: str) -> ClusterState:
    kube = Path(__file__).parent.parent / "fixtures" / "kube"
    nodes = parse_node_list((kube / nodes_fixture).read_text(), 200)
    lease = parse_lease((kube / "kube-lease-controller-manager.json").read_text(), 200)
    assert isinstance(lease, LeaderLease)
    live = replace(lease, renew_time=states.NOW - 1)
    probe = Probe(
        KubeApiObservation(
            "https://10.232.0.10:16443", nodes, live, replace(live, name="kube-scheduler")
        ),
        observed_at=states.NOW - 1,
    )
    healthy = states.healthy()
    return derive(healthy.spec, healthy.nodes, healthy.api_via_vip, states.NOW, kube_api=probe)


async def test_api_pane_shows_node_ready_and_the_leaders() -> None:
    ready, not_ready = (
        _with_kube("kube-nodelist-healthy.json"),
        _with_kube("kube-nodelist-notready.json"),
    )
    holder = ready.verdicts.controller_manager_leader
    assert holder is not None
    app = make_app(ready)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.state is ready)
        assert "nodes all 3 Ready" in screen_text(app)
        assert f"leaders cm {holder} sched {holder}" in screen_text(app)
    app = make_app(not_ready)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.state is not_ready)
        missing = " ".join(not_ready.verdicts.nodes_not_ready)
        assert missing and f"NotReady: {missing}" in screen_text(app)
        assert "DEGRADED" in screen_text(app)
