"""PID 1 of a lab node: private mounts, then reap orphans until told to stop.

Started by `hatui lab up` as
`nsenter --net=/run/netns/NS -- unshare --mount --uts --pid --fork --mount-proc -- python -m
hatui.lab.holder --name m1 --dir NODE_DIR`. It gives the node its own /etc and /root
(overlays on the machine's, so a node sees the installed packages but writes its own
configs), its own /var/log, and empty /tmp, /run and /var/lib/etcd: keepalived's dumps,
pid files and sockets of two nodes never meet. Daemons started in the node are re-parented
to it; on SIGTERM it stops them (kernel kills whatever is left when it exits).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

READY = "/run/hatui-lab/holder.ready"


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True)


PRIVATE = ("/tmp", "/run", "/var/lib/etcd")
"""Emptied in each node (a tmpfs over each)."""


def _bind_fd(fd: int, target: str) -> None:
    """Bind the directory open as `fd` onto `target` (mount(2) follows the fd's magic link to
    the directory itself, also when its path is now covered by a tmpfs)."""
    libc = ctypes.CDLL(None, use_errno=True)
    ms_bind = 4096
    if libc.mount(f"/proc/self/fd/{fd}".encode(), target.encode(), None, ms_bind, None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"bind of {target} into the node: {os.strerror(err)}")


def setup(name: str, node_dir: str, keep: Sequence[str] = ()) -> None:
    """Private mounts. `keep`: host folders the node must still see although they lie under
    a folder it gets empty (hatui's venv and source in a checkout under /tmp, say)."""
    socket.sethostname(name)
    kept = [
        (os.open(path, os.O_PATH | os.O_DIRECTORY), path)
        for path in keep
        if any(path == d or path.startswith(d + "/") for d in PRIVATE) and os.path.isdir(path)
    ]
    for target in ("etc", "root"):
        upper, work = f"{node_dir}/{target}", f"{node_dir}/{target}.work"
        os.makedirs(upper, exist_ok=True)
        os.makedirs(work, exist_ok=True)
        _mount(
            "-t",
            "overlay",
            "overlay",
            "-o",
            f"lowerdir=/{target},upperdir={upper},workdir={work}",
            f"/{target}",
        )
    os.makedirs(f"{node_dir}/log/nginx", exist_ok=True)
    _mount("--bind", f"{node_dir}/log", "/var/log")
    for tmp in PRIVATE:
        _mount("-t", "tmpfs", "-o", "mode=0755", "tmpfs", tmp)
    os.chmod("/tmp", 0o1777)
    for fd, path in kept:
        os.makedirs(path, exist_ok=True)
        _bind_fd(fd, path)
        os.close(fd)
    os.chmod("/var/lib/etcd", 0o700)
    # sysfs of this netns: keepalived and `ip` read interfaces from it
    _mount("-t", "sysfs", "sysfs", "/sys")
    for d in ("/run/sshd", "/run/haproxy", "/run/hatui-lab", "/run/lock"):
        os.makedirs(d, mode=0o755, exist_ok=True)
    with open(READY, "w") as f:
        f.write(f"{time.time()}\n")


_stopping = False


def _on_term(signum: int, frame: object) -> None:
    global _stopping
    _stopping = True


def reap_until_stopped() -> None:
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_term)
    # pause() below must wake when an orphan dies, or it stays a zombie: handle SIGCHLD.
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    while not _stopping:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            signal.pause()
        except InterruptedError:
            pass
    # Stop every daemon gracefully (etcd flushes, keepalived drops the VIP), then exit:
    # the kernel kills whatever is still in this pid namespace.
    try:
        os.kill(-1, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 8.0
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(prog="hatui.lab.holder")
    parser.add_argument("--name", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--keep", action="append", default=[], help="host folder to keep")
    args = parser.parse_args()
    if os.getpid() != 1:
        sys.exit("hatui.lab.holder must run as PID 1 of a new pid namespace")
    setup(args.name, args.dir, args.keep)
    print(f"holder {args.name} ready", flush=True)
    reap_until_stopped()


if __name__ == "__main__":
    main()
