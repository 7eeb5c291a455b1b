"""kube-apiserver /readyz and /livez body parser on real verbose bodies (healthy and with
etcd quorum lost) and on plain, refused and broken answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from hatui.observations import ApiHealthObservation, ProbeError
from hatui.parsers.apiserver import parse_apiserver_health

FIXTURES = Path(__file__).parent / "fixtures"


def ok(body: str, code: int | None = None, endpoint: str = "readyz") -> ApiHealthObservation:
    obs = parse_apiserver_health(body, code, endpoint=endpoint)
    assert isinstance(obs, ApiHealthObservation), obs
    return obs


def test_readyz_healthy() -> None:
    obs = ok((FIXTURES / "captured/readyz-verbose-healthy.txt").read_text(), 200)
    assert obs.ok and obs.failed_checks == ()
    assert "etcd-readiness" in obs.passed_checks and len(obs.passed_checks) == 6
    assert obs.message == "readyz check passed"


def test_readyz_quorum_lost_names_failed_checks() -> None:
    obs = ok((FIXTURES / "captured/readyz-verbose-quorum-lost.txt").read_text(), 500)
    assert not obs.ok
    assert obs.failed_checks == ("etcd", "etcd-readiness")
    assert obs.message == "readyz check failed"


def test_body_alone_decides_without_status_code() -> None:
    assert not ok((FIXTURES / "captured/readyz-verbose-quorum-lost.txt").read_text()).ok
    assert ok((FIXTURES / "captured/livez-verbose-healthy.txt").read_text(), endpoint="livez").ok


def test_plain_ok_body() -> None:
    assert ok("ok", 200).ok
    assert ok("ok\n").ok
    assert not ok("ok", 503).ok


def test_refused_is_an_answer_not_ready() -> None:
    body = (
        '{"kind":"Status","status":"Failure","message":"forbidden: User '
        '\\"system:anonymous\\" cannot get path \\"/readyz\\"","code":403}'
    )
    obs = ok(body, 403)
    assert not obs.ok and obs.refused
    assert "forbidden" in obs.message


def test_error_status_with_empty_body() -> None:
    obs = ok("", 503)
    assert not obs.ok and obs.message == "HTTP 503"


def test_failed_summary_with_200_is_not_ok() -> None:
    assert not ok("[-]etcd failed: reason withheld\nreadyz check failed", 200).ok


@pytest.mark.parametrize(
    ("body", "code", "expected"),
    [
        ("", None, "empty"),
        ((FIXTURES / "broken/readyz-verbose-cut.txt").read_text(), None, "truncated"),
        ((FIXTURES / "broken/http-502.html").read_text(), 502, "not a health check line"),
        ("Client sent an HTTP request to an HTTPS server.", 400, "not a health check line"),
    ],
)
def test_bad_body_gives_error_value(body: str, code: int | None, expected: str) -> None:
    result = parse_apiserver_health(body, code)
    assert isinstance(result, ProbeError) and expected in result.message
