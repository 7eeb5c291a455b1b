"""The drill scenario format: what it reads, and errors that name file:line: field."""

from __future__ import annotations

from pathlib import Path

import pytest

from hatui.drill.scenario import (
    DEFAULT_WITHIN,
    NONE,
    Api,
    Clear,
    Expect,
    Inject,
    Quorum,
    Wait,
    check_nodes,
    format_seconds,
    load_scenario,
    parse_duration,
    parse_scenario,
)
from hatui.errors import DrillError
from hatui.faults import DEFAULT_TTL, FaultKind
from hatui.model import Verdict
from hatui.observations import VrrpState

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "drills"
MASTERS = ["m1", "m2", "m3"]

GOOD = """\
name: walk
ttl: 5m
steps:
  - expect: {vip: m1, priorities: [121, 112, 111], api: up}
    within: 30s
  - inject: {fault: apiserver-reject, node: m1}
  - expect:
      vip: m2
      priorities: {m1: 110}
      states: {m1: BACKUP, m2: MASTER}
      backends_down: [m1]
      backends_up: [m2, m3]
      quorum: ok
      verdict: DEGRADED
    within: 20s
    max_vip_gap: 5s
    max_api_outage: 4s
    max_detection: 500ms
  - wait: 2s
  - inject: {fault: isolate, node: m2, confirm: true}
  - expect: {vip: none, vip_holders: [m1, m3]}
  - clear: all
  - clear: m2
  - name: done
    clear: last
"""


def error_of(text: str) -> str:
    with pytest.raises(DrillError) as info:
        parse_scenario(text, "d.yaml")
    return str(info.value)


def test_a_full_scenario_is_read() -> None:
    s = parse_scenario(GOOD, "d.yaml")
    assert (s.name, s.ttl, s.source, len(s.steps)) == ("walk", 300.0, "d.yaml", 9)
    first, inject, second, wait, iso, third, *clears = s.steps
    assert isinstance(first.action, Expect) and first.line == 4 and first.index == 1
    assert first.action.expectation.priorities == (121, 112, 111)
    assert first.action.expectation.api is Api.UP and first.action.within == 30
    assert inject.action == Inject(FaultKind.APISERVER_REJECT, "m1")
    assert isinstance(second.action, Expect)
    e = second.action.expectation
    assert e.vip == "m2" and e.priorities_of == (("m1", 110),)
    assert e.states == (("m1", VrrpState.BACKUP), ("m2", VrrpState.MASTER))
    assert e.backends_down == ("m1",) and e.backends_up == ("m2", "m3")
    assert e.quorum is Quorum.OK and e.verdict is Verdict.DEGRADED
    assert (second.action.max_vip_gap, second.action.max_api_outage) == (5.0, 4.0)
    assert second.action.max_detection == 0.5
    assert wait.action == Wait(2.0)
    assert iso.action == Inject(FaultKind.ISOLATE, "m2", confirm=True)
    assert isinstance(third.action, Expect) and third.action.within == DEFAULT_WITHIN
    assert third.action.expectation.vip == NONE
    assert third.action.expectation.vip_holders == ("m1", "m3")
    assert [c.action for c in clears] == [Clear("all"), Clear("m2"), Clear("last")]
    assert clears[-1].text() == "done"
    assert second.text().startswith("expect vip=m2 states=m1:BACKUP,m2:MASTER priorities=m1:110")
    assert "vip_gap<=5s api_outage<=4s detection<=500ms within 20s" in second.text()
    check_nodes(s, MASTERS)


def test_defaults() -> None:
    s = parse_scenario("steps:\n  - wait: 1\n", "dir/my-drill.yaml")
    assert (s.name, s.ttl) == ("my-drill", DEFAULT_TTL)


@pytest.mark.parametrize("name", ["seed000-priority-walk", "seed003-quorum-loss"])
def test_the_shipped_examples_parse_and_name_known_nodes(name: str) -> None:
    s = load_scenario(EXAMPLES / f"{name}.yaml")
    check_nodes(s, MASTERS)
    assert any(isinstance(st.action, Inject) for st in s.steps)
    assert isinstance(s.steps[-2].action, Clear) and s.steps[-2].action.target == "all"


def test_seed000_walks_the_priorities_of_the_seed() -> None:
    s = load_scenario(EXAMPLES / "seed000-priority-walk.yaml")
    walk = [
        (st.action.expectation.vip, st.action.expectation.priorities)
        for st in s.steps
        if isinstance(st.action, Expect)
    ]
    assert walk[:4] == [
        ("m1", (121, 112, 111)),
        ("m2", (110, 112, 111)),
        ("m3", (110, 100, 111)),
        ("m1", (110, 100, 100)),
    ]
    injects = [st.action for st in s.steps if isinstance(st.action, Inject)]
    assert [(i.fault, i.node) for i in injects] == [
        (FaultKind.APISERVER_REJECT, n) for n in ("m1", "m2", "m3")
    ]


def test_seed003_confirms_only_the_quorum_breaking_isolate() -> None:
    s = load_scenario(EXAMPLES / "seed003-quorum-loss.yaml")
    injects = [st.action for st in s.steps if isinstance(st.action, Inject)]
    assert [(i.fault, i.node, i.confirm) for i in injects] == [
        (FaultKind.ISOLATE, "m1", False),
        (FaultKind.ISOLATE, "m2", True),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("steps:\n  - wiat: 2s\n", "d.yaml:2: steps[0].wiat: unknown key (did you mean 'wait'?)"),
        (
            "steps:\n  - wait: 2s\n    inject: {fault: isolate, node: m1}\n",
            "d.yaml:2: steps[0]: a step has exactly one of inject, wait, expect, clear "
            "(found inject, wait)",
        ),
        ("steps:\n  - within: 2s\n", "d.yaml:2: steps[0]: a step has exactly one of"),
        (
            "steps:\n  - inject: {fault: apiserver-rejct, node: m1}\n",
            "d.yaml:2: steps[0].inject.fault: expected one of apiserver-reject,",
        ),
        (
            "steps:\n  - inject: {fault: isolate}\n",
            "d.yaml:2: steps[0].inject.node: required key is missing",
        ),
        (
            "steps:\n  - wait: 2s\n    within: 3s\n",
            "d.yaml:3: steps[0].within: only an expect step takes a limit",
        ),
        (
            "steps:\n  - expect: {vip: m1}\n    within: soon\n",
            "d.yaml:3: steps[0].within: expected a duration such as 2s, 500ms or 5m, got 'soon'",
        ),
        (
            "steps:\n  - expect: {}\n",
            "d.yaml:2: steps[0].expect: expect at least one of: vip,",
        ),
        (
            "steps:\n  - expect:\n      api: upp\n",
            "d.yaml:3: steps[0].expect.api: expected one of up, down, got 'upp'",
        ),
        (
            "steps:\n  - expect:\n      states: {m1: MASTR}\n",
            "d.yaml:3: steps[0].expect.states.m1: expected one of MASTER, BACKUP, FAULT, STOP",
        ),
        (
            "steps:\n  - expect:\n      priorities: [121, 300]\n",
            "d.yaml:3: steps[0].expect.priorities[1]: expected an integer from 0 to 255, got 300",
        ),
        (
            "steps:\n  - expect:\n      priorities: 121\n",
            "d.yaml:3: steps[0].expect.priorities: expected a list of priorities",
        ),
        ("ttl: 1s\nsteps:\n  - wait: 1\n", "d.yaml:1: ttl: expected a TTL from 5s to"),
        ("name: x\n", "d.yaml:1: steps: required key is missing"),
        ("steps: []\n", "d.yaml:1: steps: a drill needs at least one step"),
        ("", "d.yaml:1: the scenario is empty"),
        ("steps:\n  - wait: [1\n", "d.yaml:3: YAML syntax error"),
        (
            "steps:\n  - wait: 2s\n  - wait: 2s\n    wait: 3s\n",
            "d.yaml:4: steps[1].wait: duplicate key (first at line 3)",
        ),
    ],
)
def test_errors_name_file_line_and_field(text: str, expected: str) -> None:
    assert error_of(text).startswith(expected), error_of(text)


def test_unknown_nodes_and_short_priority_lists_are_refused_with_their_line() -> None:
    s = parse_scenario(GOOD.replace("node: m2, confirm", "node: m9, confirm"), "d.yaml")
    with pytest.raises(DrillError, match=r"^d\.yaml:20: steps\[4\]\.inject\.node: unknown node "
                       r"'m9' \(the inventory's masters: m1, m2, m3\)$"):  # fmt: skip
        check_nodes(s, MASTERS)
    s = parse_scenario("steps:\n  - expect: {priorities: [121, 112]}\n", "d.yaml")
    with pytest.raises(DrillError, match=r"^d\.yaml:2: steps\[0\]\.expect\.priorities: 2 "):
        check_nodes(s, MASTERS)
    s = parse_scenario("steps:\n  - expect: {states: {m4: MASTER}}\n", "d.yaml")
    with pytest.raises(DrillError, match=r"steps\[0\]\.expect\.states\.m4: unknown node 'm4'"):
        check_nodes(s, MASTERS)


def test_a_missing_file_is_a_drill_error(tmp_path: Path) -> None:
    with pytest.raises(DrillError, match="cannot read the scenario"):
        load_scenario(tmp_path / "nope.yaml")


def test_durations() -> None:
    assert parse_duration(2) == 2.0 and parse_duration("500ms") == 0.5
    assert parse_duration("5m") == 300.0 and parse_duration("1.5s") == 1.5
    for bad in (True, "2 days", -1, "x"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert [format_seconds(x) for x in (0.25, 2, 1.5, 300, 5400)] == [
        "250ms", "2s", "1.5s", "5m", "1h30m",
    ]  # fmt: skip
