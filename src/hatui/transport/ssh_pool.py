"""SshPool: one long-lived asyncssh connection per master, the real `Transport`.

Each master has a supervisor task that connects, waits for the connection to drop and
reconnects with exponential backoff, so a call never opens a connection of its own: it
takes the open one, or fails at once with the reason the last attempt gave. Every call is
bounded by a timeout; calls to different nodes never wait for each other.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

import asyncssh

from hatui.errors import TransportError
from hatui.inventory import Inventory
from hatui.transport import remote
from hatui.transport.backoff import Backoff
from hatui.transport.connector import Connector
from hatui.transport.errors import (
    ChannelFailed,
    CommandFailed,
    LinkDown,
    PoolClosed,
    UnknownNode,
    Unreachable,
)
from hatui.transport.link import Link
from hatui.transport.types import CommandResult, NodeLink

log = logging.getLogger("hatui.transport")

STABLE_AFTER = 1.0
"""A connection that lived this long was a success (backoff reset, instant reconnect); one
dropped sooner (a server that accepts and then kicks us) keeps backing off, never loops hot."""

MAX_ANSWER_BYTES = 16 * 1024 * 1024
"""unix_request/tcp_request refuse answers larger than this rather than fill memory."""

KILL_TIMEOUT = 5.0
"""How long the pool tries to end a remote command it stopped waiting for."""

_STDERR_TAIL_LINES = 20

Opener = Callable[
    [asyncssh.SSHClientConnection],
    Awaitable[tuple[asyncssh.SSHReader[bytes], asyncssh.SSHWriter[bytes]]],
]


class SshPool:
    """The asyncssh implementation of `Transport` for an inventory's masters.

    Use as `async with SshPool(inventory) as pool:`, or `await start()` ... `await close()`.
    A call made before `start()` starts the pool itself. Commands run under /bin/sh on the
    master (through `sudo -n` when the inventory says `sudo: true`).
    """

    def __init__(
        self,
        inventory: Inventory,
        *,
        max_sessions: int = 8,
        backoff: Callable[[], Backoff] = Backoff,
    ) -> None:
        """`max_sessions`: commands and streams in flight per master (sshd's MaxSessions
        is 10 by default); `backoff` makes each master's reconnect schedule."""
        self._ssh = inventory.ssh
        self._links = {m.name: Link(m, backoff(), max_sessions) for m in inventory.masters}
        self._connector = Connector(inventory.ssh)
        self._kills: set[asyncio.Task[None]] = set()
        self._streams: dict[asyncssh.SSHClientProcess[str], tuple[Link, int | None]] = {}
        """Streams being read, so that close() can end their commands on the masters."""
        self._closed = False

    async def __aenter__(self) -> SshPool:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, wait: bool = True) -> None:
        """Start connecting to every master, all in parallel.

        With `wait`, return once every first attempt has ended (at most about one connect
        timeout). IdentityFileError if an identity file cannot be loaded.
        """
        self._start_supervisors()
        if wait:
            try:
                async with asyncio.timeout(self._ssh.connect_timeout + 1.0):
                    await asyncio.gather(*(link.settled.wait() for link in self._links.values()))
            except TimeoutError:
                pass  # a link still connecting says so in its status

    def _start_supervisors(self) -> None:
        if self._closed:
            raise PoolClosed("the SSH pool is closed")
        self._connector.prepare()
        for link in self._links.values():
            if link.task is None:
                link.task = asyncio.create_task(self._supervise(link), name=f"ssh {link.name}")

    async def close(self) -> None:
        """End open streams' commands on the masters, then close every connection."""
        if self._closed:
            return
        self._closed = True
        for process, (link, pgid) in list(self._streams.items()):
            self._end_stream(link, process, pgid)
        if self._kills:
            await asyncio.wait(set(self._kills), timeout=KILL_TIMEOUT)
        tasks = [link.task for link in self._links.values() if link.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        conns = [link.conn for link in self._links.values() if link.conn is not None]
        conns += self._connector.open_jump_connections()
        for conn in conns:
            conn.close()
        try:
            async with asyncio.timeout(2.0):
                await asyncio.gather(*(c.wait_closed() for c in conns), return_exceptions=True)
        except TimeoutError:
            pass  # the peer did not answer our close: our side is closed anyway
        for link in self._links.values():
            link.closed()

    def reconnect(self, node: str) -> None:
        """Retry `node` now instead of at the end of its backoff wait."""
        self._link(node).wake.set()

    # -- state -----------------------------------------------------------------------------

    def status(self, node: str) -> NodeLink:
        """The current state of `node`'s SSH link."""
        return self._link(node).snapshot()

    def statuses(self) -> dict[str, NodeLink]:
        """Every node's link state, in inventory order."""
        return {name: link.snapshot() for name, link in self._links.items()}

    # -- calls -----------------------------------------------------------------------------

    async def run(self, node: str, command: str, timeout: float | None = None) -> CommandResult:
        """Run a shell command on `node`; see `Transport.run`."""
        link, limit = self._call(node, timeout)
        started = time.time()
        try:
            async with asyncio.timeout(limit):
                conn = await link.connection()
                async with link.sessions:
                    process = await self._start(conn, command)
                    pgid = None
                    try:
                        pgid, noise = await _read_mark(process.stderr)
                        stdout, stderr = await process.communicate()
                    finally:
                        self._stop(link, process, pgid)
        except TimeoutError:
            raise link.timed_out(limit, "command") from None
        except (OSError, asyncssh.Error) as exc:
            raise link.call_failure(exc, "command") from None
        if process.exit_status is None and process.exit_signal is None:
            # neither an exit status nor a signal: the channel died with the connection
            raise Unreachable(node, "connection lost")
        return CommandResult(
            node=node,
            stdout=str(stdout),
            stderr=noise + str(stderr),
            exit_status=process.returncode if process.returncode is not None else -1,
            started=started,
            finished=time.time(),
            exit_signal=process.exit_signal[0] if process.exit_signal else None,
        )

    async def run_all(
        self, command_by_node: Mapping[str, str], timeout: float | None = None
    ) -> dict[str, CommandResult | TransportError]:
        """Run one command per node in parallel; see `Transport.run_all`."""
        limit = self._limit(timeout)

        async def one(node: str, command: str) -> CommandResult | TransportError:
            try:
                return await self.run(node, command, limit)
            except TransportError as err:
                return err

        nodes = list(command_by_node)
        results = await asyncio.gather(*(one(n, command_by_node[n]) for n in nodes))
        return dict(zip(nodes, results, strict=True))

    async def stream(
        self, node: str, command: str, timeout: float | None = None
    ) -> AsyncIterator[str]:
        """Lines of a long-running command's stdout; see `Transport.stream`."""
        link, limit = self._call(node, timeout)
        acquired = False
        process: asyncssh.SSHClientProcess[str] | None = None
        pgid = None
        try:
            try:
                async with asyncio.timeout(limit):
                    conn = await link.connection()
                    await link.sessions.acquire()
                    acquired = True
                    process = await self._start(conn, command)
                    pgid, noise = await _read_mark(process.stderr)
                    self._streams[process] = (link, pgid)
            except TimeoutError:
                raise link.timed_out(limit, "stream start") from None
            except (OSError, asyncssh.Error) as exc:
                raise link.call_failure(exc, "stream") from None
            tail = collections.deque(noise.splitlines(keepends=True), maxlen=_STDERR_TAIL_LINES)
            drain = asyncio.create_task(_collect(process.stderr, tail))
            try:
                # not `async for`: asyncssh's iterator may end with a spurious "" at EOF
                while line := str(await process.stdout.readline()):
                    yield line.rstrip("\r\n")
                await process.wait_closed()
            except (OSError, asyncssh.Error) as exc:
                raise link.call_failure(exc, "stream") from None
            finally:
                if process.exit_status is not None:
                    await asyncio.wait([drain], timeout=0.5)  # the last stderr lines
                drain.cancel()
            if self._closed:
                raise PoolClosed(f"{node}: stream ended: the SSH pool was closed")
            if process.exit_status is None and process.exit_signal is None:
                raise Unreachable(node, "connection lost")
            if process.returncode != 0:
                code = process.returncode if process.returncode is not None else -1
                raise CommandFailed(node, code, "".join(tail))
        finally:
            if process is not None:
                self._end_stream(link, process, pgid)
            if acquired:
                link.sessions.release()

    async def unix_request(
        self,
        node: str,
        path: str,
        payload: bytes,
        timeout: float | None = None,
        *,
        eof: bool = True,
    ) -> bytes:
        """Send `payload` to a UNIX socket on `node` and read to EOF; see `Transport`.

        `eof=True` half-closes after the payload (HAProxy answers and closes either way).
        """
        return await self._request(
            node, path, lambda c: c.open_unix_connection(path), payload, timeout, eof
        )

    async def tcp_request(
        self,
        node: str,
        host: str,
        port: int,
        payload: bytes,
        timeout: float | None = None,
        *,
        eof: bool = True,
    ) -> bytes:
        """Send `payload` to host:port as seen from `node` and read to EOF."""
        return await self._request(
            node, f"{host}:{port}", lambda c: c.open_connection(host, port), payload, timeout, eof
        )

    async def tcp_connect_check(
        self, node: str, host: str, port: int, timeout: float | None = None
    ) -> float:
        """Seconds `node` needs to open a TCP connection to host:port; see `Transport`."""
        link, limit = self._call(node, timeout)
        target = f"{host}:{port}"
        try:
            async with asyncio.timeout(limit):
                conn = await link.connection()
                began = time.perf_counter()
                # sshd confirms the channel only once its own connect() has succeeded
                _reader, writer = await conn.open_connection(host, port)
                elapsed = time.perf_counter() - began
                writer.close()
        except TimeoutError:
            raise link.timed_out(limit, f"connect to {target}") from None
        except (OSError, asyncssh.Error) as exc:
            raise link.call_failure(exc, target) from None
        return elapsed

    # -- calls: internals ------------------------------------------------------------------

    def _link(self, node: str) -> Link:
        try:
            return self._links[node]
        except KeyError:
            raise UnknownNode(node) from None

    def _limit(self, timeout: float | None) -> float:
        return self._ssh.command_timeout if timeout is None else timeout

    def _call(self, node: str, timeout: float | None) -> tuple[Link, float]:
        link = self._link(node)
        self._start_supervisors()
        return link, self._limit(timeout)

    async def _start(
        self, conn: asyncssh.SSHClientConnection, command: str
    ) -> asyncssh.SSHClientProcess[str]:
        process: asyncssh.SSHClientProcess[str] = await conn.create_process(
            remote.wrap(command, self._ssh.sudo),
            stdin=asyncssh.DEVNULL,
            encoding="utf-8",
            errors="replace",
        )
        return process

    def _stop(self, link: Link, process: asyncssh.SSHClientProcess[str], pgid: int | None) -> None:
        """Let go of a command: close its channel, or if it still runs, end it first."""
        conn = link.conn
        running = process.exit_status is None and process.exit_signal is None
        if running and pgid is not None and conn is not None and not conn.is_closed():
            task = asyncio.create_task(self._kill(link, conn, process, pgid))
            self._kills.add(task)
            task.add_done_callback(self._kills.discard)
        else:
            process.close()

    def _end_stream(
        self, link: Link, process: asyncssh.SSHClientProcess[str], pgid: int | None
    ) -> None:
        """Stop a stream's command once, whether its reader or close() gets there first."""
        if self._streams.pop(process, None) is not None or pgid is None:
            self._stop(link, process, pgid)

    async def _kill(
        self,
        link: Link,
        conn: asyncssh.SSHClientConnection,
        process: asyncssh.SSHClientProcess[str],
        pgid: int,
    ) -> None:
        """End a command we stopped waiting for (see `remote`), then close its channel.

        The channel stays open until the command's exit is reported, so that sshd reaps it
        rather than leave a zombie behind for the connection's lifetime.
        """
        try:
            async with asyncio.timeout(KILL_TIMEOUT):
                async with link.sessions:
                    await conn.run(remote.kill_group(pgid, self._ssh.sudo), stdin=asyncssh.DEVNULL)
                await process.wait_closed()
        except (TimeoutError, OSError, asyncssh.Error) as exc:
            log.info("%s: could not end process group %d: %r", link.name, pgid, exc)
        finally:
            process.close()

    async def _request(
        self,
        node: str,
        target: str,
        opener: Opener,
        payload: bytes,
        timeout: float | None,
        eof: bool,
    ) -> bytes:
        link, limit = self._call(node, timeout)
        try:
            async with asyncio.timeout(limit):
                conn = await link.connection()
                reader, writer = await opener(conn)
                try:
                    writer.write(payload)
                    if eof:
                        writer.write_eof()
                    return await _read_to_eof(reader, node, target)
                finally:
                    writer.close()
        except TimeoutError:
            raise link.timed_out(limit, f"request to {target}") from None
        except (OSError, asyncssh.Error) as exc:
            raise link.call_failure(exc, target) from None

    # -- connections -----------------------------------------------------------------------

    async def _supervise(self, link: Link) -> None:
        """Keep `link` connected for the pool's lifetime: connect, wait for a drop, repeat."""
        while not self._closed:
            link.attempting()
            try:
                conn = await self._connector.open(link.master)
            except LinkDown as err:
                delay = link.backoff.next_delay()
                link.down(err, delay)
                log.info("%s: %s; retry in %.1fs", link.name, err.reason, delay)
                await link.pause(delay)
                continue
            except Exception as exc:  # an unforeseen bug must not end the loop for good
                delay = link.backoff.next_delay()
                link.down(Unreachable(link.name, f"internal error: {exc!r}"), delay)
                log.exception("%s: unexpected error while connecting", link.name)
                await link.pause(delay)
                continue
            failures_before = link.backoff.failures
            link.backoff.reset()
            link.up(conn)
            log.info("%s: connected to %s", link.name, link.master.host)
            await conn.wait_closed()
            if self._closed:
                return
            lived = time.time() - (link.connected_since or 0.0)
            log.info("%s: connection lost after %.1fs", link.name, lived)
            if lived >= STABLE_AFTER:
                link.connecting("connection lost; reconnecting")
                continue
            link.backoff.failures = failures_before
            delay = link.backoff.next_delay()
            link.down(Unreachable(link.name, "connection lost"), delay)
            await link.pause(delay)


async def _read_mark(reader: asyncssh.SSHReader[str]) -> tuple[int | None, str]:
    """Read stderr up to the wrapper's process-group line: (pgid, anything before it).

    The login shell may print to stderr first (a noisy .bashrc); that text is kept.
    """
    before: list[str] = []
    while True:
        line = str(await reader.readline())
        if not line:
            return None, "".join(before)
        is_mark, pgid = remote.parse_mark(line)
        if is_mark:
            return pgid, "".join(before)
        before.append(line)


async def _collect(reader: asyncssh.SSHReader[str], tail: collections.deque[str]) -> None:
    """Keep the last lines of a stream's stderr (and keep its window from filling up)."""
    try:
        while line := str(await reader.readline()):
            tail.append(line)
    except (OSError, asyncssh.Error):
        pass  # the stream itself reports what happened to the connection


async def _read_to_eof(reader: asyncssh.SSHReader[bytes], node: str, target: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise ChannelFailed(node, target, f"answer larger than {MAX_ANSWER_BYTES} bytes")
        chunks.append(chunk)
