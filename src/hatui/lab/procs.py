"""Process identity that survives pid reuse: a pid is only "ours" with its start time."""

from __future__ import annotations

import os
import signal
import time


def start_time(pid: int) -> int | None:
    """Field 22 of /proc/PID/stat (clock ticks since boot), or None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rfind(b")") + 2 :].split()
    return int(fields[19])


def state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rfind(b")") + 2 :].split()[0].decode()


def alive(pid: int, started: int | None = None) -> bool:
    """True when pid runs (not a zombie) and, if given, still has that start time."""
    st = state(pid)
    if st is None or st in ("Z", "X"):
        return False
    return started is None or start_time(pid) == started


def wait_gone(pid: int, started: int | None, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid, started):
            return True
        time.sleep(0.05)
    return not alive(pid, started)


def terminate(pid: int, started: int | None, timeout: float = 10.0, group: bool = False) -> None:
    """SIGTERM, wait, then SIGKILL: only if pid still is the process we started."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 2.0)):
        if not alive(pid, started):
            return
        try:
            if group:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:
            return
        if wait_gone(pid, started, wait):
            return
