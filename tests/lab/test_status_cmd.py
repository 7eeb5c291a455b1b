"""`hatui status` as a user runs it: a subprocess against the real lab.

Until `hatui status` is wired into hatui.cli, the same command runs as
`python -m hatui.status_cmd` (the very parser and code `hatui status` uses).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hatui.cli import build_parser
from hatui.model import Verdict
from hatui.recording import read_recording
from labkit import Lab

pytestmark = pytest.mark.lab

ANSI = re.compile(r"\x1b\[")


@functools.cache
def status_argv() -> tuple[str, ...]:
    """`hatui status` through the real CLI when it is wired there, else the module's main."""
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            build_parser().parse_args(["status", "x.yaml"])
    except SystemExit:
        return (sys.executable, "-m", "hatui.status_cmd")
    return (sys.executable, "-m", "hatui", "status")


def hatui_status(*args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], float]:
    began = time.monotonic()
    proc = subprocess.run(
        [*status_argv(), *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    return proc, time.monotonic() - began


def auth_pass(lab: Lab, node: str) -> str:
    conf = lab.sh(node, "cat /etc/keepalived/keepalived.conf")
    match = re.search(r"auth_pass\s+(\S+)", conf)
    assert match is not None
    return match.group(1)


def row(table: str, node: str) -> list[str]:
    line = next(ln for ln in table.splitlines() if ln.startswith(f"{node} "))
    return re.split(r"\s{2,}", line.strip())


def test_table_of_a_healthy_lab(healthy_lab: Lab) -> None:
    proc, wall = hatui_status(str(healthy_lab.inventory))
    print(f"\n`hatui status` on a healthy lab: {wall:.2f} s wall, exit {proc.returncode}")
    print(proc.stdout)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    # how long it takes (well under 2 s on an idle machine) is benchmarks/bench_sweep.py's figure
    out = proc.stdout
    assert not ANSI.search(out)  # not a terminal: no colour codes
    vip = healthy_lab.cfg.vip
    assert out.splitlines()[0].split() == ["hatui-lab", "VIP", vip, "on", "m1", "HEALTHY"]
    assert row(out, "m1")[:6] == ["m1", "up", "MASTER", "110/121", "yes", "3/3"]
    assert row(out, "m2")[:6] == ["m2", "up", "BACKUP", "100/112", "-", "3/3"]
    assert row(out, "m3")[:6] == ["m3", "up", "BACKUP", "100/111", "-", "3/3"]
    for name in ("m1", "m2", "m3"):
        assert row(out, name)[6].startswith("healthy") and row(out, name)[7] == "ok"
    assert sum(", leader" in row(out, n)[6] for n in ("m1", "m2", "m3")) == 1
    assert f"API via {vip}:16443: ok" in out
    quorum = r"^etcd quorum: 3/3 healthy, needs 2, tolerates 1 more failure; leader m\d$"
    assert re.search(quorum, out, re.M)
    assert auth_pass(healthy_lab, "m1") not in out


def test_json_of_a_healthy_lab(healthy_lab: Lab) -> None:
    proc, wall = hatui_status(str(healthy_lab.inventory), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["schema_version"] == 1
    assert (doc["verdict"], doc["exit_code"], doc["reasons"]) == ("HEALTHY", 0, [])
    assert doc["vip"]["holders"] == ["m1"] and doc["vip"]["split_brain"] is False
    assert doc["api_via_vip"]["ok"] is True and doc["api_via_vip"]["status_code"] == 200
    etcd = doc["etcd"]
    assert (etcd["members"], etcd["healthy"], etcd["needed"], etcd["tolerates"]) == (3, 3, 2, 1)
    assert [n["name"] for n in doc["nodes"]] == ["m1", "m2", "m3"]
    prio = [
        (n["keepalived"]["instance"]["state"], n["keepalived"]["instance"]["effective_priority"])
        for n in doc["nodes"]
    ]
    assert prio == [("MASTER", 121), ("BACKUP", 112), ("BACKUP", 111)]
    for n in doc["nodes"]:
        assert n["reachable"] and n["readyz"]["ok"] and n["etcd_member"]["healthy"]
        assert [b["status"] for b in n["lb"]["backends"]] == ["UP", "UP", "UP"]
    # no secret, anywhere: the keepalived password is in both dumps the probe read
    secret = auth_pass(healthy_lab, "m1")
    assert secret not in proc.stdout and "auth_data" not in proc.stdout
    print(f"\n`hatui status --json`: {wall:.2f} s wall, {len(proc.stdout)} bytes")


def test_a_fault_changes_the_table_and_the_exit_status(healthy_lab: Lab) -> None:
    healthy_lab.svc("m2", "stop", "keepalived")
    proc, _ = hatui_status(str(healthy_lab.inventory))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert out.splitlines()[0].endswith("DEGRADED")
    assert "  - m2: keepalived is not running" in out.splitlines()
    assert row(out, "m2")[:4] == ["m2", "up", "STOP", "-"]


def test_watch_prints_one_json_document_per_sweep(healthy_lab: Lab) -> None:
    proc, wall = hatui_status(
        str(healthy_lab.inventory), "--json", "--watch", "0.5", "--count", "2"
    )
    assert proc.returncode == 0, proc.stderr
    docs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(docs) == 2 and all(d["verdict"] == "HEALTHY" for d in docs)
    assert docs[1]["observed_at"] > docs[0]["observed_at"]  # two sweeps, not one printed twice
    assert 0.5 <= wall < 10  # it waited the interval between them


def test_a_broken_inventory_exits_4_naming_file_and_line(lab: Lab, tmp_path: Path) -> None:
    text = lab.inventory.read_text().replace("  port: 16443", "  prot: 16443", 1)
    broken = tmp_path / "broken.yaml"
    broken.write_text(text)
    line = text.splitlines().index("  prot: 16443") + 1
    proc, _ = hatui_status(str(broken))
    assert proc.returncode == 4
    assert proc.stdout == ""
    assert f"{broken}:{line}: load_balancer.prot: unknown key (did you mean 'port'?)" in proc.stderr
    missing, _ = hatui_status(str(tmp_path / "nope.yaml"))
    assert missing.returncode == 4 and "cannot read the inventory" in missing.stderr
    usage, _ = hatui_status(str(lab.inventory), "--no-such-flag")
    assert usage.returncode == 4 and "unrecognized arguments: --no-such-flag" in usage.stderr


def test_watch_records_every_state_for_replay(healthy_lab: Lab, tmp_path: Path) -> None:
    recording = tmp_path / "status.jsonl"
    proc, _ = hatui_status(
        str(healthy_lab.inventory), "--watch", "0.5", "--count", "2", "--record", str(recording)
    )
    assert proc.returncode == 0, proc.stderr
    states = read_recording(recording)
    assert len(states) == 2
    assert [s.verdict for s in states] == [Verdict.HEALTHY, Verdict.HEALTHY]
    assert states[0].verdicts.vip_holders == ("m1",)
    assert auth_pass(healthy_lab, "m1") not in recording.read_text()
