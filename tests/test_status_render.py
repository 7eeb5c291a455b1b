"""`hatui status` rendering and the probes' pure halves, without a lab.

States are assembled from the real captures in tests/fixtures/captured (parsed, then
`derive`d), so the table and the JSON are checked on what real daemons printed. The probe
runners' framing is checked by running the generated scripts with the local /bin/sh, and
their readers on framed captured outputs.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest

from hatui.inventory import parse_inventory
from hatui.model import ClusterSpec, ClusterState, NodeObservation, Probe, Verdict, derive
from hatui.observations import (
    ApiHealthObservation,
    EtcdMemberView,
    EtcdObservation,
    KeepalivedObservation,
    ProbeError,
    VrrpState,
)
from hatui.parsers import (
    merge_keepalived,
    parse_apiserver_health,
    parse_haproxy_stat,
    parse_ip_addr,
    parse_keepalived_data,
    parse_keepalived_json,
    parse_keepalived_log,
)
from hatui.probes._shell import Part, marker, parallel_parts, parallel_script, split_parts
from hatui.probes.apiserver import CODE_MARK, parse_http_response, read_health_part
from hatui.probes.etcd import read_etcd_output
from hatui.probes.keepalived import (
    keepalived_script,
    node_tz,
    observation_from_log,
    read_keepalived_output,
)
from hatui.status_cmd import (
    EXIT_CODES,
    add_status_parser,
    exit_code,
    render_table,
    run_status,
    status_document,
)

T = TypeVar("T")

CAPTURED = Path(__file__).parent / "fixtures" / "captured"
NOW = 1795427100.0
ANSI = re.compile(r"\x1b\[[0-9;]*m")

INVENTORY = parse_inventory(
    """\
cluster: prod-eu
masters:
  - {name: m1, host: 10.232.0.11}
  - {name: m2, host: 10.232.0.12}
  - {name: m3, host: 10.232.0.13}
vip: {address: 10.232.0.10, vrrp_instance: VI_1}
apiserver: {port: 6443, endpoint: "10.232.0.10:16443"}
keepalived: {log: /var/log/keepalived.log}
""",
    "test.yaml",
)
SPEC = ClusterSpec.from_inventory(INVENTORY)


def cap(name: str) -> str:
    return (CAPTURED / name).read_text()


def ok(value: T | ProbeError) -> Probe[T]:
    assert not isinstance(value, ProbeError), value
    return Probe(result=value, observed_at=NOW - 1)


def keepalived(node: str, state: str = "healthy") -> KeepalivedObservation:
    obs = merge_keepalived(
        parse_keepalived_json(cap(f"keepalived-json-{state}-{node}.json")),
        parse_keepalived_data(cap(f"keepalived-data-{state}-{node}.txt")),
    )
    assert isinstance(obs, KeepalivedObservation)
    return obs


def healthy_etcd() -> EtcdObservation:
    out = read_etcd_output(
        framed_etcd(
            "n1",
            members=cap("etcdctl-member-list-healthy.json"),
            health=cap("etcdctl-endpoint-health-healthy.json"),
            statuses=[cap("etcdctl-endpoint-status-healthy.json")],
        ),
        "",
        "n1",
    )
    assert isinstance(out, EtcdObservation), out
    return out


def healthy_nodes() -> list[NodeObservation]:
    readyz = parse_apiserver_health(cap("readyz-verbose-healthy.txt"), 200)
    livez = parse_apiserver_health(cap("livez-verbose-healthy.txt"), 200, endpoint="livez")
    stat = parse_haproxy_stat(cap("haproxy-show-stat-healthy.csv"))
    # m3 has no capture of its own: m2's keepalived and addresses stand in (a BACKUP, no VIP)
    sources = {"m1": "m1", "m2": "m2", "m3": "m2"}
    nodes = []
    for name, src in sources.items():
        nodes.append(
            NodeObservation(
                name=name,
                checked_at=NOW - 1,
                addresses=ok(parse_ip_addr(cap(f"ip-o-addr-healthy-{src}.txt"))),
                keepalived=ok(keepalived(src)),
                lb=ok(stat),
                etcd=ok(healthy_etcd()) if name in ("m1", "m2") else None,
                readyz=ok(readyz),
                livez=ok(livez),
            )
        )
    return nodes


def api_ok() -> Probe[ApiHealthObservation]:
    health = parse_apiserver_health(cap("readyz-verbose-healthy.txt"), 200)
    assert isinstance(health, ApiHealthObservation)
    return Probe(result=health, observed_at=NOW - 1)


def healthy_state() -> ClusterState:
    return derive(SPEC, healthy_nodes(), api_ok(), NOW)


def row(table: str, node: str) -> list[str]:
    line = next(ln for ln in table.splitlines() if ln.startswith(f"{node} "))
    return re.split(r"\s{2,}", line.strip())


# -- exit codes and the table ---------------------------------------------------------------


def test_exit_codes_cover_every_verdict_as_documented() -> None:
    assert set(EXIT_CODES) == set(Verdict)
    assert [exit_code(v) for v in Verdict] == [2, 2, 2, 1, 0, 3]  # enum order: most severe first
    docs = (Path(__file__).parent.parent / "docs" / "status-json.md").read_text()
    for verdict, code in EXIT_CODES.items():
        assert re.search(rf"\|\s*{code}\s*\|[^\n]*{verdict}", docs), (verdict, code)


def test_healthy_table_from_real_captures() -> None:
    state = healthy_state()
    assert state.verdict is Verdict.HEALTHY, state.verdicts.reasons
    table = render_table(state, INVENTORY, sweep_seconds=0.41)
    lines = table.splitlines()
    assert lines[0] == "prod-eu  VIP 10.232.0.10 on m1  HEALTHY"
    assert lines[2].split() == ["NODE", "SSH", "KEEPALIVED", "PRIO", "b/e", "VIP", "LB", "UP"] + [
        "ETCD",
        "READYZ",
    ]
    assert row(table, "m1") == [
        "m1",
        "up",
        "MASTER",
        "110/121",
        "yes",
        "3/3",
        "healthy, leader",
        "ok",
    ]
    assert row(table, "m2") == ["m2", "up", "BACKUP", "100/112", "-", "3/3", "healthy", "ok"]
    assert "API via 10.232.0.10:16443: ok" in lines
    # the healthy capture's leader is m1 (c9e915abbc438425)
    assert "etcd quorum: 3/3 healthy, needs 2, tolerates 1 more failure; leader m1" in lines
    assert row(table, "m3")[6] == "healthy"
    assert re.fullmatch(r"swept in 0\.41 s at \d\d:\d\d:\d\d", lines[-1])
    assert not ANSI.search(table)


def test_colour_only_when_asked_and_same_layout() -> None:
    state = healthy_state()
    plain = render_table(state, INVENTORY)
    coloured = render_table(state, INVENTORY, color=True)
    assert ANSI.search(coloured) and "\x1b[32mHEALTHY\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == plain


def test_unreachable_node_and_degraded_reasons() -> None:
    nodes = healthy_nodes()
    nodes[2] = NodeObservation.unreachable(
        "m3", "connection refused", retry_at=NOW + 4, checked_at=NOW
    )
    state = derive(SPEC, nodes, api_ok(), NOW)
    assert state.verdict is Verdict.DEGRADED
    table = render_table(state, INVENTORY)
    assert row(table, "m3") == ["m3", "DOWN", "-", "-", "-", "-", "-", "-"]
    assert "  m3: unreachable: connection refused, retry in 4 s" in table.splitlines()
    assert "  - m3: unreachable: connection refused (retry in 4 s)" in table.splitlines()
    doc = status_document(state, INVENTORY)
    m3 = doc["nodes"][2]
    assert (m3["reachable"], m3["unreachable_reason"], m3["retry_at"]) == (
        False,
        "connection refused",
        NOW + 4,
    )
    assert m3["keepalived"] is None and doc["exit_code"] == 1


def test_split_brain_names_both_holders() -> None:
    nodes = healthy_nodes()
    both = parse_ip_addr(cap("ip-o-addr-healthy-m1.txt"))
    nodes[1] = replace(nodes[1], addresses=ok(both))
    state = derive(SPEC, nodes, api_ok(), NOW)
    assert state.verdict is Verdict.SPLIT_BRAIN
    table = render_table(state, INVENTORY)
    assert table.splitlines()[0] == "prod-eu  VIP 10.232.0.10 on m1 and m2  SPLIT-BRAIN"
    assert row(table, "m2")[4] == "yes"
    doc = status_document(state, INVENTORY)
    assert doc["vip"]["holders"] == ["m1", "m2"] and doc["vip"]["split_brain"] is True
    assert doc["exit_code"] == 2


def test_one_unhealthy_member_tolerates_no_more() -> None:
    nodes = healthy_nodes()
    etcd = nodes[0].etcd
    assert etcd is not None and isinstance(etcd.value, EtcdObservation)
    members = tuple(
        replace(m, healthy=False, errors=("health: context deadline exceeded",))
        if m.name == "m2"
        else m
        for m in etcd.value.members
    )
    sick = replace(etcd.value, members=members)
    nodes = [replace(n, etcd=ok(sick)) if n.etcd else n for n in nodes]
    state = derive(SPEC, nodes, api_ok(), NOW)
    table = render_table(state, INVENTORY)
    assert "etcd quorum: 2/3 healthy, needs 2, tolerates 0 more failures; leader m1" in table
    assert row(table, "m2")[6] == "unhealthy"
    assert state.verdict is Verdict.DEGRADED


def test_quorum_lost_table_and_document() -> None:
    view = read_etcd_output(
        framed_etcd(
            "q",
            members=cap("etcdctl-member-list-quorum-lost.json"),
            health=cap("etcdctl-endpoint-health-quorum-lost.json"),
            health_err=cap("etcdctl-endpoint-health-quorum-lost.stderr"),
            statuses=[cap("etcdctl-endpoint-status-local-quorum-lost.json")],
            status_errs=[cap("etcdctl-endpoint-status-quorum-lost.stderr")],
        ),
        "",
        "q",
    )
    assert isinstance(view, EtcdObservation), view
    assert [m.healthy for m in view.members] == [False, False, False]
    failing = parse_apiserver_health(cap("readyz-verbose-quorum-lost.txt"), 500)
    nodes = [
        replace(n, etcd=ok(view) if n.etcd else None, readyz=ok(failing)) for n in healthy_nodes()
    ]
    api = Probe(result=failing, observed_at=NOW)
    state = derive(SPEC, nodes, api, NOW)
    assert state.verdict is Verdict.QUORUM_LOST
    table = render_table(state, INVENTORY)
    assert "etcd quorum: 0/3 healthy, needs 2: quorum LOST" in table
    assert "API via 10.232.0.10:16443: NOT READY: HTTP 500 (etcd, etcd-readiness)" in table
    assert row(table, "m1")[7] == "failed: etcd,etcd-readiness"
    doc = status_document(state, INVENTORY)
    assert doc["etcd"]["has_quorum"] is False and doc["etcd"]["tolerates"] == -2
    assert doc["api_via_vip"]["ok"] is False and doc["api_via_vip"]["status_code"] == 500


def test_json_document_schema_and_no_secret() -> None:
    state = healthy_state()
    doc = status_document(state, INVENTORY, sweep_seconds=0.3)
    text = json.dumps(doc)
    assert json.loads(text) == doc
    assert doc["schema_version"] == 1
    assert list(doc) == [
        "schema_version",
        "cluster",
        "observed_at",
        "sweep_seconds",
        "verdict",
        "exit_code",
        "reasons",
        "vip",
        "api_via_vip",
        "kube_api",
        "etcd",
        "load_balancers",
        "nodes",
    ]
    docs = (Path(__file__).parent.parent / "docs" / "status-json.md").read_text()
    for key in doc:
        assert f"`{key}`" in docs, key
    for key in doc["nodes"][0]:
        assert f"`{key}`" in docs, key
    m1 = doc["nodes"][0]
    assert m1["keepalived"]["instance"]["track_scripts"] == [
        {"name": "CheckK8sMaster", "status": "GOOD", "weight": 11, "priority_effect": 11}
    ]
    assert m1["etcd_member"]["id"] == "c9e915abbc438425"
    # the capture holds the VRRP password in clear; neither output does, nor a script command
    secret = json.loads(cap("keepalived-json-healthy-m1.json"))[0]["data"]["auth_data"]
    assert secret and secret not in text and secret not in render_table(state, INVENTORY)
    assert "auth_data" not in text and "curl" not in text


# -- command line ------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hatui")
    sub = p.add_subparsers(dest="command")
    add_status_parser(sub)
    return p


@pytest.mark.parametrize(
    "argv",
    [
        ["status"],
        ["status", "inv.yaml", "--bogus"],
        ["status", "inv.yaml", "--timeout", "0"],
        ["status", "inv.yaml", "--watch", "-1"],
        ["status", "inv.yaml", "--watch", "--count", "0"],
    ],
)
def test_usage_errors_exit_4(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        parser().parse_args(argv)
    assert caught.value.code == 4
    assert "hatui status: error:" in capsys.readouterr().err


def test_options_parse(capsys: pytest.CaptureFixture[str]) -> None:
    args = parser().parse_args(["status", "inv.yaml", "--json", "--watch", "--timeout", "1.5"])
    assert (args.inventory, args.json, args.watch, args.timeout, args.count) == (
        "inv.yaml",
        True,
        2.0,
        1.5,
        None,
    )
    with pytest.raises(SystemExit) as caught:
        parser().parse_args(["status", "--help"])
    assert caught.value.code == 0
    help_text = capsys.readouterr().out
    for line in ("0  HEALTHY", "2  API-DOWN, QUORUM-LOST or SPLIT-BRAIN", "4  usage or inventory"):
        assert line in help_text


def test_inventory_error_exits_4_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "inv.yaml"
    bad.write_text(
        "cluster: x\nmasters:\n  - name: m1\n    hots: 10.0.0.1\nvip: {address: 10.0.0.9}\n"
    )
    assert run_status(parser().parse_args(["status", str(bad)])) == 4
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{bad}:4: masters[0].hots: unknown key (did you mean 'host'?)" in captured.err
    good = tmp_path / "good.yaml"
    good.write_text(
        "cluster: x\nmasters:\n  - {name: m1, host: 10.0.0.1}\nvip: {address: 10.0.0.9}\n"
    )
    # refused before any connection is tried
    assert run_status(parser().parse_args(["status", str(good), "--count", "2"])) == 4
    assert "--count needs --watch" in capsys.readouterr().err


def test_status_and_probes_load_no_ui_and_status_no_ssh() -> None:
    """The headless command runs without Textual or Rich, and `hatui status --help` or an
    inventory error never even loads asyncssh."""
    code = (
        "import json, sys\n"
        "import hatui.status_cmd\n"
        "ssh_before = 'asyncssh' in sys.modules\n"
        "import hatui.collector, hatui.probes\n"
        "ui = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(json.dumps({'ui': ui, 'ssh_before': ssh_before}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == {"ui": [], "ssh_before": False}


# -- the probes' framing, run through the local /bin/sh -----------------------------------------


def run_sh(script: str) -> str:
    return subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, timeout=10, check=True
    ).stdout


def test_parallel_script_runs_together_and_frames_each_part() -> None:
    nonce = "abc123"
    script = parallel_script(
        nonce,
        {
            "one": "sleep 0.5; echo out1; echo err1 >&2; exit 3",
            "two": "sleep 0.5; printf 'no newline'",
            "three": f"echo '{marker('other', 'one.out')}'",
        },
    )
    began = __import__("time").monotonic()
    out = run_sh(script)
    took = __import__("time").monotonic() - began
    parts = parallel_parts(out, nonce, ["one", "two", "three", "missing"])
    assert parts["one"] == Part("out1", "err1", 3)
    assert parts["two"] == Part("no newline", "", 0)
    assert parts["missing"] == Part("", "", None)
    assert took < 0.9  # 0.5 s twice, at the same time
    # a marker line of another call (another nonce) is only text
    assert parts["three"] == Part(marker("other", "one.out"), "", 0)


def test_split_parts_values_on_marker_lines() -> None:
    text = f"noise\n{marker('n', 'pid')} 42\n{marker('n', 'json')}\n[1]\n\n{marker('n', 'log')}\n"
    assert split_parts(text, "n") == {
        "pid=": "42",
        "pid": "",
        "json": "[1]",
        "json=": "",
        "log": "",
        "log=": "",
    }


def framed_etcd(
    nonce: str,
    *,
    members: str,
    health: str,
    statuses: list[str],
    health_err: str = "",
    status_errs: list[str] | None = None,
) -> str:
    errs = status_errs or [""] * len(statuses)
    urls = [f"https://10.232.0.1{i}:2379" for i in range(1, len(statuses) + 1)]
    lines = [f"{marker(nonce, 'tool')} etcdctl", f"{marker(nonce, 'count')} {len(statuses)}"]
    for name, out, err in (
        ("members", members, ""),
        ("health", health, health_err),
        ("alarms", "", ""),
    ):
        lines += [marker(nonce, f"{name}.out"), out, marker(nonce, f"{name}.err"), err]
        lines += [marker(nonce, f"{name}.rc"), "0"]
    for i, (out, err, url) in enumerate(zip(statuses, errs, urls, strict=True), start=1):
        lines += [marker(nonce, f"url{i}"), url, marker(nonce, f"status{i}.out"), out]
        lines += [marker(nonce, f"status{i}.err"), err, marker(nonce, f"status{i}.rc"), "0"]
    return "\n".join(lines) + "\n"


def test_etcd_reader_without_etcdctl_or_members() -> None:
    assert read_etcd_output(f"{marker('n', 'tool')}\n", "", "n") == ProbeError(
        "etcd", "no etcdctl, crictl or curl on this master"
    )
    cut = read_etcd_output(f"{marker('n', 'tool')} etcdctl\n", "", "n")
    assert isinstance(cut, ProbeError) and "cut short" in cut.message
    no_member = framed_etcd("n", members="", health="", statuses=[]).replace(
        f"{marker('n', 'members.err')}\n",
        f"{marker('n', 'members.err')}\nError: context deadline exceeded",
    )
    err = read_etcd_output(no_member, "", "n")
    assert err == ProbeError(
        "etcd-members",
        "etcdctl failed: context deadline exceeded",
        "Error: context deadline exceeded",
    )


def keepalived_framed(nonce: str, **parts: str) -> str:
    lines = []
    for name, body in parts.items():
        head, _, value = name.partition("_")
        lines.append(marker(nonce, head) + (f" {body}" if value == "v" else ""))
        if value != "v":
            lines.append(body)
    return "\n".join(lines) + "\n"


def test_keepalived_reader_dumps_log_and_stopped() -> None:
    out = keepalived_framed(
        "k",
        pid_v="31",
        polls_v="1",
        json=cap("keepalived-json-healthy-m1.json"),
        data=cap("keepalived-data-healthy-m1.txt"),
        tz_v="+0000",
        log=cap("keepalived-log-m1-rejected-m1.log"),
        logrc_v="0",
    )
    reading = read_keepalived_output(out, "", "k")
    assert isinstance(reading.observation, KeepalivedObservation)
    assert reading.observation.source == "json-v1+data"
    inst = reading.observation.instance(name="VI_1")
    assert inst is not None and (inst.state, inst.effective_priority) == (VrrpState.MASTER, 121)
    assert not isinstance(reading.log, ProbeError) and reading.log.events

    stopped = read_keepalived_output(
        keepalived_framed("k", stopped="", tz_v="+0100", log="", logrc_v="0"), "", "k"
    )
    assert stopped.observation == KeepalivedObservation.stopped()

    stale = read_keepalived_output(
        keepalived_framed("k", pid_v="31", polls_v="0", stale_v="/tmp", logrc_v="0"), "", "k"
    )
    assert isinstance(stale.observation, ProbeError)
    assert "could not be removed, so none was read" in stale.observation.message

    cut = keepalived_framed(
        "k", pid_v="31", polls_v="100", json=cap("keepalived-json-healthy-m1.json")[:500]
    )
    late = read_keepalived_output(cut, "", "k")
    assert isinstance(late.observation, ProbeError)
    assert late.observation.message.startswith("no complete dump within 2.0s: truncated JSON")
    assert "auth_data" not in repr(late) or "<redacted>" in late.observation.excerpt
    assert isinstance(late.log, ProbeError)  # the script was cut before the log


def test_keepalived_log_is_the_last_resort() -> None:
    log = parse_keepalived_log(cap("keepalived-log-m1-rejected-m1.log"))
    obs = observation_from_log(log)
    assert obs is not None and obs.source == "log"
    inst = obs.instance(name="VI_1")
    assert inst is not None and (inst.state, inst.effective_priority) == (VrrpState.BACKUP, 110)
    no_signals = keepalived_framed(
        "k",
        pid_v="31",
        polls_v="0",
        tz_v="+0000",
        log=cap("keepalived-log-m1-rejected-m1.log"),
        logrc_v="0",
    )
    assert read_keepalived_output(no_signals, "", "k").observation == obs


def test_keepalived_script_quotes_the_log_path_and_bounds_the_wait() -> None:
    inv = replace(INVENTORY, keepalived=replace(INVENTORY.keepalived, log="/var/log/ka+1.log"))
    script = keepalived_script(inv, "k", wait=0.5)
    assert "tail -n 50 /var/log/ka+1.log\n" in script  # shlex.quote: nothing to quote here
    assert '[ "$n" -ge 25 ] && break' in script
    journal = keepalived_script(
        replace(inv, keepalived=replace(inv.keepalived, log="journal")), "k"
    )
    assert "journalctl -u keepalived -n 50 -o short-unix --no-pager -q" in journal
    for text in (script, journal):  # valid POSIX sh, as dash reads it
        subprocess.run(["sh", "-n"], input=text, text=True, timeout=10, check=True)


def test_node_tz() -> None:
    assert node_tz("+0130").utcoffset(None).total_seconds() == 5400  # type: ignore[union-attr]
    assert node_tz("-0500").utcoffset(None).total_seconds() == -18000  # type: ignore[union-attr]
    assert node_tz("junk").utcoffset(None).total_seconds() == 0  # type: ignore[union-attr]


def test_apiserver_curl_outcomes() -> None:
    body = cap("readyz-verbose-quorum-lost.txt")
    failed = read_health_part("readyz", Part(f"{body}\n{CODE_MARK}500", "", 0))
    assert isinstance(failed, ApiHealthObservation)
    assert (failed.ok, failed.status_code, failed.failed_checks) == (
        False,
        500,
        ("etcd", "etcd-readiness"),
    )
    refused = read_health_part(
        "readyz",
        Part(f"\n{CODE_MARK}000", "curl: (7) Failed to connect to 127.0.0.1 port 6443", 7),
    )
    assert isinstance(refused, ApiHealthObservation) and not refused.ok
    assert refused.message.startswith("cannot connect: curl: (7)")
    missing = read_health_part("livez", Part("", "sh: curl: not found", 127))
    assert missing == ProbeError("apiserver-livez", "curl not found on this master")


def test_http_response_reader() -> None:
    assert parse_http_response(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA") == (
        200,
        "ok",
    )
    chunked = (
        b"HTTP/1.1 500 Internal\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    assert parse_http_response(chunked) == (500, "abcde")
    assert parse_http_response(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto eof") == (
        200,
        "to eof",
    )
    assert parse_http_response(b"") == "empty answer"
    assert "cut off" in str(parse_http_response(b"HTTP/1.1 200 OK\r\nContent-Le"))
    assert "cut off" in str(parse_http_response(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nok"))
    assert "not an HTTP answer" in str(parse_http_response(b"SSH-2.0-OpenSSH\r\n\r\n"))


def test_etcd_member_view_merge_prefers_healthy() -> None:
    """Two vantage nodes disagree: the member one of them saw healthy counts as healthy."""
    nodes = healthy_nodes()
    etcd = nodes[1].etcd
    assert etcd is not None and isinstance(etcd.value, EtcdObservation)
    blind = replace(
        etcd.value,
        members=tuple(
            EtcdMemberView(
                id_hex=m.id_hex, name=m.name, endpoint=m.endpoint, is_leader=None, healthy=False
            )
            for m in etcd.value.members
        ),
    )
    nodes[1] = replace(nodes[1], etcd=ok(blind))
    state = derive(SPEC, nodes, api_ok(), NOW)
    doc = status_document(state, INVENTORY)
    assert [m["healthy"] for m in doc["etcd"]["member_list"]] == [True, True, True]
    assert sum(bool(m["is_leader"]) for m in doc["etcd"]["member_list"]) == 1
