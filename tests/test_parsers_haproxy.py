"""HAProxy `show stat` parser on real HAProxy 2.6 output (healthy, m1 DOWN) and cut copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from hatui.observations import HaproxyObservation, ProbeError, ServerStatus
from hatui.parsers.haproxy import normalise_status, parse_haproxy_stat

FIXTURES = Path(__file__).parent / "fixtures"


def ok(name: str) -> HaproxyObservation:
    obs = parse_haproxy_stat((FIXTURES / name).read_text())
    assert isinstance(obs, HaproxyObservation), obs
    return obs


def test_healthy_three_servers_up_frontends_skipped() -> None:
    obs = ok("captured/haproxy-show-stat-healthy.csv")
    assert [s.server for s in obs.servers] == ["m1", "m2", "m3"]
    assert all(s.status is ServerStatus.UP for s in obs.servers)
    m1 = obs.servers[0]
    assert (m1.proxy, m1.addr, m1.check_status, m1.check_duration_ms) == (
        "kubernetes-apiserver",
        "10.232.0.11:6443",
        "L4OK",
        0,
    )
    assert (m1.last_change_s, m1.chkfail, m1.chkdown) == (39, 0, 0)
    backend = obs.backend("kubernetes-apiserver")
    assert backend is not None and backend.active_servers == 3
    assert backend.status is ServerStatus.UP
    assert obs.backend("stats") is not None  # kept, though it has no servers


def test_m1_rejected_is_down_with_check_details() -> None:
    obs = ok("captured/haproxy-show-stat-m1-rejected.csv")
    m1 = next(s for s in obs.servers if s.server == "m1")
    assert (m1.status, m1.status_raw, m1.check_status) == (ServerStatus.DOWN, "DOWN", "L4TOUT")
    assert (m1.check_duration_ms, m1.chkfail, m1.chkdown, m1.last_change_s) == (1000, 2, 1, 11)
    assert m1.check_desc == "Layer4 timeout" and m1.downtime_s == 11
    backend = obs.backend("kubernetes-apiserver")
    assert backend is not None and backend.active_servers == 2


@pytest.mark.parametrize(
    ("raw", "status", "transition"),
    [
        ("UP", ServerStatus.UP, None),
        ("UP 1/3", ServerStatus.UP, "1/3"),
        ("DOWN 1/2", ServerStatus.DOWN, "1/2"),
        ("MAINT", ServerStatus.MAINT, None),
        ("MAINT (via be/srv)", ServerStatus.MAINT, None),
        ("MAINT(resolution)", ServerStatus.MAINT, None),
        ("DRAIN", ServerStatus.DRAIN, None),
        ("NOLB", ServerStatus.NOLB, None),
        ("no check", ServerStatus.NO_CHECK, None),
        ("", ServerStatus.UNKNOWN, None),
        ("WEIRD", ServerStatus.UNKNOWN, None),
    ],
)
def test_status_normalisation(raw: str, status: ServerStatus, transition: str | None) -> None:
    assert normalise_status(raw) == (status, transition)


def test_transitional_row_keeps_raw() -> None:
    text = (FIXTURES / "captured/haproxy-show-stat-healthy.csv").read_text()
    text = text.replace(
        ",m2,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,", ",m2,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP 1/3,"
    )
    obs = parse_haproxy_stat(text)
    assert isinstance(obs, HaproxyObservation)
    m2 = obs.servers[1]
    assert (m2.status, m2.status_raw, m2.transition) == (ServerStatus.UP, "UP 1/3", "1/3")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("broken/haproxy-show-stat-cut-in-row.csv", "truncated"),
        ("broken/haproxy-show-stat-cut-at-line.csv", "no BACKEND row"),
        ("broken/http-502.html", "header"),
    ],
)
def test_broken_gives_error_value(name: str, expected: str) -> None:
    result = parse_haproxy_stat((FIXTURES / name).read_text())
    assert isinstance(result, ProbeError) and expected in result.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("Unknown command. Please enter one of the following commands only :\n", "header"),
        ("Permission denied\n", "header"),
        ("# pxname,foo,\nx,y,\n", "lacks column(s) svname, status"),
        ("# pxname,svname,status,\n", "no rows"),
        ("# pxname,svname,sta", "header line is cut off"),
    ],
)
def test_foreign_text_gives_error_value(text: str, expected: str) -> None:
    result = parse_haproxy_stat(text)
    assert isinstance(result, ProbeError) and expected in result.message
