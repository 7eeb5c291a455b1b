"""etcd parsers on real etcd 3.4.23 / etcdctl outputs: healthy, and with 2 of 3 members
stopped (partial JSON + stderr), plus broken and rounded-id variants."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hatui.observations import (
    EtcdEndpointHealth,
    EtcdMemberList,
    EtcdObservation,
    EtcdStatusResult,
    ProbeError,
)
from hatui.parsers.etcd import (
    combine_etcd,
    go_duration_ms,
    parse_etcd_alarm_list,
    parse_etcd_endpoint_health,
    parse_etcd_endpoint_status,
    parse_etcd_health_json,
    parse_etcd_member_list,
)

FIXTURES = Path(__file__).parent / "fixtures"


def read(name: str) -> str:
    return (FIXTURES / name).read_text()


def status(case: str) -> EtcdStatusResult:
    stderr = read(f"captured/etcdctl-endpoint-status-{case}.stderr") if case != "healthy" else ""
    result = parse_etcd_endpoint_status(
        read(f"captured/etcdctl-endpoint-status-{case}.json"), stderr
    )
    assert isinstance(result, EtcdStatusResult), result
    return result


def health(case: str) -> tuple[EtcdEndpointHealth, ...]:
    stderr = read(f"captured/etcdctl-endpoint-health-{case}.stderr") if case != "healthy" else ""
    result = parse_etcd_endpoint_health(
        read(f"captured/etcdctl-endpoint-health-{case}.json"), stderr
    )
    assert isinstance(result, tuple), result
    return result


def members(case: str) -> EtcdMemberList:
    result = parse_etcd_member_list(read(f"captured/etcdctl-member-list-{case}.json"))
    assert isinstance(result, EtcdMemberList), result
    return result


def test_status_ids_in_hex_match_etcdctl_table() -> None:
    """The hex ids equal those in etcdctl's own table output of the same cluster."""
    table = read("captured/etcdctl-endpoint-status-healthy.table")
    rows = {m[1]: m[2] for m in re.finditer(r"\| (https://\S+) \| ([0-9a-f]+) \|", table)}
    got = {s.endpoint: s.member_id_hex for s in status("healthy").statuses}
    assert got == rows and len(got) == 3


def test_status_healthy_leader_and_raft() -> None:
    result = status("healthy")
    leaders = [s.endpoint for s in result.statuses if s.is_leader]
    assert leaders == ["https://10.232.0.11:2379"]
    s = result.statuses[0]
    assert (s.raft_term, s.raft_index, s.db_size, s.version, s.errors) == (
        2,
        128,
        28672,
        "3.4.23",
        (),
    )
    assert s.member_id == 7228676226329883176  # exact uint64, not rounded
    assert result.failures == ()


def test_status_quorum_lost_partial_json_and_stderr() -> None:
    result = status("quorum-lost")
    (only,) = result.statuses
    assert only.errors == ("etcdserver: no leader",)
    assert only.leader_id is None and not only.is_leader
    assert {f.endpoint for f in result.failures} == {
        "https://10.232.0.12:2379",
        "https://10.232.0.13:2379",
    }
    assert all(f.error == "context deadline exceeded" for f in result.failures)


def test_status_all_failed_is_an_observation_not_an_error() -> None:
    stderr = read("captured/etcdctl-endpoint-status-quorum-lost.stderr")
    result = parse_etcd_endpoint_status("", stderr)
    assert isinstance(result, EtcdStatusResult)
    assert result.statuses == () and len(result.failures) == 2


def test_health_json_healthy_and_lost() -> None:
    ok = health("healthy")
    assert all(h.healthy for h in ok) and len(ok) == 3
    assert next(h for h in ok if h.endpoint.endswith(".11:2379")).took_ms == pytest.approx(8.20044)
    lost = health("quorum-lost")
    assert not any(h.healthy for h in lost)
    assert {h.error for h in lost} == {"context deadline exceeded"}
    assert lost[0].took_ms == pytest.approx(5001.763142)


def test_health_text_form() -> None:
    stdout = "https://10.232.0.11:2379 is healthy: successfully committed proposal: took = 9.1ms\n"
    stderr = (
        "https://10.232.0.12:2379 is unhealthy: failed to commit proposal: "
        "context deadline exceeded\nError: unhealthy cluster\n"
    )
    result = parse_etcd_endpoint_health(stdout, stderr)
    assert isinstance(result, tuple)
    assert [(h.healthy, h.took_ms) for h in result] == [(True, 9.1), (False, None)]
    assert result[1].error == "failed to commit proposal: context deadline exceeded"


def test_health_only_error_summary_is_error() -> None:
    result = parse_etcd_endpoint_health("", "Error: unhealthy cluster\n")
    assert isinstance(result, ProbeError) and "unhealthy cluster" in result.message


def test_member_list() -> None:
    result = members("healthy")
    assert [(m.name, m.member_id_hex) for m in result.members] == [
        ("m3", "64516aba8ab43228"),
        ("m1", "c9e915abbc438425"),
        ("m2", "f6603e9629dcf618"),
    ]
    assert result.members[1].client_urls == ("https://10.232.0.11:2379",)
    assert result.cluster_id == 17530384094102925389


def test_rounded_ids_are_reported_not_shown_wrong() -> None:
    result = parse_etcd_member_list(read("broken/etcdctl-member-list-ids-rounded.json"))
    assert isinstance(result, ProbeError) and "not an exact integer" in result.message


def test_alarm_list() -> None:
    assert parse_etcd_alarm_list(read("captured/etcdctl-alarm-list-healthy.txt")) == ()
    alarms = parse_etcd_alarm_list("memberID:14549183898539230245 alarm:NOSPACE \n")
    assert isinstance(alarms, tuple)
    assert [(a.member_id_hex, a.alarm) for a in alarms] == [("c9e915abbc438425", "NOSPACE")]
    assert isinstance(parse_etcd_alarm_list("garbage\n"), ProbeError)
    assert isinstance(parse_etcd_alarm_list("", "Error: context deadline exceeded\n"), ProbeError)


def test_curl_health_variant() -> None:
    ok = parse_etcd_health_json('{"health":"true"}', "https://127.0.0.1:2379")
    assert isinstance(ok, EtcdEndpointHealth) and ok.healthy and ok.error is None
    bad = parse_etcd_health_json('{"health":"false","reason":"RAFT NO LEADER"}', "x")
    assert isinstance(bad, EtcdEndpointHealth) and not bad.healthy
    assert bad.error == "RAFT NO LEADER"
    assert isinstance(parse_etcd_health_json('{"health":', "x"), ProbeError)
    assert isinstance(parse_etcd_health_json('{"status":"ok"}', "x"), ProbeError)


def test_combine_healthy() -> None:
    obs = combine_etcd(
        status=status("healthy"), health=health("healthy"), members=members("healthy"), alarms=()
    )
    assert isinstance(obs, EtcdObservation)
    assert obs.leader_id_hex == "c9e915abbc438425"
    assert [(m.name, m.is_leader, m.healthy) for m in obs.members] == [
        ("m3", False, True),
        ("m1", True, True),
        ("m2", False, True),
    ]
    assert obs.members[1].raft_index == 128 and obs.problems == ()


def test_combine_quorum_lost() -> None:
    obs = combine_etcd(
        status=status("quorum-lost"), health=health("quorum-lost"), members=members("quorum-lost")
    )
    assert isinstance(obs, EtcdObservation)
    assert obs.leader_id_hex is None
    assert all(m.healthy is False for m in obs.members)
    m1 = next(m for m in obs.members if m.name == "m1")
    assert "etcdserver: no leader" in m1.errors
    m2 = next(m for m in obs.members if m.name == "m2")
    assert "status: context deadline exceeded" in m2.errors


def test_combine_local_status_matches_member_by_id() -> None:
    """`endpoint status` without --cluster names 127.0.0.1; the id still finds member m1."""
    local = parse_etcd_endpoint_status(
        read("captured/etcdctl-endpoint-status-local-quorum-lost.json")
    )
    assert isinstance(local, EtcdStatusResult)
    obs = combine_etcd(status=local, members=members("quorum-lost"))
    assert isinstance(obs, EtcdObservation)
    m1 = next(m for m in obs.members if m.name == "m1")
    assert m1.healthy is False and m1.raft_index == 203
    others = [m for m in obs.members if m.name != "m1"]
    assert all(m.healthy is None for m in others)  # nothing was said about them


def test_combine_keeps_partial_failures_as_problems() -> None:
    broken = parse_etcd_member_list('{"members": [')
    assert isinstance(broken, ProbeError)
    obs = combine_etcd(status=status("healthy"), members=broken)
    assert isinstance(obs, EtcdObservation)
    assert obs.problems == (broken,) and len(obs.members) == 3
    assert all(m.healthy for m in obs.members)  # status without errors stands in for health
    nothing = combine_etcd(members=broken)
    assert nothing is broken


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: parse_etcd_endpoint_status(""), "empty"),
        (
            lambda: parse_etcd_endpoint_status(read("broken/etcdctl-endpoint-status-cut.json")),
            "truncated",
        ),
        (lambda: parse_etcd_endpoint_status('{"a":1}'), "expected a JSON list"),
        (lambda: parse_etcd_endpoint_status('[{"Endpoint":"x","Status":{}}]'), "uint64"),
        (lambda: parse_etcd_endpoint_status("", "Error: context deadline exceeded"), "deadline"),
        (lambda: parse_etcd_endpoint_health("[{"), "truncated"),
        (lambda: parse_etcd_endpoint_health('[{"endpoint":"x"}]'), "'health'"),
        (lambda: parse_etcd_endpoint_health(read("broken/command-not-found.txt")), "neither"),
        (lambda: parse_etcd_member_list(""), "empty"),
        (lambda: parse_etcd_member_list("[]"), "'members'"),
        (lambda: parse_etcd_member_list(read("broken/http-502.html")), "invalid"),
    ],
)
def test_bad_input_gives_error_value(call: object, expected: str) -> None:
    assert callable(call)
    result = call()
    assert isinstance(result, ProbeError) and expected in result.message


@pytest.mark.parametrize(
    ("text", "ms"),
    [("10.597349ms", 10.597349), ("5.001763142s", 5001.763142), ("1m2s", 62000.0), ("850µs", 0.85)],
)
def test_go_durations(text: str, ms: float) -> None:
    assert go_duration_ms(text) == pytest.approx(ms)


def test_go_duration_rejects_junk() -> None:
    assert go_duration_ms("fast") is None and go_duration_ms("10ms and more") is None
