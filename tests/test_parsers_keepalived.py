"""keepalived parsers on real 2.2.7 dumps and logs (tests/fixtures/captured), hand-made
json_version 2 / 2.0-era / journal samples, and broken outputs."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from hatui.observations import (
    KeepalivedEventKind,
    KeepalivedObservation,
    ProbeError,
    ScriptStatus,
    TrackScript,
    VrrpState,
)
from hatui.parsers.keepalived_data import merge_keepalived, parse_keepalived_data
from hatui.parsers.keepalived_json import parse_keepalived_json, vrrp_state
from hatui.parsers.keepalived_log import parse_keepalived_log

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "891e2ab0"  # the lab's VRRP password, in clear in the captured dumps


def read(name: str) -> str:
    return (FIXTURES / name).read_text()


def ok_json(name: str) -> KeepalivedObservation:
    obs = parse_keepalived_json(read(name))
    assert isinstance(obs, KeepalivedObservation), obs
    return obs


def ok_data(name: str) -> KeepalivedObservation:
    obs = parse_keepalived_data(read(name))
    assert isinstance(obs, KeepalivedObservation), obs
    return obs


# --- JSON --------------------------------------------------------------------------------


def test_json_v1_healthy_master_fields() -> None:
    obs = ok_json("captured/keepalived-json-healthy-m1.json")
    assert obs.source == "json-v1"
    (inst,) = obs.instances
    assert (inst.name, inst.vrid, inst.state, inst.wantstate) == (
        "VI_1",
        51,
        VrrpState.MASTER,
        VrrpState.MASTER,
    )
    assert (inst.base_priority, inst.effective_priority) == (110, 121)
    assert inst.nopreempt is False and inst.vipset is True
    assert inst.vips == ("10.232.0.10/24 dev eth0 scope global set",)
    assert inst.interface == "eth0"
    assert inst.last_transition == pytest.approx(1795427044.702076)
    assert inst.adverts is not None
    assert (inst.adverts.advert_sent, inst.adverts.become_master) == (32, 1)
    # The JSON names track scripts by command only.
    (script,) = inst.track_scripts
    assert script.name is None and script.command is not None
    assert "https://10.232.0.11:6443/readyz" in script.command
    # A master's master_priority (0 here) is not a heard master.
    assert inst.heard_master_priority is None


def test_json_v1_backup_hears_master_priority() -> None:
    (inst,) = ok_json("captured/keepalived-json-healthy-m2.json").instances
    assert inst.state is VrrpState.BACKUP
    assert inst.heard_master_priority == 121
    assert inst.vipset is False


def test_json_m1_rejected_priorities_match_seed_000() -> None:
    """Seed 000 step 3: m1 BACKUP at 110, m2 MASTER at 112."""
    (m1,) = ok_json("captured/keepalived-json-m1-rejected-m1.json").instances
    (m2,) = ok_json("captured/keepalived-json-m1-rejected-m2.json").instances
    assert (m1.state, m1.effective_priority, m1.heard_master_priority) == (
        VrrpState.BACKUP,
        110,
        112,
    )
    assert (m2.state, m2.effective_priority) == (VrrpState.MASTER, 112)
    assert m1.adverts is not None and m1.adverts.release_master == 1


def test_json_never_carries_the_password() -> None:
    """`auth_data` is in clear in the dump; it must not reach the observation."""
    text = read("captured/keepalived-json-m1-rejected-m1.json")
    assert SECRET in text
    obs = parse_keepalived_json(text)
    assert isinstance(obs, KeepalivedObservation)
    assert SECRET not in repr(obs)


def test_json_v2_layout() -> None:
    obs = ok_json("handmade/keepalived-json-v2.json")
    assert obs.source == "json-v2"
    (inst,) = obs.instances
    assert (inst.name, inst.state, inst.effective_priority) == ("VI_1", VrrpState.MASTER, 112)


def test_json_v2_tolerates_version_key_and_state_names() -> None:
    text = (
        '{"version":"2.3.1","json_version":2,"vrrp":[{"data":{"iname":"VI_9","vrid":9,'
        '"state":"BACKUP","wantstate":"MASTER","base_priority":100,"effective_priority":99,'
        '"master_priority":120},"stats":{"advert_rcvd":1,"advert_sent":0,"become_master":0,'
        '"release_master":0}}]}'
    )
    obs = parse_keepalived_json(text)
    assert isinstance(obs, KeepalivedObservation)
    (inst,) = obs.instances
    assert (inst.state, inst.wantstate, inst.heard_master_priority) == (
        VrrpState.BACKUP,
        VrrpState.MASTER,
        120,
    )


@pytest.mark.parametrize(
    ("value", "state"),
    [
        (0, VrrpState.INIT),
        (1, VrrpState.BACKUP),
        (2, VrrpState.MASTER),
        (3, VrrpState.FAULT),
        (98, VrrpState.STOP),
        (97, VrrpState.DELETED),
        (42, VrrpState.UNKNOWN),
        ("MASTER", VrrpState.MASTER),
        ("fault", VrrpState.FAULT),
        ("2", VrrpState.MASTER),
        (True, None),
        (None, None),
    ],
)
def test_vrrp_state_numbers_and_names(value: object, state: VrrpState | None) -> None:
    assert vrrp_state(value) is state


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("[{", "truncated"),
        ("garbage", "invalid"),
        ('{"foo": 1}', "expected a list"),
        ("[1, 2]", "instance #1"),
        ('[{"data": {"iname": "VI_1"}}]', "'state'"),
        ('[{"data": {"state": 2}}]', "iname"),
        ('[{"data": {"iname": "VI_1", "state": "SLEEPING"}}]', None),
    ],
)
def test_json_bad_input_gives_error_value(text: str, expected: str | None) -> None:
    result = parse_keepalived_json(text)
    if expected is None:  # an unknown state name is tolerated, not an error
        assert isinstance(result, KeepalivedObservation)
        assert result.instances[0].state is VrrpState.UNKNOWN
        return
    assert isinstance(result, ProbeError)
    assert result.source == "keepalived-json"
    assert expected in result.message


def test_json_cut_inside_auth_data_is_error_and_redacted() -> None:
    text = read("broken/keepalived-json-cut-in-auth-data.json")
    result = parse_keepalived_json(text)
    assert isinstance(result, ProbeError)
    assert "truncated" in result.message
    assert SECRET[:4] in text and SECRET[:4] not in result.excerpt
    assert "<redacted>" in result.excerpt


# --- DATA --------------------------------------------------------------------------------


def test_data_backup_gives_master_router_and_script_by_name() -> None:
    obs = ok_data("captured/keepalived-data-healthy-m2.txt")
    (inst,) = obs.instances
    assert (inst.state, inst.master_router, inst.master_priority) == (
        VrrpState.BACKUP,
        "10.232.0.11",
        121,
    )
    assert (inst.base_priority, inst.effective_priority) == (100, 112)
    assert inst.src_ip == "10.232.0.12" and inst.nopreempt is False and inst.vipset is False
    (script,) = inst.track_scripts
    assert (script.name, script.status, script.weight, script.rise, script.fall) == (
        "CheckK8sMaster",
        ScriptStatus.GOOD,
        12,
        2,
        3,
    )
    assert script.interval_s == 1 and script.timeout_s == 3
    assert script.command is not None and "10.232.0.12:6443" in script.command
    assert script.priority_effect == 12


def test_data_rejected_m1_script_is_bad() -> None:
    (inst,) = ok_data("captured/keepalived-data-m1-rejected-m1.txt").instances
    assert inst.state is VrrpState.BACKUP and inst.effective_priority == 110
    (script,) = inst.track_scripts
    assert script.status is ScriptStatus.BAD
    assert script.priority_effect == 0  # positive weight: BAD adds nothing


def test_data_master_has_no_master_router() -> None:
    (inst,) = ok_data("captured/keepalived-data-quorum-lost-m1.txt").instances
    assert inst.state is VrrpState.MASTER and inst.master_router is None
    assert inst.vipset is True
    assert inst.last_transition == pytest.approx(1795427100.858951)


def test_data_never_carries_the_password() -> None:
    text = read("captured/keepalived-data-healthy-m1.txt")
    assert f"Password = {SECRET}" in text
    assert SECRET not in repr(parse_keepalived_data(text))


def test_data_2_0_layout() -> None:
    obs = ok_data("handmade/keepalived-data-2.0-style.txt")
    (inst,) = obs.instances
    assert (inst.name, inst.vrid, inst.state, inst.nopreempt) == (
        "VI_0",
        238,
        VrrpState.BACKUP,
        True,
    )
    assert inst.vips == ("192.168.6.236/24 dev ens192 scope global",)
    assert inst.last_transition == 1567373673
    (script,) = inst.track_scripts
    assert (script.name, script.status, script.weight) == ("CheckK8sMaster", ScriptStatus.BAD, 11)


def test_data_reverse_and_negative_weights() -> None:
    block = read("captured/keepalived-data-healthy-m1.txt")
    block = block.replace("     CheckK8sMaster weight 11", "     CheckK8sMaster weight -2")
    (inst,) = ok_data_text(block).instances
    assert inst.track_scripts[0].weight == -2
    assert inst.track_scripts[0].priority_effect == 0  # GOOD with negative weight: no change
    bad = TrackScript(name="x", command=None, status=ScriptStatus.BAD, weight=-2)
    assert bad.priority_effect == -2
    rev = TrackScript(
        name="x", command=None, status=ScriptStatus.BAD, weight=5, weight_reverse=True
    )
    assert rev.priority_effect == 5


def ok_data_text(text: str) -> KeepalivedObservation:
    obs = parse_keepalived_data(text)
    assert isinstance(obs, KeepalivedObservation), obs
    return obs


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("broken/keepalived-data-cut-in-instance.txt", "cut off"),
        ("broken/keepalived-data-cut-in-script.txt", "Status"),
        ("broken/http-502.html", "not a keepalived DATA dump"),
        ("broken/command-not-found.txt", "not a keepalived DATA dump"),
    ],
)
def test_data_broken_gives_error_value(name: str, expected: str) -> None:
    result = parse_keepalived_data(read(name))
    assert isinstance(result, ProbeError)
    assert expected in result.message
    assert SECRET not in result.excerpt


def test_data_empty_is_error() -> None:
    result = parse_keepalived_data("")
    assert isinstance(result, ProbeError) and "empty" in result.message


# --- merge -------------------------------------------------------------------------------


def test_merge_names_json_scripts_and_keeps_json_counters() -> None:
    j = ok_json("captured/keepalived-json-m1-rejected-m1.json")
    d = ok_data("captured/keepalived-data-m1-rejected-m1.txt")
    merged = merge_keepalived(j, d)
    assert isinstance(merged, KeepalivedObservation)
    assert merged.source == "json-v1+data"
    (inst,) = merged.instances
    assert inst.adverts == j.instances[0].adverts  # from JSON
    assert inst.master_router == "10.232.0.12"  # from DATA
    (script,) = inst.track_scripts
    assert (script.name, script.status, script.weight) == ("CheckK8sMaster", ScriptStatus.BAD, 11)
    assert script.command == j.instances[0].track_scripts[0].command


def test_merge_one_side_missing_or_broken() -> None:
    d = ok_data("captured/keepalived-data-healthy-m1.txt")
    broken = parse_keepalived_json("[{")
    assert merge_keepalived(broken, d) is d
    assert merge_keepalived(None, d) is d
    j = ok_json("captured/keepalived-json-healthy-m1.json")
    assert merge_keepalived(j, ProbeError("keepalived-data", "x")) is j
    both = merge_keepalived(broken, ProbeError("keepalived-data", "y"))
    assert both is broken
    nothing = merge_keepalived(None, None)
    assert isinstance(nothing, ProbeError)


def test_stopped_observation() -> None:
    obs = KeepalivedObservation.stopped()
    assert obs.running is False and obs.instances == () and obs.instance() is None


# --- log ---------------------------------------------------------------------------------


def test_log_console_form_m1_rejected() -> None:
    log = parse_keepalived_log(read("captured/keepalived-log-m1-rejected-m1.log"))
    kinds = [e.kind for e in log.events]
    assert kinds.count(KeepalivedEventKind.ENTER_STATE) == 3
    failed = next(e for e in log.events if e.kind is KeepalivedEventKind.SCRIPT_FAILED)
    assert (failed.script, failed.exit_status, failed.time_text) == (
        "CheckK8sMaster",
        7,
        "Mon Nov 23 09:44:44 2026",
    )
    assert failed.timestamp == 1795427084.0  # read in UTC by default
    drops = [e for e in log.events if e.kind is KeepalivedEventKind.PRIORITY_CHANGED]
    assert [(e.priority_from, e.priority_to) for e in drops] == [(110, 121), (121, 110)]
    higher = next(e for e in log.events if e.kind is KeepalivedEventKind.HIGHER_PRIO_ADVERT)
    assert (higher.instance, higher.peer, higher.peer_priority, higher.own_priority) == (
        "VI_1",
        "10.232.0.12",
        112,
        110,
    )
    last = log.events[-2]
    assert (last.kind, last.state) == (KeepalivedEventKind.ENTER_STATE, VrrpState.BACKUP)
    assert log.skipped_lines > 0  # ARP chatter, banner and dump notices are not events


def test_log_m2_takes_over_after_advert_timeout() -> None:
    log = parse_keepalived_log(read("captured/keepalived-log-m1-rejected-m2.log"))
    tail = [e.kind for e in log.events][-4:]
    assert tail == [
        KeepalivedEventKind.LOWER_PRIO_ADVERT,
        KeepalivedEventKind.ADVERT_TIMEOUT,
        KeepalivedEventKind.ENTER_STATE,
        KeepalivedEventKind.VIPS_SET,
    ]
    assert log.events[-2].state is VrrpState.MASTER


def test_log_journal_form_from_seed_000() -> None:
    log = parse_keepalived_log(read("handmade/keepalived-journal-seed000.log"), year=2019)
    by_kind = {e.kind: e for e in log.events}
    assert by_kind[KeepalivedEventKind.HIGHER_PRIO_ADVERT].peer_priority == 111
    assert by_kind[KeepalivedEventKind.ENTER_STATE].instance == "VI_0"
    changes = [e.priority_to for e in log.events if e.kind is KeepalivedEventKind.PRIORITY_CHANGED]
    assert changes == [121, 110]
    failed = by_kind[KeepalivedEventKind.SCRIPT_FAILED]
    assert failed.exit_status is None and failed.script == "CheckK8sMaster"
    assert failed.timestamp is not None
    assert log.skipped_lines == 1  # "pid 24433 exited with status 1792"


def test_log_without_year_has_no_timestamp_but_keeps_text() -> None:
    log = parse_keepalived_log(read("handmade/keepalived-journal-seed000.log"))
    assert log.events and all(e.timestamp is None for e in log.events)
    assert log.events[0].time_text == "Sep 01 21:26:37"


def test_log_short_unix_and_iso_forms() -> None:
    text = (
        "1795427087.282800 m2 Keepalived_vrrp[32]: (VI_1) Entering MASTER STATE\n"
        "2026-11-23T09:44:47+0000 m1 Keepalived_vrrp[32]: (VI_1) Entering BACKUP STATE\n"
    )
    a, b = parse_keepalived_log(text, tz=UTC).events
    assert a.timestamp == pytest.approx(1795427087.2828) and a.state is VrrpState.MASTER
    assert b.timestamp == 1795427087.0 and b.state is VrrpState.BACKUP


@pytest.mark.parametrize("text", ["", "garbage\n\x00\x01", "Mon Nov 23 09:44:47 2026: (VI_1"])
def test_log_bad_input_gives_no_events(text: str) -> None:
    log = parse_keepalived_log(text)
    assert log.events == ()
