"""Latency of one remote command: hatui's persistent connection vs a new connection each time.

    .venv/bin/python benchmarks/bench_transport.py INVENTORY [--node m1] [-n 50]

Prints the median (and 90th percentile) of:
  - `true` over SshPool's open connection (what every hatui sweep pays),
  - `true` on every master at once with run_all,
  - HAProxy `show stat` over the admin socket (SSH channel, no socat),
  - a fresh asyncssh connection per command (connect + run + close),
  - a fresh OpenSSH `ssh` process per command (what a shell-script monitor pays).
Loops are bounded (-n, at most 500; fresh connections at most 30).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

import asyncssh

from hatui.inventory import Inventory, load_inventory
from hatui.transport import SshPool

WARMUP = 3


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
    return f"{label:<48} {statistics.median(ms):9.2f} {p90:9.2f} {len(ms):5d}"


async def fresh_openssh(inv: Inventory, node: str) -> None:
    master = inv.master(node)
    argv = ["ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
    argv += ["-o", f"UserKnownHostsFile={inv.ssh.known_hosts}", "-p", str(master.ssh_port)]
    for key in inv.ssh.identity_files:
        argv += ["-i", key]
    argv += [f"{master.ssh_user}@{master.host}", "true"]
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"ssh failed ({proc.returncode}): {err.decode().strip()}")


async def fresh_asyncssh(inv: Inventory, node: str) -> None:
    master = inv.master(node)
    async with asyncssh.connect(
        master.host,
        port=master.ssh_port,
        username=master.ssh_user,
        known_hosts=inv.ssh.known_hosts,
        client_keys=list(inv.ssh.identity_files) or (),
        agent_path=None,
        config=None,
    ) as conn:
        await conn.run("true", check=True)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inventory")
    parser.add_argument("--node", help="master to measure (default: the first)")
    parser.add_argument("-n", type=int, default=50, help="samples per row (max 500)")
    args = parser.parse_args()
    inv = load_inventory(args.inventory)
    node = args.node or inv.masters[0].name
    n = max(5, min(args.n, 500))
    n_fresh = min(n, 30)
    every = {m.name: "true" for m in inv.masters}

    rows = []
    async with SshPool(inv) as pool:
        down = {k: v.reason for k, v in pool.statuses().items() if v.reason}
        if down:
            print(f"not connected: {down}", file=sys.stderr)
            return 1
        persistent = await measure(lambda: pool.run(node, "true"), n)
        rows.append(row(f"persistent connection: run({node}, 'true')", persistent))
        rows.append(
            row(
                f"persistent: run_all on {len(every)} masters",
                await measure(lambda: pool.run_all(every), n),
            )
        )
        if inv.load_balancer.kind == "haproxy":
            sock = inv.load_balancer.haproxy_socket
            rows.append(
                row(
                    f"persistent: unix_request show stat ({node})",
                    await measure(lambda: pool.unix_request(node, sock, b"show stat\n"), n),
                )
            )
        connects = pool.status(node).connects
    rows.append(
        row(
            "fresh asyncssh connection per command",
            await measure(lambda: fresh_asyncssh(inv, node), n_fresh),
        )
    )
    fresh = await measure(lambda: fresh_openssh(inv, node), n_fresh)
    rows.append(row("fresh `ssh` process per command", fresh))

    print(f"{'one command on ' + node:<48} {'median ms':>9} {'p90 ms':>9} {'n':>5}")
    print("\n".join(rows))
    speedup = statistics.median(fresh) / statistics.median(persistent)
    print(f"persistent is {speedup:.0f}x faster than a fresh ssh; connects to {node}: {connects}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
