"""The request path (`hatui.topology`, pure) and its drawing, from the captured-output states."""

from __future__ import annotations

from dataclasses import replace

import states
from harness import screen_text, wait_for

from hatui.model import derive
from hatui.observations import ProbeError
from hatui.topology import topology
from hatui.ui import HatuiApp, StaticSource
from hatui.ui.topology_pane import compact, tree


def test_healthy_path_goes_through_the_holders_lb_to_every_apiserver() -> None:
    topo = topology(states.healthy())
    assert [p.holder for p in topo.paths] == ["m1"]
    path = topo.paths[0]
    assert path.lb is not None and path.lb.node == "m1" and path.lb.active
    assert [(b.node, b.lb_status, b.ready, b.alive) for b in path.backends] == [
        ("m1", "UP", True, True),
        ("m2", "UP", True, True),
        ("m3", "UP", True, True),
    ]
    assert [lb.node for lb in topo.standby] == ["m2", "m3"]
    assert topo.cut is None and path.cut is None
    assert compact(topo).plain == (
        "VIP 10.232.0.10 on m1 ─▶ m1 haproxy 3/3 ─▶ m1 UP  m2 UP  m3 UP  API answers"
    )


def test_rejected_apiserver_is_a_dead_branch_but_the_path_lives() -> None:
    topo = topology(states.rejected())
    (path,) = topo.paths
    assert path.holder == "m2"
    m1 = path.backends[0]
    assert (m1.node, m1.lb_status, m1.ready, m1.alive) == ("m1", "DOWN", False, False)
    assert path.cut is None
    drawn = tree(topo).plain.splitlines()
    assert drawn[0].endswith("m2 haproxy 2/3 ┬─X m1 DOWN  readyz FAIL")
    assert drawn[1].endswith("├─▶ m2 UP  readyz ok")
    assert "standby LB: m1 haproxy 2/3  ·  m3 haproxy 2/3" in drawn


def test_quorum_lost_without_lb_is_cut_at_the_apiserver() -> None:
    topo = topology(states.quorum_lost())
    (path,) = topo.paths
    assert path.lb is None and [(b.node, b.ready) for b in path.backends] == [("m1", False)]
    assert topo.cut == "no apiserver behind it is up"
    assert compact(topo).plain == "VIP 10.232.0.10 on m1 ─X─ m1 NOT READY  API FAILS"


def test_split_brain_draws_one_path_per_holder() -> None:
    topo = topology(states.split_brain())
    assert [p.holder for p in topo.paths] == ["m1", "m2"]
    assert topo.standby == tuple(lb for lb in topo.standby if lb.node == "m3")
    assert len(compact(topo).plain.splitlines()) == 2


def test_unreachable_lb_cuts_the_path_with_the_reason() -> None:
    healthy = states.healthy()
    nodes = list(healthy.nodes)
    nodes[0] = replace(nodes[0], reachable=False, unreachable_reason="timeout")
    state = derive(healthy.spec, nodes, healthy.api_via_vip, healthy.derived_at)
    # m1 unreachable: hatui cannot see its VIP, so the path starts nowhere
    topo = topology(state)
    assert topo.cut == "no node holds the VIP"
    assert "no node holds it" in compact(topo).plain


def test_lb_probe_error_is_named_where_the_path_is_cut() -> None:
    healthy = states.healthy()
    nodes = list(healthy.nodes)
    m1 = nodes[0]
    assert m1.lb is not None
    nodes[0] = replace(
        m1, lb=replace(m1.lb, result=ProbeError("haproxy-stat", "admin socket refused"))
    )
    state = derive(healthy.spec, nodes, healthy.api_via_vip, healthy.derived_at)
    topo = topology(state)
    assert topo.paths[0].cut == "LB on m1: admin socket refused"
    assert "m1 haproxy admin socket refused" in compact(topo).plain
    assert " ─X─ m1 haproxy" in compact(topo).plain


async def test_the_app_draws_the_path_compact_and_as_a_tree() -> None:
    last = states.rejected(states.NOW + 5)
    app = HatuiApp(StaticSource([last]), clock=lambda: states.NOW + 7, cluster_name="lab")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state is last)
        assert "VIP 10.232.0.10 on m2 ─▶ m2 haproxy 2/3 ─▶ m1 DOWN" in screen_text(app)
        assert "Path of a request" not in screen_text(app)
        await pilot.resize_terminal(160, 48)
        await wait_for(pilot, lambda: "Path of a request" in screen_text(app))
        assert "┬─X m1 DOWN  readyz FAIL" in screen_text(app)
