"""`hatui-lab-svc start|stop|restart|status [NAME]`: service control inside one lab node.

There is no systemd in a namespace; this is the node's stand-in for `systemctl`, and the
lab inventory tells hatui to call it for its faults. It only knows the daemons listed in
the node's /etc/hatui-lab/services.json, and only ever signals a pid it started (checked
by start time), so it can never stop something the lab did not start.
Exit codes follow `systemctl`: 0 ok/running, 3 not running, 1 failure, 2 usage.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from .procs import alive, start_time, terminate

SERVICES = "/etc/hatui-lab/services.json"
RUN = "/run/hatui-lab"


def _load() -> dict[str, dict]:
    with open(SERVICES) as f:
        return json.load(f)


def _pidfile(name: str) -> str:
    return f"{RUN}/{name}.pid"


def running(name: str) -> int | None:
    """The pid of NAME if the one we started still runs."""
    try:
        with open(_pidfile(name)) as f:
            pid_s, started_s = f.read().split()
    except (OSError, ValueError):
        return None
    pid, started = int(pid_s), int(started_s)
    return pid if alive(pid, started) else None


def start(name: str, spec: dict) -> int:
    pid = running(name)
    if pid:
        print(f"{name}: already running (pid {pid})")
        return 0
    log = spec["log"]
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, "ab") as out:
        out.write(f"--- hatui-lab-svc start {name} at {time.strftime('%F %T')}\n".encode())
        out.flush()
        proc = subprocess.Popen(
            spec["argv"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd="/",
            close_fds=True,
        )
    started = start_time(proc.pid)
    with open(_pidfile(name), "w") as f:
        f.write(f"{proc.pid} {started}\n")
    time.sleep(0.3)
    if proc.poll() is not None:
        print(f"{name}: exited at once with status {proc.returncode}; see {log}", file=sys.stderr)
        return 1
    print(f"{name}: started (pid {proc.pid})")
    return 0


def stop(name: str) -> int:
    pid = running(name)
    if pid is None:
        print(f"{name}: not running")
        return 0
    with open(_pidfile(name)) as f:
        started = int(f.read().split()[1])
    terminate(pid, started, timeout=15.0, group=True)
    os.unlink(_pidfile(name))
    print(f"{name}: stopped")
    return 0


def status(name: str) -> int:
    pid = running(name)
    print(f"{name}: running (pid {pid})" if pid else f"{name}: stopped")
    return 0 if pid else 3


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in ("start", "stop", "restart", "status"):
        print("usage: hatui-lab-svc start|stop|restart|status [NAME] [--json]", file=sys.stderr)
        return 2
    action, rest = args[0], [a for a in args[1:] if a != "--json"]
    services = _load()
    if action == "status" and not rest:
        states = {n: running(n) for n in services}
        if "--json" in args:
            print(json.dumps({n: {"running": p is not None, "pid": p} for n, p in states.items()}))
        else:
            for n, p in states.items():
                print(f"{n}: running (pid {p})" if p else f"{n}: stopped")
        return 0
    if len(rest) != 1:
        print(f"usage: hatui-lab-svc {action} NAME", file=sys.stderr)
        return 2
    name = rest[0]
    if name not in services:
        print(
            f"hatui-lab-svc: unknown service {name!r} (known: {', '.join(services)})",
            file=sys.stderr,
        )
        return 2
    os.makedirs(RUN, exist_ok=True)
    if action == "start":
        return start(name, services[name])
    if action == "stop":
        return stop(name)
    if action == "restart":
        stop(name)
        return start(name, services[name])
    return status(name)


if __name__ == "__main__":
    sys.exit(main())
