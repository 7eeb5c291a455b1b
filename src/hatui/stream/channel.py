"""One long-running channel to one node, kept open for as long as it is wanted.

`follow` runs a command through `Transport.stream` and hands each line to a handler with the
jump host's receive time. When the node is unreachable it says so (a `StreamStatus` of DOWN
with the link's reason) and waits, without calling the node, while the transport's link is
down: the transport's own reconnects (with their backoff) decide when it comes back. A
command that fails or ends over a live link is restarted after a growing pause. `follow`
returns only when cancelled (or the transport is closed): an unreachable node is a state
here, never an exception.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from hatui.errors import TransportError
from hatui.stream.events import Channel, Stamp, StreamState, StreamStatus
from hatui.transport import LinkDown, LinkState, PoolClosed, Transport

log = logging.getLogger("hatui.stream")

READY_MARK = "hatui-stream-ready"
"""Printed by the node before the channel's command: the channel is open from then on."""

ALIVE_MARK = "hatui-stream-alive"
HEARTBEAT = 5.0
"""Seconds between two heartbeat lines from the node. A quiet `ip monitor` or `tail -F`
writes nothing for hours, so when the connection dies without hatui ending its commands
(hatui killed, the network cut), nothing would tell them: the heartbeat's write fails on the
closed channel and ends the whole command on the node."""

POLL = 0.25
"""Seconds between two looks at a down link's state (no I/O: the pool reconnects)."""

RETRY_BASE = 0.5
RETRY_CAP = 10.0
"""A command that fails or ends over a live link is restarted after 0.5, 1, 2 ... 10 s."""


class LineHandler(Protocol):
    """What a channel does with its lines."""

    def started(self, received: float) -> None:
        """The command runs (again): forget what the last run left half-read."""

    def line(self, text: str, received: float) -> None:
        """One line of the command's stdout, received at `received` (jump host clock)."""


def channel_command(command: str, heartbeat: float = HEARTBEAT) -> str:
    """`command` preceded by the ready marker, with a heartbeat beside it (see HEARTBEAT).

    The heartbeat loop ignores SIGPIPE so that a failed write ends the loop, which then
    ends the process group (this command's only: sshd gives each session its own). When the
    command itself ends (or calls `exit`), an EXIT trap ends the loop too (its `sleep` does
    not hold stdout), so the channel still closes at once with the command's exit status.
    """
    return (
        f"echo {READY_MARK}; "
        f"( trap '' PIPE; while sleep {heartbeat:g} >/dev/null 2>&1; echo {ALIVE_MARK}; "
        "do :; done; kill -TERM 0 ) & "
        "hatui_alive=$!; trap 'kill $hatui_alive 2>/dev/null' EXIT; "
        f"{command}"
    )


async def follow(
    transport: Transport,
    node: str,
    channel: Channel,
    command: str,
    handler: LineHandler,
    report: Callable[[StreamStatus], None],
    *,
    prepare: Callable[[], Awaitable[None]] | None = None,
    start_timeout: float = 5.0,
    clock: Callable[[], float] = time.time,
    poll: float = POLL,
) -> None:
    """Keep `command` streaming from `node` until cancelled (see the module docstring).

    `prepare` runs before each start (the watcher measures the clock offset there);
    `report` gets every change of state.
    """
    last: tuple[StreamState, str] | None = None
    failures = 0

    def state(new: StreamState, reason: str = "", retry_at: float | None = None) -> None:
        nonlocal last
        if last == (new, reason):
            return
        last = (new, reason)
        report(StreamStatus(node, channel, new, Stamp(clock()), reason, retry_at))

    wrapped = channel_command(command)
    while True:
        link = transport.status(node)
        if link.state is LinkState.UNREACHABLE:
            state(StreamState.DOWN, link.reason or "unreachable", link.next_retry_at)
            await asyncio.sleep(poll)
            continue
        if last is None:
            state(StreamState.CONNECTING, link.reason)
        # UP, or CONNECTING: `stream` waits for the attempt under way (bounded by start_timeout)
        reason = "the command ended"
        link_failure = False
        try:
            if prepare is not None:
                await prepare()
            lines = transport.stream(node, wrapped, start_timeout)
            ready = False
            try:
                async for text in lines:
                    received = clock()
                    if text == ALIVE_MARK:
                        continue
                    if ready:
                        handler.line(text, received)
                    elif text == READY_MARK:  # what a login shell prints before it is not ours
                        ready, failures = True, 0
                        state(StreamState.STREAMING)
                        handler.started(received)
            finally:
                aclose = getattr(lines, "aclose", None)
                if aclose is not None:
                    await aclose()
        except PoolClosed:
            state(StreamState.STOPPED, "the transport was closed")
            return
        except LinkDown as err:
            reason, link_failure = err.reason, True
        except TransportError as err:
            reason = getattr(err, "reason", None) or str(err)
        if link_failure:
            delay = poll  # the pool backs off its reconnects; this loop only waits for them
        else:
            failures += 1
            delay = min(RETRY_CAP, RETRY_BASE * 2 ** (failures - 1))
        log.info("%s %s: %s; restart in %.1fs", node, channel, reason, delay)
        state(StreamState.DOWN, reason, clock() + delay)
        await asyncio.sleep(delay)
