"""Every parser, fed every captured output cut at many offsets, garbage and wrong JSON types,
returns a value (observation or ProbeError) and never raises; cut JSON is always an error;
no error excerpt ever shows the VRRP password."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from hatui.observations import ProbeError
from hatui.parsers.apiserver import parse_apiserver_health
from hatui.parsers.etcd import (
    parse_etcd_alarm_list,
    parse_etcd_endpoint_health,
    parse_etcd_endpoint_status,
    parse_etcd_health_json,
    parse_etcd_member_list,
)
from hatui.parsers.haproxy import parse_haproxy_stat
from hatui.parsers.keepalived_data import parse_keepalived_data
from hatui.parsers.keepalived_json import parse_keepalived_json
from hatui.parsers.keepalived_log import parse_keepalived_log
from hatui.parsers.kube import parse_lease, parse_node_list
from hatui.parsers.lvs import parse_ipvsadm
from hatui.parsers.nginx import parse_nginx_error_log
from hatui.parsers.vip import parse_ip_addr
from hatui.stream.address import parse_monitor_line

FIXTURES = Path(__file__).parent / "fixtures"
SECRET_PARTS = ("891e", "2ab0")

Parser = Callable[[str], object]


def parse_monitor_lines(text: str) -> object:
    """A stream's parser sees one line at a time: every line parsed (none may raise); the
    first error, else the last line's value."""
    results = [parse_monitor_line(ln) for ln in text.splitlines()] or [parse_monitor_line(text)]
    return next((r for r in results if isinstance(r, ProbeError)), results[-1])


PARSERS: dict[str, Parser] = {
    "keepalived-json": parse_keepalived_json,
    "keepalived-data": parse_keepalived_data,
    "keepalived-log": parse_keepalived_log,
    "keepalived-journal": parse_keepalived_log,
    "ip-o-addr": parse_ip_addr,
    "ip-ts-monitor-address": parse_monitor_lines,
    "haproxy-show-stat": parse_haproxy_stat,
    "etcdctl-endpoint-status": parse_etcd_endpoint_status,
    "etcdctl-endpoint-health": parse_etcd_endpoint_health,
    "etcdctl-member-list": parse_etcd_member_list,
    "etcdctl-alarm-list": parse_etcd_alarm_list,
    "readyz": parse_apiserver_health,
    "livez": parse_apiserver_health,
    "nginx-error": parse_nginx_error_log,
    "ipvsadm": parse_ipvsadm,
    "etcd-health-json": lambda t: parse_etcd_health_json(t, "https://127.0.0.1:2379"),
    "kube-nodelist": parse_node_list,
    "kube-lease": parse_lease,
}

JSON_PARSERS = {"keepalived-json", "etcdctl-endpoint-status", "etcdctl-member-list"}


def parser_for(path: Path) -> tuple[str, Parser]:
    key = next(k for k in PARSERS if path.name.startswith(k))
    return key, PARSERS[key]


SAMPLES = sorted(
    p
    for folder in ("captured", "handmade")
    for p in (FIXTURES / folder).iterdir()
    if p.suffix in (".json", ".txt", ".csv", ".log") and not p.name.startswith("keepalived-version")
)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_cut_anywhere_never_raises(path: Path) -> None:
    key, parse = parser_for(path)
    text = path.read_text()
    step = max(1, len(text) // 150)
    for cut in range(0, len(text), step):
        piece = text[:cut]
        result = parse(piece)  # must not raise
        assert result is not None
        if isinstance(result, ProbeError):
            assert result.message and result.source
            assert not any(s in result.excerpt for s in SECRET_PARTS), (cut, result)
        if key in JSON_PARSERS and piece.strip() and len(piece.rstrip()) < len(text.rstrip()):
            assert isinstance(result, ProbeError), (cut, result)


GARBAGE = [
    "",
    " \n\t",
    "\x00\x01\x02\xff",
    "null",
    "true",
    "42",
    '"a string"',
    "[]",
    "{}",
    '[null, 1, "x", []]',
    '{"vrrp": "nope", "members": 3, "health": [1]}',
    '[{"data": {"iname": 5, "state": [2]}, "stats": "x"}]',
    '[{"Endpoint": 1, "Status": {"header": {"member_id": -1}}}]',
    '[{"Endpoint": "x", "Status": {"header": {"member_id": 1}, "leader": "zz", "errors": 5}}]',
    '{"members": [{"ID": "12", "name": 7, "peerURLs": "x", "clientURLs": [1]}]}',
    "[" * 5000 + "]" * 5000,
    "<html><body>502 Bad Gateway</body></html>",
    "bash: line 1: etcdctl: command not found",
]


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_garbage_and_wrong_types_never_raise(name: str) -> None:
    parse = PARSERS[name]
    rng = random.Random(3)
    noise = ["".join(chr(rng.randrange(0, 0x2FF)) for _ in range(200)) for _ in range(20)]
    for text in GARBAGE + noise:
        assert parse(text) is not None


def test_line_parsers_return_empty_on_garbage() -> None:
    """The log parsers are lenient by design: garbage gives no events, not an error."""
    for text in GARBAGE:
        assert parse_keepalived_log(text).events == ()
        assert parse_nginx_error_log(text).failures == ()


@pytest.mark.parametrize(
    "name", ["keepalived-data-healthy-m2.txt", "keepalived-data-m1-rejected-m1.txt"]
)
def test_cut_data_dump_is_error_or_complete_instance(name: str) -> None:
    """A cut DATA dump never yields an instance missing its priorities or scripts."""
    text = (FIXTURES / "captured" / name).read_text()
    complete = 0
    for cut in range(0, len(text), 17):
        result = parse_keepalived_data(text[:cut])
        if isinstance(result, ProbeError):
            continue
        complete += 1
        (inst,) = result.instances
        assert inst.effective_priority is not None and inst.base_priority is not None
        assert [s.name for s in inst.track_scripts] == ["CheckK8sMaster"]
    assert complete > 0  # the tail (sockpool, interfaces) may be cut without loss


def test_cut_show_stat_is_error_or_has_every_server() -> None:
    text = (FIXTURES / "captured/haproxy-show-stat-m1-rejected.csv").read_text()
    for cut in range(0, len(text), 11):
        result = parse_haproxy_stat(text[:cut])
        if not isinstance(result, ProbeError):
            assert [s.server for s in result.servers] == ["m1", "m2", "m3"], cut
