"""Expectations against ClusterStates built from the real captures (tests/ui/states.py)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "ui"))

import states  # noqa: E402

from hatui.drill.expect import Mismatch, check, observe  # noqa: E402
from hatui.drill.scenario import NONE, Api, Expectation, Quorum  # noqa: E402
from hatui.model import Verdict  # noqa: E402
from hatui.observations import VrrpState  # noqa: E402

B, M = VrrpState.BACKUP, VrrpState.MASTER


def test_the_healthy_baseline_holds() -> None:
    exp = Expectation(
        vip="m1",
        vip_holders=("m1",),
        states=(("m1", M), ("m2", B), ("m3", B)),
        priorities=(121, 112, 111),
        backends_up=("m1", "m2", "m3"),
        quorum=Quorum.OK,
        api=Api.UP,
        verdict=Verdict.HEALTHY,
    )
    assert check(exp, states.healthy()) == ()
    seen = observe(exp, states.healthy())
    assert seen["vip"] == "m1" and seen["priorities (m1/m2/m3)"] == "121/112/111"
    assert seen["quorum"] == "ok (3/3 healthy, 2 needed)"
    assert seen["backends_up.m1"] == "UP on m1, UP on m2, UP on m3"


def test_seed000_first_step_holds_on_the_rejected_capture() -> None:
    exp = Expectation(
        vip="m2",
        priorities=(110, 112, 111),
        states=(("m1", B), ("m2", M)),
        backends_down=("m1",),
        api=Api.UP,
    )
    assert check(exp, states.rejected()) == ()


def test_mismatches_name_field_expected_and_observed() -> None:
    exp = Expectation(
        vip="m3",
        priorities=(110, 100, 111),
        priorities_of=(("m2", 112),),
        states=(("m1", M),),
        backends_down=("m2",),
        api=Api.DOWN,
        verdict=Verdict.API_DOWN,
    )
    got = check(exp, states.rejected())
    assert got[:5] == (
        Mismatch("vip", "m3", "m2"),
        Mismatch("states.m1", "MASTER", "BACKUP"),
        Mismatch("priorities (m1/m2/m3)", "110/100/111", "110/112/111"),
        Mismatch("backends_down.m2", "DOWN on every LB node", "UP on m1, UP on m2, UP on m3"),
        Mismatch("api", "down", "up"),
    )
    assert got[5].field == "verdict" and got[5].expected == "API-DOWN"
    assert got[0].text() == "vip: expected m3, observed m2"
    assert "priorities.m2" not in [m.field for m in got]  # m2 is 112: that part holds


def test_split_brain_vip_and_holders() -> None:
    st = states.split_brain()
    assert check(Expectation(vip="m1"), st) == (Mismatch("vip", "m1", "m1, m2"),)
    assert check(Expectation(vip_holders=("m2", "m1")), st) == ()
    assert check(Expectation(vip=NONE), st)[0].observed == "m1, m2"


def test_quorum_lost() -> None:
    st = states.quorum_lost()
    assert check(Expectation(quorum=Quorum.LOST, api=Api.DOWN), st) == ()
    (m,) = check(Expectation(quorum=Quorum.OK), st)
    assert m.field == "quorum" and m.observed.startswith("lost (0/3 healthy, 2 needed)")


def test_an_unreachable_node_is_observed_as_such() -> None:
    st = states.unreachable()
    got = check(Expectation(states=(("m3", B),), priorities_of=(("m3", 111),)), st)
    assert [(m.field, m.observed) for m in got] == [
        ("states.m3", "unreachable"),
        ("priorities.m3", "unreachable"),
    ]
    (m,) = check(Expectation(backends_up=("m1",)), st)
    assert m.observed == "UP on m1, UP on m2, unreachable on m3"


def test_unknown_vip_is_never_none() -> None:
    st = states.healthy()
    nodes = tuple(replace(n, addresses=None, keepalived=None) for n in st.nodes)
    from hatui.model import derive

    blind = derive(st.spec, nodes, st.api_via_vip, st.derived_at)
    (m,) = check(Expectation(vip=NONE), blind)
    assert m.observed.startswith("unknown (addresses of m1, m2, m3 not read)")
    assert check(Expectation(states=(("m1", M),)), blind)[0].observed == "unknown"


def test_api_not_probed() -> None:
    st = states.healthy()
    from hatui.model import derive

    unprobed = derive(st.spec, list(st.nodes), None, st.derived_at)
    (m,) = check(Expectation(api=Api.UP), unprobed)
    assert m.observed == "not probed"
