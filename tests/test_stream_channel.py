"""The channel's remote wrapper, run by a local /bin/sh: the ready mark, heartbeats, the
command's own exit status, and the whole command ending once nobody reads it any more
(what keeps a killed hatui from leaving `ip monitor` behind on the masters)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from hatui.stream.channel import ALIVE_MARK, READY_MARK, channel_command


def start(command: str, heartbeat: float) -> subprocess.Popen[str]:
    # a session of its own, as sshd gives each command: the wrapper's `kill 0` stays inside
    return subprocess.Popen(
        ["sh", "-c", channel_command(command, heartbeat)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_exit_status_and_output_are_the_commands_and_it_ends_at_once() -> None:
    cases = (
        ("echo hello; exit 3", 3),
        ("echo hello; false", 1),
        ("sleep 0.1 & wait $!; echo hello", 0),  # a job of its own: the address channel's way
    )
    for command, status in cases:
        began = time.monotonic()
        proc = start(command, heartbeat=5)
        out, _ = proc.communicate(timeout=10)
        assert out.splitlines() == [READY_MARK, "hello"]
        assert proc.returncode == status
        assert time.monotonic() - began < 2  # the heartbeat does not hold stdout open


def test_heartbeats_come_beside_the_output() -> None:
    proc = start("sleep 0.7; echo done", heartbeat=0.1)
    out, _ = proc.communicate(timeout=10)
    lines = out.splitlines()
    assert lines[0] == READY_MARK and lines[-1] == "done"
    assert 3 <= lines.count(ALIVE_MARK) <= 8
    assert set(lines) == {READY_MARK, ALIVE_MARK, "done"}


def test_the_command_ends_when_nobody_reads_it() -> None:
    proc = start("sleep 60; echo never", heartbeat=0.2)
    pgid = proc.pid  # a session leader: its group is its pid
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == READY_MARK
        proc.stdout.close()  # the SSH channel is gone
        assert proc.wait(timeout=5) == -signal.SIGTERM, "the command outlived its reader"
        deadline = time.monotonic() + 2
        while group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not group_alive(pgid), "a child of the command outlived it"
    finally:
        if group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)
        proc.wait(timeout=5)
