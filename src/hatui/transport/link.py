"""One master's SSH link: its connection, its state machine, and the errors calls see.

The pool's supervisor task drives a Link (attempting -> up -> connecting/down ...); calls
read it (`connection()`), and `snapshot()` turns it into the frozen NodeLink the UI shows.
"""

from __future__ import annotations

import asyncio
import time

import asyncssh

from hatui.errors import TransportError
from hatui.inventory import Master
from hatui.transport.backoff import Backoff
from hatui.transport.errors import (
    ChannelFailed,
    CommandTimeout,
    LinkDown,
    Unreachable,
)
from hatui.transport.ssh_options import link_failure
from hatui.transport.types import LinkState, NodeLink


class Link:
    """The connection to one master and the bookkeeping behind its NodeLink."""

    def __init__(self, master: Master, backoff: Backoff, max_sessions: int) -> None:
        self.master = master
        self.backoff = backoff
        self.sessions = asyncio.Semaphore(max_sessions)
        """Commands in flight: sshd caps sessions per connection (MaxSessions, 10 by default)."""
        self.state = LinkState.CONNECTING
        self.reason = ""
        self.error_cls: type[LinkDown] = Unreachable
        self.conn: asyncssh.SSHClientConnection | None = None
        self.connected_since: float | None = None
        self.last_error_at: float | None = None
        self.next_retry_at: float | None = None
        self.last_attempt_at: float | None = None
        self.connects = 0
        self.settled = asyncio.Event()
        """Set whenever the state is not CONNECTING: calls waiting for an attempt wake up."""
        self.wake = asyncio.Event()
        """Set by `SshPool.reconnect` to cut a backoff wait short."""
        self.task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return self.master.name

    def snapshot(self) -> NodeLink:
        return NodeLink(
            node=self.name,
            host=self.master.host,
            state=self.state,
            reason=self.reason,
            connected_since=self.connected_since,
            last_error_at=self.last_error_at,
            next_retry_at=self.next_retry_at,
            last_attempt_at=self.last_attempt_at,
            connects=self.connects,
            failures=self.backoff.failures,
        )

    async def connection(self) -> asyncssh.SSHClientConnection:
        """The open connection; waits while an attempt is under way, raises while down."""
        while True:
            if self.state is LinkState.UP and self.conn is not None:
                return self.conn
            if self.state is LinkState.UNREACHABLE:
                # a fresh exception each time: one shared between callers would pile up tracebacks
                raise self.error_cls(self.name, self.reason)
            await self.settled.wait()

    # -- transitions, called by the pool's supervisor -------------------------------------

    def attempting(self) -> None:
        self.last_attempt_at = time.time()
        self.next_retry_at = None

    def connecting(self, reason: str) -> None:
        self.state, self.reason = LinkState.CONNECTING, reason
        self.conn, self.connected_since = None, None
        self.last_error_at = time.time()
        self.settled.clear()

    def up(self, conn: asyncssh.SSHClientConnection) -> None:
        self.conn = conn
        self.connects += 1
        self.connected_since = time.time()
        self.state, self.reason, self.next_retry_at = LinkState.UP, "", None
        self.settled.set()

    def down(self, err: LinkDown, delay: float) -> None:
        now = time.time()
        self.conn, self.connected_since = None, None
        self.state, self.reason, self.error_cls = LinkState.UNREACHABLE, err.reason, type(err)
        self.last_error_at, self.next_retry_at = now, now + delay
        self.settled.set()

    def closed(self) -> None:
        self.conn, self.connected_since, self.next_retry_at = None, None, None
        self.state, self.reason, self.error_cls = LinkState.UNREACHABLE, "closed", Unreachable
        self.settled.set()

    async def pause(self, delay: float) -> None:
        """Wait `delay` seconds, or less if someone asks for a reconnect now."""
        self.wake.clear()
        try:
            async with asyncio.timeout(delay):
                await self.wake.wait()
        except TimeoutError:
            pass  # the backoff wait is over: time for the next attempt

    # -- errors for calls ------------------------------------------------------------------

    def timed_out(self, timeout: float, what: str) -> TransportError:
        """The error for a call that ran out of time: slow node, or no connection yet."""
        if self.state is not LinkState.UP:
            return Unreachable(self.name, f"not connected within {timeout:.1f}s")
        return CommandTimeout(self.name, timeout, what)

    def call_failure(self, exc: OSError | asyncssh.Error, target: str) -> TransportError:
        """Name what went wrong during a call over an open connection."""
        if isinstance(exc, asyncssh.ChannelOpenError):
            return ChannelFailed(self.name, target, (exc.reason or "open failed").lower())
        if self.conn is None or self.conn.is_closed():
            return Unreachable(self.name, "connection lost")
        return link_failure(self.name, exc, timeout=0.0)
