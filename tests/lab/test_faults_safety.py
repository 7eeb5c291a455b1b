"""What makes faults safe, on the real lab: a killed hatui is cleaned up by `hatui clear`,
a node cut off from the jump host clears its own fault at the TTL, the guards refuse to
break etcd quorum without --yes, and --dry-run changes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from faultlab import FaultCli, assert_restored, snapshots, tcp
from hatui.inventory import load_inventory
from labkit import Lab, wait_for

pytestmark = pytest.mark.lab

THREE_FAULTS = [("m1", "apiserver-reject"), ("m3", "keepalived-stop"), ("m2", "backend-drain")]

# A hatui that injected three faults through FaultManager (as the app does) and keeps running.
DRIVER = """
import asyncio, sys
from hatui.collector import sweep
from hatui.faults import FaultManager
from hatui.inventory import load_inventory
from hatui.transport import SshPool

async def main() -> None:
    inventory = load_inventory(sys.argv[1])
    async with SshPool(inventory) as pool:
        manager = FaultManager(pool, inventory)
        state = await sweep(pool, inventory)
        for node, kind in {faults!r}:
            plan = await manager.prepare(kind, node, ttl={ttl})
            await manager.inject(plan, state=state)
            print(plan.fault_id, flush=True)
        print("injected", flush=True)
        await asyncio.sleep(600)

asyncio.run(main())
"""


def start_hatui(
    cli: FaultCli, faults: list[tuple[str, str]], ttl: float
) -> tuple[subprocess.Popen[str], list[str]]:
    """The driver above, running until it has injected `faults`; and their ids."""
    env = {**os.environ, "HATUI_STATE_DIR": str(cli.state_dir)}
    code = DRIVER.format(faults=faults, ttl=ttl)
    hatui = subprocess.Popen(
        [sys.executable, "-c", code, str(cli.lab.inventory)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert hatui.stdout is not None
    ids = []
    try:
        for _ in faults:  # bounded: every call of the driver has a timeout
            ids.append(hatui.stdout.readline().strip())
        line = hatui.stdout.readline()
        if line != "injected\n":
            kill(hatui)
            raise AssertionError(f"the driver failed: {ids} {line!r} {hatui.stderr.read()}")
    except BaseException:
        kill(hatui)
        raise
    return hatui, ids


def kill(hatui: subprocess.Popen[str]) -> int:
    """SIGKILL, as `kill -9` would; its exit status."""
    if hatui.poll() is None:
        hatui.send_signal(signal.SIGKILL)
    return hatui.wait(10)


@pytest.fixture
def cli(healthy_lab: Lab, tmp_path: Path) -> FaultCli:
    return FaultCli(healthy_lab, tmp_path / "state")


def cluster(lab: Lab) -> str:
    return load_inventory(lab.inventory).cluster


def maint_on(lab: Lab, server: str) -> list[str]:
    """The LB nodes whose HAProxy has `server` in MAINT."""
    return [
        n.name
        for n in lab.cfg.nodes
        if any(
            r["svname"] == server and r["status"].startswith("MAINT")
            for r in lab.haproxy_stat(n.name)
        )
    ]


def test_hatui_clear_after_sigkill_restores_all_three(cli: FaultCli) -> None:
    lab = cli.lab
    before = snapshots(lab)
    hatui, _ = start_hatui(cli, THREE_FAULTS, ttl=600)
    assert kill(hatui) == -signal.SIGKILL  # killed while running, not ended

    # all three are in place, and the journal knows them
    assert lab.hatui_rules("m1") and not lab.running("m3", "keepalived")
    assert maint_on(lab, "m2") == ["m1", "m2", "m3"]
    assert len(cli.journal.in_place(cluster(lab))) == 3

    proc = cli.run("clear", "INV")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    cleared = proc.stdout.splitlines()
    assert len(cleared) == 3 and all(line.endswith(": cleared") for line in cleared), cleared
    assert_restored(lab, before)
    assert cli.journal.in_place(cluster(lab)) == []


def test_the_watchdog_clears_on_a_node_cut_off_from_the_jump_host(cli: FaultCli) -> None:
    lab = cli.lab
    ttl = 15
    before = snapshots(lab)
    # a hatui that stays connected, as the app does, then loses m3 for good: sshd stopped,
    # its sessions killed, and the jump host's hatui itself killed
    hatui, (rule_id, drain_id) = start_hatui(
        cli, [("m3", "apiserver-reject"), ("m1", "backend-drain")], ttl=ttl
    )
    injected = time.monotonic()
    try:
        lab.svc("m3", "stop", "sshd")
        assert lab.kill_ssh_sessions("m3")
        assert kill(hatui) == -signal.SIGKILL
        assert tcp(lab.node("m3").address, 22) == "refused"
        # still in place, with hatui unable to reach m3 at all
        assert any(f"hatui:{rule_id}" in r for r in lab.hatui_rules("m3"))
        assert maint_on(lab, "m1") == ["m1", "m2", "m3"]
        proc = cli.run("fault", "clear", "INV", rule_id)
        assert proc.returncode == 1 and "NOT cleared" in proc.stdout, proc.stdout + proc.stderr

        wait_for("the rule gone from m3", lambda: not lab.hatui_rules("m3"), ttl + 15)
        fired_after = time.monotonic() - injected
        assert fired_after >= ttl - 1, f"the watchdog fired after {fired_after:.1f}s"
        wait_for("m1 out of MAINT everywhere", lambda: maint_on(lab, "m1") == [], 10)
        fired = lab.sh("m3", f"cat /run/hatui-faults/{rule_id}.fired").strip()
        assert fired == "0"
        procs = lab.sh("m3", "ps -eo args")
        assert "hatui-watchdog" not in procs
    finally:
        if not lab.running("m3", "sshd"):
            lab.svc("m3", "start", "sshd")

    listing = cli.list()
    assert listing.count("cleared by its watchdog") == 2, listing
    proc = cli.run("clear", "INV")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("cleared by its watchdog at the TTL (acknowledged)") == 2
    assert_restored(lab, before)
    records = {r.fault_id: r for r in cli.journal.records()}
    assert records[rule_id].cleared_by == records[drain_id].cleared_by == "watchdog"


def test_the_guard_refuses_to_break_etcd_quorum_without_yes(cli: FaultCli) -> None:
    lab = cli.lab
    before = snapshots(lab)
    first = cli.inject("m3", "etcd-stop")
    assert not lab.running("m3", "etcd")
    during = snapshots(lab)

    proc = cli.run("fault", "inject", "INV", "m2", "etcd-stop")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert (
        "refused: etcd loses quorum: stopping etcd on m2 leaves 1 of 3 members healthy, "
        "2 needed, so writes stop and the API goes down. Add --yes to do it anyway."
    ) in proc.stderr
    assert lab.running("m2", "etcd")
    assert snapshots(lab) == during
    assert [r.fault_id for r in cli.journal.records()] == [first]

    proc = cli.run("fault", "inject", "INV", "m2", "etcd-stop", "--dry-run")
    assert proc.returncode == 2 and "(refused without --yes)" in proc.stdout
    proc = cli.run("fault", "inject", "INV", "m2", "etcd-stop", "--dry-run", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "(confirmed by --yes)" in proc.stdout
    assert f"    {lab.cfg.svc_command} stop etcd\n" in proc.stdout
    assert lab.running("m2", "etcd") and snapshots(lab) == during

    cli.clear(first)
    assert_restored(lab, before)


def test_dry_run_prints_the_commands_and_changes_nothing(cli: FaultCli) -> None:
    lab = cli.lab
    before = snapshots(lab)
    proc = cli.run("fault", "inject", "INV", "m3", "isolate", "--dry-run", "--ttl", "90s")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "TTL 1m30s); nothing was changed" in out.splitlines()[0]
    assert "    iptables -w 5 -I INPUT 1 -p tcp --dport 22 -m comment --comment hatui:" in out
    assert "setsid sh -c" in out and "kill -s TERM" in out
    assert snapshots(lab) == before
    assert not (cli.state_dir / "faults.jsonl").exists()
