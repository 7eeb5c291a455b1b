"""Lab-side helpers for the fault tests: `hatui fault ...` as a user runs it, and exact
snapshots of what a fault may change on a node."""

from __future__ import annotations

import difflib
import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hatui.faults import Journal
from hatui.faults.watchdog import WATCHDOG_DIR
from labkit import Lab

_COUNTERS = re.compile(r"\[\d+:\d+\]")
_DEFAULT_CHAIN = re.compile(r":(INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) ACCEPT")


@dataclass
class FaultCli:
    """`python -m hatui fault|clear ...` against the lab, with its own journal."""

    lab: Lab
    state_dir: Path

    def run(self, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "HATUI_STATE_DIR": str(self.state_dir)}
        argv = [sys.executable, "-m", "hatui", *args]
        argv = [str(self.lab.inventory) if a == "INV" else a for a in argv]
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )

    def inject(self, node: str, fault: str, *extra: str, ttl: str = "5m") -> str:
        """Inject through the CLI; the new fault's id."""
        proc = self.run("fault", "inject", "INV", node, fault, "--ttl", ttl, *extra)
        assert proc.returncode == 0, proc.stderr
        match = re.match(r"injected fault ([0-9a-f]{8}): ", proc.stdout)
        assert match, proc.stdout
        return match.group(1)

    def clear(self, fault_id: str) -> str:
        proc = self.run("fault", "clear", "INV", fault_id)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    def list(self) -> str:
        proc = self.run("fault", "list", "INV")
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    @property
    def journal(self) -> Journal:
        return Journal(self.state_dir)


def iptables(lab: Lab, node: str) -> list[str]:
    """Every table's rules, as iptables-save prints them, without counters and comments.

    A table with only built-in chains, ACCEPT policies and no rule is left out: iptables-nft
    creates the filter table on the first rule added to it and keeps it, empty, when that
    rule goes; such a table filters nothing, exactly as no table.
    """
    out = lab.sh(node, "iptables-save; ip6tables-save")
    lines = [_COUNTERS.sub("", ln).rstrip() for ln in out.splitlines() if not ln.startswith("#")]
    tables: list[list[str]] = [[]]
    for line in lines:
        tables[-1].append(line)
        if line == "COMMIT":
            tables.append([])
    return [line for table in tables if not _empty(table) for line in table]


def _empty(table: list[str]) -> bool:
    return all(
        line.startswith("*") or line == "COMMIT" or _DEFAULT_CHAIN.fullmatch(line) for line in table
    )


def snapshot(lab: Lab, node: str) -> dict[str, Any]:
    """What a fault may change on a node: firewall rules, which services run, which
    HAProxy servers are in MAINT, hatui watchdog processes and files."""
    services = json.loads(lab.sh(node, f"{lab.cfg.svc_command} status --json"))
    procs = lab.sh(node, "ps -eo pid,args")
    maint = sorted(
        f"{r['pxname']}/{r['svname']}"
        for r in (lab.haproxy_stat(node) if lab.cfg.lb == "haproxy" else [])
        if r["status"].startswith("MAINT")
    )
    return {
        "iptables": iptables(lab, node),
        "running": {unit: s["running"] for unit, s in services.items()},
        "maint": maint,
        "watchdogs": [ln for ln in procs.splitlines() if "hatui-watchdog" in ln],
        "watchdog files": lab.sh(node, f"ls -A {WATCHDOG_DIR} 2>/dev/null", check=False).split(),
    }


def snapshots(lab: Lab) -> dict[str, dict[str, Any]]:
    return {n.name: snapshot(lab, n.name) for n in lab.cfg.nodes}


def assert_restored(lab: Lab, before: dict[str, dict[str, Any]], timeout: float = 15) -> None:
    """Every node exactly as in `before` (a killed watchdog takes a moment to go)."""
    deadline = time.monotonic() + timeout
    now = snapshots(lab)
    while now != before and time.monotonic() < deadline:
        time.sleep(0.5)
        now = snapshots(lab)
    if now != before:
        diff = difflib.unified_diff(
            json.dumps(before, indent=1, sort_keys=True).splitlines(),
            json.dumps(now, indent=1, sort_keys=True).splitlines(),
            "before",
            "after",
            lineterm="",
        )
        raise AssertionError("the nodes differ from before:\n" + "\n".join(diff))


def tcp(host: str, port: int, timeout: float = 2.0) -> str:
    """ "open", "refused" or "timeout": a TCP connect from this host (the lab's jump host)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return "open"
    except ConnectionRefusedError:
        return "refused"
    except TimeoutError:
        return "timeout"
    except OSError as err:
        return f"error: {err}"
