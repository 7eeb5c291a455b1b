"""The TTL watchdog's shell, run for real on this machine (in a temporary directory)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from hatui.faults.watchdog import (
    WatchdogState,
    arm_command,
    disarm_command,
    parse_state,
    state_command,
)

FID = "0a1b2c3d"


def sh(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/sh", "-c", command], capture_output=True, text=True, timeout=20, check=False
    )


def wait(what: str, predicate, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def session_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[3])


def state(d: Path) -> WatchdogState:
    return parse_state(sh(state_command(FID, str(d))).stdout)


@pytest.fixture
def d(tmp_path: Path) -> Path:
    return tmp_path / "faults"


def arm(d: Path, seconds: int, clear: str) -> int:
    result = sh(arm_command(FID, seconds, clear, str(d)))
    assert result.returncode == 0, result.stderr
    word, pid = result.stdout.split()
    assert word == "armed"
    return int(pid)


def test_fires_at_ttl_in_a_session_of_its_own(d: Path, tmp_path: Path) -> None:
    out = tmp_path / "cleared"
    began = time.monotonic()
    pid = arm(d, 1, f"echo done > {out}")
    assert session_of(pid) == pid  # setsid: not in the arming session, no terminal
    assert state(d) == WatchdogState("armed", pid)
    assert oct((d).stat().st_mode & 0o777) == "0o700"
    wait("the watchdog to fire", lambda: state(d).state == "fired")
    assert time.monotonic() - began >= 1.0
    assert out.read_text() == "done\n"
    assert state(d) == WatchdogState("fired", 0, "")
    assert state(d).cleared_ok
    wait("the watchdog to exit", lambda: not alive(pid), 5)
    assert sh(disarm_command(FID, str(d))).returncode == 0
    assert not d.exists()  # its files and the empty directory are gone
    assert state(d) == WatchdogState("none")


def test_a_failing_clear_is_recorded_with_its_output(d: Path) -> None:
    arm(d, 1, "echo 'iptables: Bad rule' >&2; false")
    found = wait("the watchdog to fire", lambda: (s := state(d)).state == "fired" and s)
    assert found.value == 1 and found.log == "iptables: Bad rule"
    assert not found.cleared_ok


def test_disarm_ends_the_watchdog_before_it_clears(d: Path, tmp_path: Path) -> None:
    out = tmp_path / "cleared"
    pid = arm(d, 30, f"echo done > {out}")
    result = sh(disarm_command(FID, str(d)))
    assert result.returncode == 0, result.stderr
    wait("the watchdog process to end", lambda: not alive(pid), 5)
    assert state(d) == WatchdogState("none") and not out.exists()
    assert sh(disarm_command(FID, str(d))).returncode == 0  # idempotent


def test_a_watchdog_without_its_pid_file_does_nothing(d: Path, tmp_path: Path) -> None:
    out = tmp_path / "cleared"
    pid = arm(d, 1, f"echo done > {out}")
    (d / f"{FID}.pid").unlink()  # what disarm does first
    assert state(d) == WatchdogState("none")
    wait("the watchdog to wake up and exit", lambda: not alive(pid), 5)
    assert not out.exists() and not (d / f"{FID}.fired").exists()


def test_disarm_never_signals_a_process_that_is_not_the_watchdog(d: Path) -> None:
    other = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        d.mkdir()
        (d / f"{FID}.pid").write_text(f"{other.pid}\n")
        assert state(d) == WatchdogState("dead", other.pid)
        assert sh(disarm_command(FID, str(d))).returncode == 0
        time.sleep(0.2)
        assert other.poll() is None, "disarm killed a process that was not its watchdog"
        d.mkdir()
        (d / f"{FID}.pid").write_text("1; reboot\n")
        assert sh(disarm_command(FID, str(d))).returncode == 0
    finally:
        other.send_signal(signal.SIGKILL)
        other.wait(5)


def test_the_watchdog_outlives_the_arming_process_group(d: Path, tmp_path: Path) -> None:
    """What the transport does to a command it gave up on: TERM its whole process group."""
    out = tmp_path / "cleared"
    proc = subprocess.Popen(
        ["/bin/sh", "-c", arm_command(FID, 2, f"echo done > {out}", str(d)) + "\nsleep 30"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        pid = int(proc.stdout.readline().split()[1])
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(5)
        assert alive(pid)
        wait("the watchdog to fire", lambda: out.exists(), 10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def test_state_output_parsing() -> None:
    assert parse_state("armed 42\n") == WatchdogState("armed", 42)
    assert parse_state("dead 42") == WatchdogState("dead", 42)
    assert parse_state("fired 0\nline1\nline2\n") == WatchdogState("fired", 0, "line1\nline2")
    assert parse_state("none\n") == WatchdogState("none")
    assert parse_state("").state == "unknown"
    assert parse_state("armed x").state == "unknown"


def test_arm_refuses_a_zero_ttl() -> None:
    with pytest.raises(ValueError):
        arm_command(FID, 0, "true")
