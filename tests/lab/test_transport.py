"""SshPool against the real lab: three masters running sshd, HAProxy, etcd in namespaces.

Ground truth comes from labkit (nsenter into a node), never from hatui's own transport.
Every test puts back what it stops; polls are bounded, never fixed long sleeps.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import re
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncssh
import pytest

from hatui.inventory import Inventory, JumpHost, load_inventory
from hatui.transport import (
    AuthFailed,
    ChannelFailed,
    CommandFailed,
    CommandResult,
    CommandTimeout,
    HostKeyMismatch,
    HostKeyUnknown,
    LinkDown,
    LinkState,
    PoolClosed,
    SshPool,
    Unreachable,
)
from hatui.transport.ssh_pool import STABLE_AFTER
from labkit import Lab
from pollkit import until

pytestmark = pytest.mark.lab


async def node_sh(lab: Lab, node: str, cmd: str, check: bool = True) -> str:
    """labkit's ground-truth shell, off the event loop so the pool keeps running."""
    return await asyncio.to_thread(lab.sh, node, cmd, check)


async def live_processes(lab: Lab, node: str, needle: str) -> list[str]:
    """Processes on `node` whose command line contains `needle`, zombies left out."""
    out = await node_sh(lab, node, "ps -eo stat=,args=")
    return [ln for ln in out.splitlines() if needle in ln and not ln.lstrip().startswith("Z")]


async def gone(lab: Lab, node: str, needle: str) -> bool:
    return not await live_processes(lab, node, needle)


@pytest.fixture
def inventory(lab: Lab) -> Inventory:
    return load_inventory(lab.inventory)


@pytest.fixture
async def pool(inventory: Inventory) -> AsyncIterator[SshPool]:
    async with SshPool(inventory) as p:
        yield p


def with_ssh(inv: Inventory, **changes: object) -> Inventory:
    return dataclasses.replace(inv, ssh=dataclasses.replace(inv.ssh, **changes))


def names(inv: Inventory) -> list[str]:
    return [m.name for m in inv.masters]


# -- connecting and running ------------------------------------------------------------------


async def test_connects_to_every_master_in_parallel(inventory: Inventory) -> None:
    pool = SshPool(inventory)
    began = time.monotonic()
    try:
        await pool.start()
        elapsed = time.monotonic() - began
        links = pool.statuses()
        assert [link.state for link in links.values()] == [LinkState.UP] * 3, links
        # the three attempts overlapped: each started before any of them finished
        assert max(lk.last_attempt_at or 0 for lk in links.values()) < min(
            lk.connected_since or 0 for lk in links.values()
        )
        assert elapsed < inventory.ssh.connect_timeout
        assert all(lk.connects == 1 and lk.reason == "" for lk in links.values())
        print(f"\nparallel connect to 3 masters: {elapsed * 1000:.0f} ms")
    finally:
        await pool.close()
    assert all(lk.state is LinkState.UNREACHABLE for lk in pool.statuses().values())


async def test_run_returns_output_and_exit_status(pool: SshPool) -> None:
    before = time.time()
    res = await pool.run("m1", "hostname; echo oops >&2; exit 3")
    assert (res.node, res.stdout, res.stderr, res.exit_status) == ("m1", "m1\n", "oops\n", 3)
    assert not res.ok and res.exit_signal is None
    assert before <= res.started <= res.finished <= time.time()
    with pytest.raises(CommandFailed) as caught:
        res.check()
    assert caught.value.exit_status == 3 and caught.value.stderr == "oops\n"
    quoted = await pool.run("m2", """printf '%s|' "a b" 'c"d' "$(hostname)" """)
    assert quoted.stdout == 'a b|c"d|m2|' and quoted.ok


async def test_run_all_on_three_masters(pool: SshPool, inventory: Inventory) -> None:
    began = time.monotonic()
    results = await pool.run_all({n: "hostname" for n in names(inventory)}, timeout=3)
    elapsed = time.monotonic() - began
    assert list(results) == ["m1", "m2", "m3"]
    for node, res in results.items():
        assert isinstance(res, CommandResult) and res.stdout == f"{node}\n"
    print(f"\nrun_all on 3 masters: {elapsed * 1000:.1f} ms")


async def test_one_slow_node_does_not_delay_the_others(pool: SshPool, lab: Lab) -> None:
    began = time.monotonic()
    results = await pool.run_all({"m1": "sleep 31.5", "m2": "hostname", "m3": "hostname"}, 1.0)
    elapsed = time.monotonic() - began
    assert isinstance(results["m1"], CommandTimeout)
    assert results["m1"].reason == "command timed out after 1.0s"
    assert [getattr(results[n], "stdout", None) for n in ("m2", "m3")] == ["m2\n", "m3\n"]
    assert 1.0 <= elapsed < 10  # the 1 s limit, not the command's 31.5 s (margin for load)
    # the link survived the timeout, and the command we gave up on was ended on the master
    assert pool.status("m1").state is LinkState.UP
    await until("sleep 31.5 ended on m1", lambda: gone(lab, "m1", "sleep 31.5"), 5)
    assert (await pool.run("m1", "echo still here")).stdout == "still here\n"


async def test_one_persistent_connection_is_reused(pool: SshPool, lab: Lab) -> None:
    since = pool.status("m1").connected_since
    ss = "ss -tnH state established '( sport = :22 )' | awk '{print $NF}'"
    # seen from the master: the clients' address:port of every SSH connection, before and after
    before = set((await node_sh(lab, "m1", ss)).split())
    durations = []
    for _ in range(100):
        res = await pool.run("m1", "true")
        durations.append(res.duration)
    link = pool.status("m1")
    assert link.connects == 1 and link.connected_since == since
    after = set((await node_sh(lab, "m1", ss)).split())
    # the 100 commands opened no connection (another test's pool may still be closing: its
    # connection shows in both lists or only in the first, never only in the second)
    assert after and after - before == set(), (before, after)
    assert all(peer.startswith(f"{lab.cfg.jump_address}:") for peer in after), after
    print(
        f"\n100 commands over one connection: median {statistics.median(durations) * 1000:.1f} ms"
    )


# -- SSH channels instead of remote tools ----------------------------------------------------


async def test_unix_request_reads_haproxy_show_stat(pool: SshPool, inventory: Inventory) -> None:
    socket_path = inventory.load_balancer.haproxy_socket
    for node in names(inventory):
        answer = (await pool.unix_request(node, socket_path, b"show stat\n", 3)).decode()
        lines = [ln for ln in answer.splitlines() if ln]
        assert lines[0].startswith("# pxname,svname,")
        assert any(ln.split(",")[1] == "BACKEND" for ln in lines[1:])
    with pytest.raises(ChannelFailed) as caught:
        await pool.unix_request("m1", "/run/haproxy/no-such.sock", b"show stat\n", 3)
    assert caught.value.target == "/run/haproxy/no-such.sock"


async def test_tcp_connect_check_to_the_apiserver(pool: SshPool, inventory: Inventory) -> None:
    seconds = await pool.tcp_connect_check("m1", "127.0.0.1", inventory.apiserver.port, 3)
    assert 0 < seconds < 1
    with pytest.raises(ChannelFailed) as caught:
        await pool.tcp_connect_check("m1", "127.0.0.1", 1, 3)
    assert caught.value.reason == "connection refused"
    print(f"\ntcp_connect_check m1 -> 127.0.0.1:6443: {seconds * 1000:.2f} ms")


async def test_tcp_request_to_etcd_metrics_port(pool: SshPool) -> None:
    answer = await pool.tcp_request(
        "m2", "127.0.0.1", 2381, b"GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n", 3
    )
    head, _, body = answer.decode().partition("\r\n\r\n")
    assert head.startswith("HTTP/1.0 200")
    assert '"health":"true"' in body


# -- streams ---------------------------------------------------------------------------------


async def test_stream_yields_ip_monitor_lines(pool: SshPool, lab: Lab) -> None:
    addr = str(ipaddress.ip_network(lab.cfg.subnet)[250])
    monitor = "ip -o monitor address"
    lines: asyncio.Queue[str] = asyncio.Queue()

    async def consume() -> None:
        async for line in pool.stream("m2", monitor):
            await lines.put(line)

    async def next_line(match: Callable[[str], bool]) -> str:
        async with asyncio.timeout(5):
            while not match(line := await lines.get()):
                pass
        return line

    task = asyncio.create_task(consume())
    try:
        await until("ip monitor running on m2", lambda: live_processes(lab, "m2", monitor), 5)
        await node_sh(lab, "m2", f"ip addr add {addr}/32 dev lo")
        try:
            added = await next_line(lambda ln: f"inet {addr}/32" in ln)
            assert not added.startswith("Deleted") and " lo " in added
        finally:
            await node_sh(lab, "m2", f"ip addr del {addr}/32 dev lo", check=False)
        deleted = await next_line(lambda ln: f"inet {addr}/32" in ln)
        assert deleted.startswith("Deleted ")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    # cancelling the stream ended the command on the master
    await until("ip monitor ended on m2", lambda: gone(lab, "m2", monitor), 5)
    assert pool.status("m2").state is LinkState.UP


async def test_stream_reports_a_failing_command(pool: SshPool) -> None:
    got = []
    with pytest.raises(CommandFailed) as caught:
        async for line in pool.stream("m3", "echo one; echo two; echo broken >&2; exit 4"):
            got.append(line)
    assert got == ["one", "two"]
    assert caught.value.exit_status == 4 and caught.value.stderr == "broken\n"
    assert [ln async for ln in pool.stream("m3", "printf 'a\\nb\\n'")] == ["a", "b"]


async def test_close_ends_the_commands_of_open_streams(inventory: Inventory, lab: Lab) -> None:
    pool = SshPool(inventory)
    await pool.start()
    first: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def consume() -> None:
        async for line in pool.stream("m1", "echo started; sleep 33.3; echo never"):
            if not first.done():
                first.set_result(line)

    task = asyncio.create_task(consume())
    assert await asyncio.wait_for(first, 5) == "started"
    await pool.close()
    # the reader learns why its stream ended; the command does not outlive the pool
    done, _ = await asyncio.wait([task], timeout=5)
    assert done and isinstance(task.exception(), PoolClosed)
    await until("sleep 33.3 ended on m1", lambda: gone(lab, "m1", "sleep 33.3"), 5)


# -- host keys and authentication ------------------------------------------------------------


def foreign_known_hosts(path: Path, inv: Inventory) -> None:
    """A known_hosts naming every master with a key none of them has."""
    key = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    path.write_text("".join(f"{m.host} {key}\n" for m in inv.masters))


async def test_wrong_host_key_is_a_mismatch_and_nothing_runs(
    inventory: Inventory, lab: Lab, tmp_path: Path
) -> None:
    known = tmp_path / "known_hosts"
    foreign_known_hosts(known, inventory)
    marker = f"/tmp/hatui-hostkey-{uuid.uuid4().hex}"
    # accept_new does not help: a known host with a different key is never trusted
    for accept_new in (False, True):
        inv = with_ssh(inventory, known_hosts=str(known), accept_new_host_keys=accept_new)
        async with SshPool(inv) as pool:
            link = pool.status("m1")
            assert (link.state, link.reason) == (LinkState.UNREACHABLE, "host key mismatch")
            assert link.next_retry_at is not None and link.last_error_at is not None
            with pytest.raises(HostKeyMismatch):
                await pool.run("m1", f"touch {marker}")
            results = await pool.run_all({n: f"touch {marker}" for n in names(inv)}, 2)
            assert all(isinstance(r, HostKeyMismatch) for r in results.values())
    for node in names(inventory):
        assert await node_sh(lab, node, f"test -e {marker} && echo yes || echo no") == "no\n"
    assert len(known.read_text().splitlines()) == 3  # nothing appended


async def test_unknown_host_key_and_trust_on_first_use(
    inventory: Inventory, lab: Lab, tmp_path: Path
) -> None:
    known = tmp_path / "new" / "known_hosts"
    async with SshPool(with_ssh(inventory, known_hosts=str(known))) as pool:
        link = pool.status("m2")
        assert link.state is LinkState.UNREACHABLE
        assert link.reason == f"host key unknown ({known} does not exist)"
        with pytest.raises(HostKeyUnknown):
            await pool.run("m2", "true")
    assert not known.exists()

    async with SshPool(with_ssh(inventory, known_hosts=str(known), accept_new_host_keys=True)) as p:
        assert all(lk.state is LinkState.UP for lk in p.statuses().values())
    learned = sorted(known.read_text().splitlines())
    lab_keys = Path(inventory.ssh.known_hosts).read_text().splitlines()
    expected = sorted(ln for ln in lab_keys if ln.split()[0] in {m.host for m in inventory.masters})
    assert [ln.split()[:3] for ln in learned] == [ln.split()[:3] for ln in expected]

    # the learned keys are now simply trusted, without accept_new
    async with SshPool(with_ssh(inventory, known_hosts=str(known))) as pool:
        assert (await pool.run("m3", "hostname")).stdout == "m3\n"


async def test_a_key_the_masters_do_not_know_is_auth_failed(
    inventory: Inventory, tmp_path: Path
) -> None:
    key_file = tmp_path / "id_ed25519"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(key_file))
    async with SshPool(with_ssh(inventory, identity_files=(str(key_file),))) as pool:
        assert {lk.reason for lk in pool.statuses().values()} == {"auth failed"}
        with pytest.raises(AuthFailed):
            await pool.run("m1", "true")


async def test_jump_host_tunnels_every_connection(inventory: Inventory) -> None:
    m1 = inventory.masters[0]
    jump = JumpHost(user="root", host=m1.host, port=22)
    async with SshPool(with_ssh(inventory, jump_host=jump)) as pool:
        assert all(lk.state is LinkState.UP for lk in pool.statuses().values())
        results = await pool.run_all({n: "echo $SSH_CLIENT" for n in names(inventory)}, 3)
        # every master sees its SSH client at m1's address: the connection came through m1
        for res in results.values():
            assert isinstance(res, CommandResult)
            assert res.stdout.split()[0] == m1.host


# -- losing a master and getting it back -----------------------------------------------------


async def kill_ssh_sessions(lab: Lab, node: str) -> list[int]:
    """End the node's established SSH sessions by pid (stopping sshd leaves them running)."""
    out = await node_sh(lab, node, "ss -tnpH state established '( sport = :22 )'")
    pids = sorted({int(p) for p in re.findall(r"pid=(\d+)", out)})
    if pids:
        await node_sh(lab, node, "kill " + " ".join(map(str, pids)))
    return pids


async def ensure_sshd(lab: Lab, node: str) -> None:
    if not await asyncio.to_thread(lab.running, node, "sshd"):
        await asyncio.to_thread(lab.svc, node, "start", "sshd")


async def test_unreachable_master_is_reported_and_comes_back(
    pool: SshPool, lab: Lab, inventory: Inventory
) -> None:
    connect_timeout = inventory.ssh.connect_timeout
    # a real master has been up a while; a connection dropped within STABLE_AFTER of its
    # start counts as flapping and waits for the backoff instead of retrying at once
    await until(
        "a settled connection to m3",
        lambda: time.time() - (pool.status("m3").connected_since or time.time()) > STABLE_AFTER,
        STABLE_AFTER + 1,
    )
    try:
        await asyncio.to_thread(lab.svc, "m3", "stop", "sshd")
        assert pool.status("m3").state is LinkState.UP  # the open connection outlives sshd
        assert await kill_ssh_sessions(lab, "m3")
        lost = time.monotonic()
        await until("m3 UNREACHABLE", lambda: pool.status("m3").state is LinkState.UNREACHABLE, 10)
        detected = time.monotonic() - lost
        link = pool.status("m3")
        assert detected <= connect_timeout
        assert link.reason == "connection refused"
        assert link.next_retry_at is not None and link.last_error_at is not None

        fresh_after = time.time()
        began = time.monotonic()
        results = await pool.run_all({n: "hostname" for n in names(inventory)}, 2.0)
        elapsed = time.monotonic() - began
        assert isinstance(results["m3"], Unreachable)
        assert results["m3"].reason == "connection refused"
        for node in ("m1", "m2"):
            res = results[node]
            assert isinstance(res, CommandResult) and res.stdout == f"{node}\n"
            assert res.started >= fresh_after
        assert elapsed < 0.5  # a dead node fails at once; it does not eat the timeout
        print(
            f"\nm3 reported unreachable {detected * 1000:.0f} ms after its session died; "
            f"run_all with m3 down: {elapsed * 1000:.1f} ms"
        )

        await asyncio.to_thread(lab.svc, "m3", "start", "sshd")
        restarted = time.monotonic()
        await until("m3 UP again", lambda: pool.status("m3").state is LinkState.UP, 40)
        print(f"reconnected by itself {time.monotonic() - restarted:.1f} s after sshd started")
        assert pool.status("m3").connects == 2
        assert (await pool.run("m3", "hostname")).stdout == "m3\n"
    finally:
        await ensure_sshd(lab, "m3")


async def test_silent_master_times_out_and_comes_back(lab: Lab, inventory: Inventory) -> None:
    """A master that drops every packet: the open connection dies by keepalive, connects
    time out, and the others stay fresh; when packets flow again it reconnects."""
    rule = "INPUT -p tcp --dport 22 -m comment --comment hatui-transport-test -j DROP"
    connect_timeout = inventory.ssh.connect_timeout
    async with SshPool(inventory) as pool:
        try:
            await node_sh(lab, "m2", f"iptables -A {rule}")
            with pytest.raises(CommandTimeout):
                await pool.run("m2", "true", timeout=1.0)
            dropped = time.monotonic()
            # keepalive every connect_timeout, 2 unanswered -> lost; then a connect timeout
            bound = connect_timeout * 4 + 2
            await until(
                "m2 UNREACHABLE", lambda: pool.status("m2").state is LinkState.UNREACHABLE, bound
            )
            print(f"\nsilent m2 unreachable after {time.monotonic() - dropped:.1f} s")
            assert pool.status("m2").reason == f"timeout after {connect_timeout:.1f}s"
            results = await pool.run_all({n: "hostname" for n in names(inventory)}, 2.0)
            assert isinstance(results["m2"], LinkDown)
            assert all(isinstance(results[n], CommandResult) for n in ("m1", "m3"))
        finally:
            await node_sh(lab, "m2", f"iptables -D {rule}", check=False)
        pool.reconnect("m2")  # skip what is left of the backoff wait
        await until(
            "m2 UP again", lambda: pool.status("m2").state is LinkState.UP, connect_timeout + 2
        )
        assert (await pool.run("m2", "hostname")).stdout == "m2\n"
