"""One full hatui sweep vs the same checks done by hand with a fresh `ssh` per command.

    .venv/bin/python benchmarks/bench_sweep.py INVENTORY [-n 20]

Prints the median (and 90th percentile) of:
  - a hatui sweep (`hatui.collector.sweep`): every probe group on every master in parallel
    over the persistent connections: addresses, fresh keepalived JSON+DATA dumps and log,
    HAProxy `show stat`, etcd (members, health, status, alarms) from two masters, each
    master's /readyz and /livez, and the API through the VIP;
  - the peer, what operators do today (seed 000): per master, one after the other, a fresh
    `ssh` for `ip -o addr`, one for the keepalived log (journalctl or the log file) and one
    for `curl -k .../readyz`: far fewer facts, one connection each;
  - the same hand checks with every ssh started at once (the best a shell script does).
  - `hatui status` as a person types it (a new process: imports, connections, one sweep).
Then the ratio of the medians. Loops are bounded (-n at most 100; hand checks at most 20).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

from hatui.collector import sweep
from hatui.inventory import Inventory, load_inventory, shell_quote
from hatui.model import ClusterSpec
from hatui.probes.keepalived import log_command
from hatui.transport import SshPool

WARMUP = 2


async def measure(fn: Callable[[], Awaitable[object]], n: int) -> list[float]:
    for _ in range(WARMUP):
        await fn()
    times = []
    for _ in range(n):
        began = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - began)
    return times


def row(label: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    return f"{label:<58} {statistics.median(ms):9.1f} {p90:9.1f} {len(ms):5d}"


def hand_commands(inv: Inventory) -> list[str]:
    """The seed-000 operator's three commands on one master."""
    readyz = f"https://127.0.0.1:{inv.apiserver.port}/readyz"
    return ["ip -o addr", log_command(inv, 20), f"curl -sk --max-time 2 {shell_quote(readyz)}"]


async def fresh_ssh(inv: Inventory, node: str, command: str) -> None:
    """One command over a brand-new OpenSSH connection, as a person types it."""
    master = inv.master(node)
    argv = ["ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
    argv += ["-o", f"UserKnownHostsFile={inv.ssh.known_hosts}", "-p", str(master.ssh_port)]
    argv += ["-o", f"ConnectTimeout={int(inv.ssh.connect_timeout)}"]
    for key in inv.ssh.identity_files:
        argv += ["-i", key]
    argv += [f"{master.ssh_user}@{master.host}", command]
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    if proc.returncode == 255:
        raise SystemExit(f"ssh {node} failed: {err.decode().strip()}")


async def hatui_status(inventory: str) -> None:
    """The whole `hatui status INVENTORY` command, a new process each time."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hatui", "status", inventory,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await proc.wait()


async def by_hand(inv: Inventory) -> None:
    for m in inv.masters:
        for command in hand_commands(inv):
            await fresh_ssh(inv, m.name, command)


async def by_hand_parallel(inv: Inventory) -> None:
    await asyncio.gather(
        *(fresh_ssh(inv, m.name, c) for m in inv.masters for c in hand_commands(inv))
    )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inventory")
    parser.add_argument("-n", type=int, default=20, help="sweeps to time (max 100)")
    args = parser.parse_args()
    inv = load_inventory(args.inventory)
    n = max(3, min(args.n, 100))
    n_hand = min(n, 20)
    spec = ClusterSpec.from_inventory(inv)

    async with SshPool(inv) as pool:
        down = {k: v.reason for k, v in pool.statuses().items() if v.reason}
        if down:
            print(f"not connected: {down}", file=sys.stderr)
            return 1
        verdicts: list[str] = []

        async def one_sweep() -> None:
            state = await sweep(pool, inv, spec)
            verdicts.append(str(state.verdict))

        sweeps = await measure(one_sweep, n)
        connects = sum(link.connects for link in pool.statuses().values())
    status_runs = await measure(lambda: hatui_status(args.inventory), min(n, 10))
    hand = await measure(lambda: by_hand(inv), n_hand)
    hand_parallel = await measure(lambda: by_hand_parallel(inv), n_hand)

    masters = len(inv.masters)
    print(f"{masters} masters; verdicts seen: {sorted(set(verdicts))}")
    print(f"{'one look at the whole control plane':<58} {'median ms':>9} {'p90 ms':>9} {'n':>5}")
    print(row("hatui sweep (all probes, persistent connections)", sweeps))
    print(row("`hatui status` as typed (start, connect, sweep, print)", status_runs))
    print(row(f"by hand: {3 * masters} fresh ssh, one after the other", hand))
    print(row(f"by hand: {3 * masters} fresh ssh, all at once", hand_parallel))
    ratio = statistics.median(hand) / statistics.median(sweeps)
    ratio_parallel = statistics.median(hand_parallel) / statistics.median(sweeps)
    print(
        f"a hatui sweep is {ratio:.1f}x faster than the checks by hand "
        f"({ratio_parallel:.1f}x faster than all of them at once), and it collects more; "
        f"SSH connections opened for {n + WARMUP} sweeps: {connects}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
