"""The Watcher: every node's streams and the fast API probe, as one feed of events.

Usage (a drill runner, the app)::

    async with SshPool(inventory) as pool, Watcher(pool, inventory) as watcher:
        feed = watcher.events()              # subscribe now; iterate when you like
        watcher.probe_api_fast(True)         # 10 Hz through the VIP, bounded in time and count
        t0 = time.time(); inject(...)        # the fault, on the jump host's clock
        ...                                  # wait for what the drill expects
        figures = watcher.measure(t0)        # FailoverFigures (hatui.failover)
        watcher.probe_api_fast(False)

API:

- `Watcher(transport, inventory, *, api_check=None, history=HISTORY, clock=time.time)`:
  nothing runs until `start()`; `api_check` replaces the request through the VIP (tests).
- `await start()` / `await stop()` (or `async with`): start or end every stream. `stop()`
  ends the feeds' iteration too; it does not close the transport, which is the caller's.
- `events(maxsize=10_000) -> EventFeed`: a subscription, registered at once, iterated with
  `async for`; each subscriber gets every event from then on (a slow one loses its oldest
  events past `maxsize`, counted in `feed.dropped`). `feed.close()` unsubscribes.
- `probe_api_fast(on, *, duration=120.0, max_probes=1200)`: start (or restart) / stop the
  10 Hz probe of the API through the VIP; it stops by itself at either bound. Turning it on
  also re-measures the clock offsets, so that a measurement right after uses fresh ones.
- `measure(t0, until=None) -> FailoverFigures`: the figures of the failover after a fault
  injected at `t0` (jump host epoch seconds), from the events kept so far (`until` defaults to
  now). Pure reading of `history()`; call it again later for later figures.
- `history(since=None) -> tuple[WatchEvent, ...]`: the last `history` events, oldest first.
- `streams() -> {node: {Channel: StreamStatus}}`, `api_status`, `offsets()`, `vip_holders()`:
  the current state. A node that cannot be reached has DOWN streams with the reason.

Each node has two channels through the transport (`hatui.stream.channel`): its addresses
(`hatui.stream.address`) and its keepalived log (`hatui.stream.keepalived_follow`). Before a
channel (re)starts on a new connection, the node's clock offset is measured
(`hatui.stream.clock`); events carry it in their `Stamp`.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable
from types import TracebackType

from hatui.failover import FailoverFigures, measure_failover
from hatui.inventory import Inventory
from hatui.model import Probe
from hatui.observations import ApiHealthObservation, ProbeError
from hatui.probes.apiserver import check_api_via_vip, kubeconfig_ca
from hatui.stream import api_fast
from hatui.stream.address import (
    MonitorLine,
    SnapshotEnd,
    address_command,
    parse_monitor_line,
    same_address,
)
from hatui.stream.channel import RETRY_CAP, follow
from hatui.stream.clock import measure_offset
from hatui.stream.events import (
    AddressChange,
    AddressEvent,
    Channel,
    ClockOffset,
    Stamp,
    StreamState,
    StreamStatus,
    VrrpLogEvent,
    WatchEvent,
)
from hatui.stream.keepalived_follow import follow_command, parse_follow_line, resolution
from hatui.transport import Transport

log = logging.getLogger("hatui.stream")

HISTORY = 20_000
"""Events kept for `measure` and `history`: minutes of 10 Hz probing and every log event."""

IP_TS_RESOLUTION = 1e-6


class EventFeed:
    """One subscriber's events, in the order they were received."""

    def __init__(self, maxsize: int, unsubscribe: Callable[[EventFeed], None]) -> None:
        self._queue: asyncio.Queue[WatchEvent | None] = asyncio.Queue()
        self._maxsize = maxsize
        self._unsubscribe = unsubscribe
        self._closed = False
        self.dropped = 0
        """Events lost because this subscriber fell `maxsize` behind."""

    def put(self, event: WatchEvent) -> None:
        if self._closed:
            return
        if self._queue.qsize() >= self._maxsize:
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    def end(self) -> None:
        """No more events: iteration stops once the queued ones are read."""
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(None)

    def close(self) -> None:
        """Unsubscribe; iteration stops after the events already queued."""
        self._unsubscribe(self)
        self.end()

    def __enter__(self) -> EventFeed:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __aiter__(self) -> EventFeed:
        return self

    async def __anext__(self) -> WatchEvent:
        item = await self._queue.get()
        if item is None:
            self._queue.put_nowait(None)  # stays ended for a second iteration
            raise StopAsyncIteration
        return item

    def pending(self) -> int:
        """Events queued and not read yet."""
        return self._queue.qsize()


class _AddressHandler:
    """Turns one node's address channel lines into AddressEvents."""

    def __init__(self, watcher: Watcher, node: str) -> None:
        self._w = watcher
        self._node = node
        self._snapshot: list[MonitorLine] = []
        self.unreadable = 0

    def started(self, received: float) -> None:
        self._snapshot = []

    def line(self, text: str, received: float) -> None:
        parsed = parse_monitor_line(text)
        if isinstance(parsed, ProbeError):
            self.unreadable += 1
            log.debug("%s: %s", self._node, parsed)
            return
        if isinstance(parsed, SnapshotEnd):
            self._snapshot_done(parsed, received)
            return
        if parsed.node_time is None:
            self._snapshot.append(parsed)
            return
        a = parsed.address
        self._w._emit(
            AddressEvent(
                node=self._node,
                stamp=self._w._stamp(self._node, received, parsed.node_time, IP_TS_RESOLUTION),
                change=AddressChange.DELETED if parsed.deleted else AddressChange.ADDED,
                address=a.address,
                interface=a.interface,
                prefixlen=a.prefixlen,
                vip=same_address(a.address, self._w.vip),
                line=text,
            )
        )

    def _snapshot_done(self, end: SnapshotEnd, received: float) -> None:
        held = next(
            (m for m in self._snapshot if same_address(m.address.address, self._w.vip)), None
        )
        self._snapshot = []
        self._w._emit(
            AddressEvent(
                node=self._node,
                stamp=self._w._stamp(self._node, received, end.node_time, IP_TS_RESOLUTION),
                change=AddressChange.HELD if held else AddressChange.NOT_HELD,
                address=self._w.vip,
                interface=held.address.interface if held else None,
                prefixlen=held.address.prefixlen if held else None,
                vip=True,
            )
        )


class _LogHandler:
    """Turns one node's keepalived log lines into VrrpLogEvents."""

    def __init__(self, watcher: Watcher, node: str, resolution: float) -> None:
        self._w = watcher
        self._node = node
        self._resolution = resolution

    def started(self, received: float) -> None:
        pass  # every line stands alone

    def line(self, text: str, received: float) -> None:
        offset = self._w._offsets.get(self._node)
        zone = offset.utc_offset if offset is not None else "+0000"
        event = parse_follow_line(text, zone, received)
        if event is None:
            return
        stamp = self._w._stamp(self._node, received, event.timestamp, self._resolution)
        self._w._emit(VrrpLogEvent(self._node, stamp, event))


class Watcher:
    """Streams from every master and the fast API probe; see the module docstring."""

    def __init__(
        self,
        transport: Transport,
        inventory: Inventory,
        *,
        api_check: api_fast.ApiCheck | None = None,
        history: int = HISTORY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._transport = transport
        self._inventory = inventory
        self._nodes = tuple(m.name for m in inventory.masters)
        self.vip = inventory.vip.address
        self._api_check = api_check
        self._clock = clock
        self._history: collections.deque[WatchEvent] = collections.deque(maxlen=history)
        self._feeds: set[EventFeed] = set()
        self._status: dict[tuple[str | None, Channel], StreamStatus] = {}
        self._holders: set[str] = set()
        self._offsets: dict[str, ClockOffset] = {}
        self._offset_connects: dict[str, int] = {}
        self._offset_locks = {n: asyncio.Lock() for n in self._nodes}
        self._tasks: list[asyncio.Task[None]] = []
        self._api_task: asyncio.Task[None] | None = None
        self._refresh: asyncio.Task[None] | None = None
        self._started = False

    async def __aenter__(self) -> Watcher:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start every node's channels (returns at once; they connect in the background)."""
        if self._started:
            return
        self._started = True
        if self._api_check is None:
            ca = kubeconfig_ca(self._inventory.kubeconfig)
            inventory = self._inventory

            async def check() -> Probe[ApiHealthObservation]:
                return await check_api_via_vip(inventory, api_fast.TIMEOUT, ca)

            self._api_check = check
        log_command, log_resolution = follow_command(self._inventory), resolution(self._inventory)
        for node in self._nodes:
            channels = (
                (Channel.ADDRESS, address_command(), _AddressHandler(self, node)),
                (Channel.KEEPALIVED_LOG, log_command, _LogHandler(self, node, log_resolution)),
            )
            for channel, command, handler in channels:
                task = asyncio.create_task(
                    self._keep(node, channel, command, handler), name=f"stream {node} {channel}"
                )
                self._tasks.append(task)

    async def stop(self) -> None:
        """End every stream and the fast probe; the feeds end after their queued events."""
        tasks = [*self._tasks, *(t for t in (self._api_task, self._refresh) if t is not None)]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks, self._api_task, self._refresh = [], None, None
        now = self._clock()
        for (node, channel), status in list(self._status.items()):
            if status.state is not StreamState.STOPPED:
                self._emit(StreamStatus(node, channel, StreamState.STOPPED, Stamp(now), "stopped"))
        for feed in list(self._feeds):
            feed.end()
        self._feeds.clear()
        self._started = False

    # -- what callers use ------------------------------------------------------------------

    def events(self, maxsize: int = 10_000) -> EventFeed:
        """A new subscription to every event from now on (see the module docstring)."""
        feed = EventFeed(maxsize, self._feeds.discard)
        self._feeds.add(feed)
        return feed

    def probe_api_fast(
        self,
        on: bool,
        *,
        duration: float = api_fast.DURATION,
        max_probes: int = api_fast.MAX_PROBES,
    ) -> None:
        """Start (or restart, with fresh bounds) or stop the fast probe through the VIP."""
        if self._api_task is not None:
            self._api_task.cancel()
            self._api_task = None
        if not on:
            self._api_state(StreamState.STOPPED, "turned off")
            return
        if not self._started:
            raise RuntimeError("Watcher.probe_api_fast(True) before start()")
        self._api_task = asyncio.create_task(
            self._probe_api(duration, max_probes), name="api fast probe"
        )
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.create_task(self._refresh_offsets(), name="clock offsets")

    @property
    def api_probing(self) -> bool:
        """True while the fast probe runs."""
        return self._api_task is not None and not self._api_task.done()

    def measure(self, t0: float, until: float | None = None) -> FailoverFigures:
        """The failover figures since `t0` from the events kept (see `hatui.failover`)."""
        return measure_failover(self._history, t0, self._clock() if until is None else until)

    def history(self, since: float | None = None) -> tuple[WatchEvent, ...]:
        """The events kept, in the order received (those at or after `since` if given)."""
        if since is None:
            return tuple(self._history)
        return tuple(e for e in self._history if e.at >= since)

    def streams(self) -> dict[str, dict[Channel, StreamStatus]]:
        """Each node's channels and where they stand (a channel not started yet is absent)."""
        out: dict[str, dict[Channel, StreamStatus]] = {n: {} for n in self._nodes}
        for (node, channel), status in self._status.items():
            if node is not None:
                out[node][channel] = status
        return out

    @property
    def api_status(self) -> StreamStatus | None:
        return self._status.get((None, Channel.API))

    def offsets(self) -> dict[str, ClockOffset]:
        """The last clock offset measured for each node."""
        return dict(self._offsets)

    def vip_holders(self) -> tuple[str, ...]:
        """The nodes holding the VIP as their address streams last told."""
        return tuple(n for n in self._nodes if n in self._holders)

    # -- internals -------------------------------------------------------------------------

    def _emit(self, event: WatchEvent) -> None:
        self._history.append(event)
        if isinstance(event, StreamStatus):
            self._status[(event.node, event.channel)] = event
        elif isinstance(event, AddressEvent) and event.vip:
            if event.holds:
                self._holders.add(event.node)
            else:
                self._holders.discard(event.node)
        for feed in self._feeds:
            feed.put(event)

    def _stamp(
        self, node: str, received: float, node_clock: float | None, resolution: float
    ) -> Stamp:
        offset = self._offsets.get(node)
        return Stamp(
            received=received,
            node_clock=node_clock,
            offset=offset.offset if offset is not None and node_clock is not None else None,
            resolution=resolution,
        )

    async def _keep(
        self,
        node: str,
        channel: Channel,
        command: str,
        handler: _AddressHandler | _LogHandler,
    ) -> None:
        """`follow`, restarted should a bug ever escape it (it must not end a stream for good)."""
        while True:
            try:
                await follow(
                    self._transport,
                    node,
                    channel,
                    command,
                    handler,
                    self._emit,
                    prepare=lambda: self._ensure_offset(node),
                    start_timeout=self._inventory.ssh.command_timeout,
                    clock=self._clock,
                )
                return
            except Exception as exc:
                log.exception("%s %s: unexpected error in the stream", node, channel)
                self._emit(
                    StreamStatus(
                        node, channel, StreamState.DOWN, Stamp(self._clock()), f"internal: {exc!r}"
                    )
                )
                await asyncio.sleep(RETRY_CAP)

    async def _ensure_offset(self, node: str, force: bool = False) -> None:
        """Measure the node's clock offset once per connection (both channels share it)."""
        async with self._offset_locks[node]:
            connects = self._transport.status(node).connects
            if not force and self._offset_connects.get(node) == connects:
                return
            result = await measure_offset(self._transport, node, clock=self._clock)
            if isinstance(result, ProbeError):
                log.info("%s: clock offset not measured: %s", node, result.message)
                return  # events keep their receive times; tried again at the next start
            self._offsets[node] = result
            self._offset_connects[node] = connects

    async def _refresh_offsets(self) -> None:
        await asyncio.gather(
            *(
                self._ensure_offset(n, force=True)
                for n, s in self.streams().items()
                if s.get(Channel.ADDRESS) and s[Channel.ADDRESS].state is StreamState.STREAMING
            )
        )

    async def _probe_api(self, duration: float, max_probes: int) -> None:
        assert self._api_check is not None
        self._api_state(StreamState.STREAMING, f"{api_fast.RATE:g} Hz")
        sent = await api_fast.probe_loop(
            self._api_check,
            self._emit,
            duration=duration,
            max_probes=max_probes,
            clock=self._clock,
        )
        self._api_state(StreamState.STOPPED, f"bound reached after {sent} probes")

    def _api_state(self, state: StreamState, reason: str) -> None:
        current = self._status.get((None, Channel.API))
        if current is not None and current.state is state and state is StreamState.STOPPED:
            return
        self._emit(StreamStatus(None, Channel.API, state, Stamp(self._clock()), reason))
