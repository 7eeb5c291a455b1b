"""nginx stream error-log parser on a hand-made sample (tests/fixtures/handmade: no real
nginx capture exists yet) in nginx's documented error-log layout."""

from __future__ import annotations

from datetime import timedelta, timezone
from pathlib import Path

from hatui.observations import BackendConnect, NginxErrorLog
from hatui.parsers.nginx import nginx_observation, parse_nginx_error_log

LOG = (Path(__file__).parent / "fixtures/handmade/nginx-error-m1-rejected.log").read_text()


def test_latest_failure_per_upstream() -> None:
    log = parse_nginx_error_log(LOG)
    m1 = log.failure("10.232.0.11:6443")
    assert m1 is not None
    assert (m1.count, m1.reason) == (4, "connect() failed (111: Connection refused)")
    assert m1.time_text == "2026/11/23 09:44:45" and m1.last_at == 1795427085.0
    assert m1.disabled is True and m1.listen == "0.0.0.0:16443"
    m3 = log.failure("10.232.0.13:6443")
    assert m3 is not None and m3.reason.startswith("upstream timed out") and not m3.disabled
    assert log.failure("10.232.0.12:6443") is None


def test_no_live_upstreams_is_reported_under_the_group() -> None:
    group = parse_nginx_error_log(LOG).failure("backend")
    assert group is not None and group.reason == "no live upstreams"


def test_other_lines_are_skipped_not_errors() -> None:
    log = parse_nginx_error_log(LOG)
    assert log.skipped_lines == 2  # [notice] signal line and [info] client line


def test_local_time_zone() -> None:
    cest = timezone(timedelta(hours=2))
    m1 = parse_nginx_error_log(LOG, tz=cest).failure("10.232.0.11:6443")
    assert m1 is not None and m1.last_at == 1795427085.0 - 7200


def test_a_new_failure_after_disable_clears_the_flag() -> None:
    later = (
        "2026/11/23 09:45:30 [error] 812#812: *90 connect() failed (113: No route to host) "
        "while connecting to upstream, client: 10.232.0.1, server: 0.0.0.0:16443, "
        'upstream: "10.232.0.11:6443", bytes from/to client:0/0, bytes from/to upstream:0/0\n'
    )
    m1 = parse_nginx_error_log(LOG + later).failure("10.232.0.11:6443")
    assert m1 is not None and m1.count == 5 and not m1.disabled
    assert "No route to host" in m1.reason


def test_empty_garbage_and_truncated_give_no_failures() -> None:
    assert parse_nginx_error_log("") == NginxErrorLog(failures=())
    junk = parse_nginx_error_log("<html>502</html>\n\x00\x00")
    assert junk.failures == () and junk.skipped_lines == 2
    cut = LOG.splitlines()[1][:120]  # cut before the upstream field
    assert parse_nginx_error_log(cut).failures == ()


def test_observation_combines_connects_and_log() -> None:
    connects = [
        BackendConnect("10.232.0.11:6443", ok=False, error="Connection refused"),
        BackendConnect("10.232.0.12:6443", ok=True, duration_ms=0.4),
    ]
    obs = nginx_observation(connects, parse_nginx_error_log(LOG))
    assert [c.ok for c in obs.connects] == [False, True]
    assert isinstance(obs.log, NginxErrorLog) and obs.log.failure("10.232.0.11:6443")
