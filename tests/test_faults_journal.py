"""The journal: where it lives, what it records, and that a crash never loses a fault."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from faultkit import plan
from hatui.faults.facts import Facts
from hatui.faults.journal import (
    ACTIVE,
    ARMED,
    CLEAR_FAILED,
    CLEARED,
    FAILED,
    Journal,
    plan_from_dict,
    plan_to_dict,
    state_dir,
)
from hatui.faults.kinds import FaultKind


def test_state_dir_precedence() -> None:
    assert state_dir({"HATUI_STATE_DIR": "/x/y", "XDG_STATE_HOME": "/s"}) == Path("/x/y")
    assert state_dir({"XDG_STATE_HOME": "/s", "HOME": "/h"}) == Path("/s/hatui")
    assert state_dir({"XDG_STATE_HOME": "rel", "HOME": "/h"}) == Path("/h/.local/state/hatui")
    assert state_dir({"HOME": "/h"}) == Path("/h/.local/state/hatui")


@pytest.mark.parametrize("kind", list(FaultKind))
def test_every_plan_survives_the_journal(kind: FaultKind) -> None:
    facts = Facts(service_running=True, unicast_peers=("10.232.0.11",))
    p = plan(kind, "m2", None if kind is FaultKind.BACKEND_DRAIN else facts)
    assert plan_from_dict(json.loads(json.dumps(plan_to_dict(p)))) == p


def test_a_fault_through_its_life(tmp_path: Path) -> None:
    j = Journal(tmp_path / "state")
    p = plan(FaultKind.APISERVER_REJECT, "m1", ttl=120)
    record = j.planned(p, cluster="c1", who="ann@jump", now=1000.0)
    assert record.status == "planned" and record.expires_at == 1120.0
    assert [r.fault_id for r in j.in_place("c1")] == [p.fault_id]
    j.event(p.fault_id, ARMED, now=1001.0, watchdogs={"m1": 4242})
    j.event(p.fault_id, ACTIVE, now=1002.0)
    (r,) = j.records("c1")
    assert (r.status, dict(r.watchdogs), r.who, r.plan) == (ACTIVE, {"m1": 4242}, "ann@jump", p)
    assert r.remaining(1060.0) == 60.0 and not r.expired(1060.0) and r.expired(1120.0)
    j.event(p.fault_id, CLEAR_FAILED, now=1003.0, error="m1: unreachable")
    assert j.get("c1", p.fault_id).error == "m1: unreachable"  # type: ignore[union-attr]
    assert j.in_place("c1")
    j.event(p.fault_id, CLEARED, now=1004.0, by="watchdog")
    r = j.get("c1", p.fault_id)
    assert r is not None and (r.status, r.cleared_by, r.cleared_at) == (CLEARED, "watchdog", 1004.0)
    assert j.in_place("c1") == [] and j.records("other") == []
    assert j.warnings == []
    directory = tmp_path / "state"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(j.path.stat().st_mode) == 0o600


def test_faults_are_kept_per_cluster(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    a = plan(FaultKind.ISOLATE, "m1", Facts())
    b = plan(FaultKind.LB_REJECT, "m2", Facts())
    b = replace(b, fault_id="ffff0000")
    j.planned(a, cluster="c1", who="w", now=1.0)
    j.planned(b, cluster="c2", who="w", now=2.0)
    assert [r.fault_id for r in j.in_place("c1")] == [a.fault_id]
    assert [r.fault_id for r in j.in_place("c2")] == ["ffff0000"]
    assert len(j.records()) == 2


def test_a_line_cut_by_a_crash_is_skipped_and_the_next_append_starts_afresh(
    tmp_path: Path,
) -> None:
    j = Journal(tmp_path)
    p = plan(FaultKind.APISERVER_REJECT, "m1")
    j.planned(p, cluster="c", who="w", now=1.0)
    with open(j.path, "ab") as f:
        f.write(b'{"event": "cleared", "id": "' + p.fault_id.encode())  # SIGKILL mid-write
    assert [r.status for r in j.records("c")] == ["planned"]  # not taken as cleared
    assert len(j.warnings) == 1 and ":2: line skipped" in j.warnings[0]
    j.event(p.fault_id, ACTIVE, now=2.0)
    lines = j.path.read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[2])["event"] == ACTIVE
    assert [r.status for r in j.records("c")] == [ACTIVE]


def test_lines_that_are_not_hatuis_are_reported_not_trusted(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    p = plan(FaultKind.APISERVER_REJECT, "m1")
    good = plan_to_dict(p)
    lines = [
        "not json",
        json.dumps({"event": "planned", "id": "../../etc", "plan": good}),
        json.dumps({"event": ACTIVE, "id": "deadbeef", "at": 1}),  # never planned
        json.dumps(
            {
                "event": "planned",
                "id": p.fault_id,
                "at": 1,
                "cluster": "c",
                "expires_at": 2,
                "plan": {**good, "kind": "reboot"},
            }
        ),  # fmt: skip
    ]
    j.path.parent.mkdir(parents=True, exist_ok=True)
    j.path.write_text("\n".join(lines) + "\n")
    assert j.records() == []
    assert len(j.warnings) == 4


def test_unknown_events_are_refused_when_written(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    with pytest.raises(ValueError):
        j.event("0a1b2c3d", "planned", now=1.0)
    with pytest.raises(ValueError):
        j.event("0a1b2c3d", "rebooted", now=1.0)


def test_audit_lines(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    p = plan(FaultKind.BACKEND_DRAIN, "m2")
    record = j.planned(p, cluster="c", who="ann@jump", now=1.0)
    j.audit(action="inject", who="ann@jump", record=record, commands=["m1: x"], result="ok",
            now=1795427100.0)  # fmt: skip
    (line,) = j.audit_path.read_text().splitlines()
    assert json.loads(line) == {
        "at": "2026-11-23T09:45:00Z",
        "ts": 1795427100.0,
        "who": "ann@jump",
        "action": "inject",
        "cluster": "c",
        "id": p.fault_id,
        "fault": "backend-drain",
        "target": "m2",
        "nodes": ["m1", "m2", "m3"],
        "commands": ["m1: x"],
        "result": "ok",
    }
    assert stat.S_IMODE(os.stat(j.audit_path).st_mode) == 0o600


def test_failed_status_keeps_the_error(tmp_path: Path) -> None:
    j = Journal(tmp_path)
    p = plan(FaultKind.APISERVER_REJECT, "m1")
    j.planned(p, cluster="c", who="w", now=1.0)
    j.event(p.fault_id, FAILED, now=2.0, error="inject failed: m1: exit 4")
    (r,) = j.in_place("c")
    assert (r.status, r.error) == (FAILED, "inject failed: m1: exit 4")
