"""The Watcher's async layer against a scripted transport: events with corrected times,
a node going down and coming back by itself, a failing command retried, the bounded fast
probe, subscriptions. (The real thing, over SSH to the lab: tests/lab/test_stream.py.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path

import pytest

from hatui.errors import TransportError
from hatui.failover import FailoverOutcome
from hatui.inventory import Inventory, load_inventory
from hatui.model import Probe
from hatui.observations import ApiHealthObservation, KeepalivedEventKind, ProbeError
from hatui.stream import (
    AddressChange,
    AddressEvent,
    ApiProbeEvent,
    Channel,
    StreamState,
    StreamStatus,
    VrrpLogEvent,
    Watcher,
    WatchEvent,
)
from hatui.stream.address import SNAPSHOT_MARK
from hatui.stream.channel import READY_MARK
from hatui.stream.clock import CLOCK_COMMAND
from hatui.transport import CommandFailed, CommandResult, LinkState, NodeLink, Unreachable

VIP = "10.235.0.10"
ADDR = (
    "2: eth0    inet {ip}/24 scope global{sec} eth0\\       valid_lft forever preferred_lft forever"
)


def addr_line(ip: str, secondary: bool = False) -> str:
    return ADDR.format(ip=ip, sec=" secondary" if secondary else "")


def monitor_line(ip: str, at: float, deleted: bool = False) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{int(at % 1 * 1e6):06d}"
    return f"[{stamp}] {'Deleted ' if deleted else ''}{addr_line(ip, secondary=True)}"


class ScriptedTransport:
    """A Transport whose streams play lines the test pushes; every node's clock is off by
    `skew[node]` seconds."""

    def __init__(self, nodes: tuple[str, ...], skew: Mapping[str, float]) -> None:
        self.skew = dict(skew)
        self.links = {n: LinkState.UP for n in nodes}
        self.connects = {n: 1 for n in nodes}
        self.queues: dict[tuple[str, str], asyncio.Queue[str | BaseException | None]] = {}
        self.starts: dict[tuple[str, str], int] = {}
        self.fail_start: dict[tuple[str, str], TransportError] = {}
        self.clock_runs = 0

    def queue(self, node: str, kind: str) -> asyncio.Queue[str | BaseException | None]:
        return self.queues.setdefault((node, kind), asyncio.Queue())

    def push(self, node: str, kind: str, *items: str | BaseException | None) -> None:
        for item in items:
            self.queue(node, kind).put_nowait(item)

    async def run(self, node: str, command: str, timeout: float | None = None) -> CommandResult:
        assert command == CLOCK_COMMAND
        self._check(node)
        self.clock_runs += 1
        now = time.time()
        await asyncio.sleep(0.001)
        out = f"{now + 0.0005 + self.skew[node]:.9f} +0000\n"
        return CommandResult(node, out, "", 0, now, time.time())

    async def run_all(
        self, command_by_node: Mapping[str, str], timeout: float | None = None
    ) -> dict[str, CommandResult | TransportError]:
        raise NotImplementedError

    async def stream(
        self, node: str, command: str, timeout: float | None = None
    ) -> AsyncIterator[str]:
        self._check(node)
        kind = "address" if "monitor address" in command else "log"
        self.starts[(node, kind)] = self.starts.get((node, kind), 0) + 1
        if (node, kind) in self.fail_start:
            raise self.fail_start[(node, kind)]
        assert command.startswith(f"echo {READY_MARK}; ")
        yield READY_MARK
        if kind == "address":
            yield addr_line(f"10.235.0.{11 + list(self.links).index(node)}")
        q = self.queue(node, kind)
        while True:
            item = await q.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    async def unix_request(self, *a: object, **k: object) -> bytes:
        raise NotImplementedError

    async def tcp_request(self, *a: object, **k: object) -> bytes:
        raise NotImplementedError

    async def tcp_connect_check(self, *a: object, **k: object) -> float:
        raise NotImplementedError

    def status(self, node: str) -> NodeLink:
        reason = "" if self.up(node) else "refused"
        return NodeLink(node, node, self.links[node], reason, connects=self.connects[node])

    def statuses(self) -> dict[str, NodeLink]:
        return {n: self.status(n) for n in self.links}

    async def close(self) -> None:
        pass

    def set_link(self, node: str, state: LinkState) -> None:
        if state is LinkState.UP:
            self.connects[node] += 1
        self.links[node] = state

    def up(self, node: str) -> bool:
        """CONNECTING counts: SshPool's calls wait for the attempt under way."""
        return self.links[node] is not LinkState.UNREACHABLE

    def _check(self, node: str) -> None:
        if not self.up(node):
            raise Unreachable(node, "refused")


@pytest.fixture
def inventory(tmp_path: Path) -> Inventory:
    path = tmp_path / "inv.yaml"
    path.write_text(
        "cluster: t\n"
        "masters: [{name: m1, host: 10.235.0.11}, {name: m2, host: 10.235.0.12},"
        " {name: m3, host: 10.235.0.13}]\n"
        f"vip: {{address: {VIP}}}\n"
        "keepalived: {log: /var/log/keepalived.log}\n"
    )
    return load_inventory(path)


async def until(what: str, predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def of(watcher: Watcher, kind: type, **match: object) -> list:
    return [
        e
        for e in watcher.history()
        if isinstance(e, kind) and all(getattr(e, k) == v for k, v in match.items())
    ]


def streaming(watcher: Watcher, node: str) -> bool:
    s = watcher.streams()[node]
    return all(
        c in s and s[c].state is StreamState.STREAMING
        for c in (Channel.ADDRESS, Channel.KEEPALIVED_LOG)
    )


async def started(transport: ScriptedTransport, inventory: Inventory, **kw: object) -> Watcher:
    watcher = Watcher(transport, inventory, **kw)  # type: ignore[arg-type]
    await watcher.start()
    for node in ("m1", "m2", "m3"):
        transport.push(node, "address", f"{SNAPSHOT_MARK} {time.time() + transport.skew[node]}")
    await until("every stream up", lambda: all(streaming(watcher, n) for n in ("m1", "m2", "m3")))
    await until("three snapshots", lambda: len(of(watcher, AddressEvent)) == 3)
    return watcher


async def test_failover_events_carry_corrected_node_times(inventory: Inventory) -> None:
    transport = ScriptedTransport(("m1", "m2", "m3"), {"m1": 0.0, "m2": 2.5, "m3": -1.0})
    transport.push("m1", "address", addr_line(VIP, secondary=True))  # in m1's snapshot
    watcher = await started(transport, inventory)
    try:
        snap = {e.node: e.change for e in of(watcher, AddressEvent)}
        assert snap == {
            "m1": AddressChange.HELD,
            "m2": AddressChange.NOT_HELD,
            "m3": AddressChange.NOT_HELD,
        }
        assert watcher.vip_holders() == ("m1",)
        offsets = watcher.offsets()
        assert offsets["m2"].offset == pytest.approx(2.5, abs=0.01)
        assert offsets["m3"].offset == pytest.approx(-1.0, abs=0.01)
        assert offsets["m2"].uncertainty < 0.05
        await asyncio.sleep(0.6)
        t0 = time.time() - 0.4  # after the snapshots
        moved = t0 + 0.2  # the true moment, on this host's clock, before the lines arrive
        transport.push("m1", "address", monitor_line(VIP, moved - 0.02, deleted=True))
        transport.push("m2", "address", monitor_line(VIP, moved + 2.5))
        transport.push("m3", "address", monitor_line("127.0.0.7", moved - 1.0))
        transport.push(
            "m2",
            "log",
            time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(moved + 2.5))
            + ": (VI_1) Entering MASTER STATE",
            "Mon Nov 23 12:36:17 2026: Sending gratuitous ARP on eth0 for 10.235.0.10",
        )
        await until("the VIP on m2", lambda: watcher.vip_holders() == ("m2",))
        await until("m2's log event", lambda: of(watcher, VrrpLogEvent))
        await until("m3's address", lambda: len(of(watcher, AddressEvent, node="m3")) == 2)
        add = of(watcher, AddressEvent, node="m2")[-1]
        assert add.change is AddressChange.ADDED and add.vip and add.interface == "eth0"
        assert add.at == pytest.approx(moved, abs=0.01)
        other = of(watcher, AddressEvent, node="m3")[-1]
        assert not other.vip and other.at == pytest.approx(moved, abs=0.01)
        (entered,) = of(watcher, VrrpLogEvent)
        assert entered.node == "m2" and entered.event.kind is KeepalivedEventKind.ENTER_STATE
        assert entered.stamp.resolution == 1.0
        assert entered.stamp.node is not None
        assert entered.stamp.node == pytest.approx(int(moved + 2.5) - 2.5, abs=0.01)
        assert entered.at <= entered.stamp.received
        f = watcher.measure(t0)
        assert f.outcome is FailoverOutcome.MOVED
        assert (f.old_holders, f.new_holders) == (("m1",), ("m2",))
        assert f.gap_s == pytest.approx(0.02, abs=0.005)
        assert f.detection is not None and f.detection.node == "m1"  # the drop came first
    finally:
        await watcher.stop()


async def test_an_unreachable_node_is_a_state_and_comes_back_by_itself(
    inventory: Inventory,
) -> None:
    transport = ScriptedTransport(("m1", "m2", "m3"), {"m1": 0, "m2": 0, "m3": 0})
    watcher = await started(transport, inventory)
    feed = watcher.events()
    try:
        runs = transport.clock_runs
        transport.set_link("m3", LinkState.UNREACHABLE)
        transport.push("m3", "address", Unreachable("m3", "connection lost"))
        transport.push("m3", "log", Unreachable("m3", "connection lost"))
        await until(
            "m3 down",
            lambda: all(s.state is StreamState.DOWN for s in watcher.streams()["m3"].values()),
        )
        assert streaming(watcher, "m1") and streaming(watcher, "m2")
        reasons = {s.reason for s in watcher.streams()["m3"].values()}
        assert reasons <= {"connection lost", "refused"}
        # the others keep streaming
        transport.push("m1", "address", monitor_line("127.0.0.9", time.time()))
        await until("m1's event", lambda: of(watcher, AddressEvent, address="127.0.0.9"))
        starts = dict(transport.starts)
        await asyncio.sleep(0.6)
        assert transport.starts == starts  # a down link is not hammered: it is waited for
        transport.set_link("m3", LinkState.UP)
        transport.push("m3", "address", f"{SNAPSHOT_MARK} {time.time()}")
        await until("m3 streaming again", lambda: streaming(watcher, "m3"))
        await until("m3's new snapshot", lambda: len(of(watcher, AddressEvent, node="m3")) == 2)
        assert transport.clock_runs > runs  # a new connection: the offset is measured again
        seen: list[WatchEvent] = []
        while feed.pending():
            seen.append(await feed.__anext__())
        m3 = [(e.channel, e.state) for e in seen if isinstance(e, StreamStatus) and e.node == "m3"]
        down = m3.index((Channel.ADDRESS, StreamState.DOWN))
        assert (Channel.ADDRESS, StreamState.STREAMING) in m3[down:]
        assert (Channel.KEEPALIVED_LOG, StreamState.STREAMING) in m3[down:]
    finally:
        await watcher.stop()
    assert [e async for e in feed][-1].state is StreamState.STOPPED  # type: ignore[union-attr]


async def test_a_link_still_connecting_is_waited_on_not_skipped(inventory: Inventory) -> None:
    """A pool not started yet says CONNECTING until a call starts it: the stream is that call."""
    transport = ScriptedTransport(("m1", "m2", "m3"), {"m1": 0, "m2": 0, "m3": 0})
    for node in ("m1", "m2", "m3"):
        transport.set_link(node, LinkState.CONNECTING)
    watcher = await started(transport, inventory)
    try:
        first = [e for e in watcher.history() if isinstance(e, StreamStatus)][0]
        assert first.state is StreamState.CONNECTING
    finally:
        await watcher.stop()


async def test_a_failing_command_is_retried_and_reported(inventory: Inventory) -> None:
    transport = ScriptedTransport(("m1", "m2", "m3"), {"m1": 0, "m2": 0, "m3": 0})
    transport.fail_start[("m2", "log")] = CommandFailed("m2", 1, "tail: cannot open\n")
    watcher = Watcher(transport, inventory)  # type: ignore[arg-type]
    await watcher.start()
    try:
        await until(
            "m2's log down",
            lambda: (
                watcher.streams()["m2"].get(Channel.KEEPALIVED_LOG) is not None
                and watcher.streams()["m2"][Channel.KEEPALIVED_LOG].state is StreamState.DOWN
            ),
        )
        status = watcher.streams()["m2"][Channel.KEEPALIVED_LOG]
        assert status.reason == "exit status 1: tail: cannot open"
        assert status.retry_at is not None
        await until("a retry", lambda: transport.starts[("m2", "log")] >= 2)
        del transport.fail_start[("m2", "log")]
        await until("m2's log streaming", lambda: streaming(watcher, "m2"), timeout=5)
    finally:
        await watcher.stop()
    assert all(
        s.state is StreamState.STOPPED for n in watcher.streams().values() for s in n.values()
    )


async def test_fast_probe_is_bounded_and_measured(inventory: Inventory) -> None:
    transport = ScriptedTransport(("m1", "m2", "m3"), {"m1": 0, "m2": 0, "m3": 0})
    answers = iter([True, False, False, True] + [True] * 100)

    async def check() -> Probe[ApiHealthObservation]:
        await asyncio.sleep(0.01)
        if next(answers):
            return Probe(ApiHealthObservation("readyz", True, 200), time.time())
        return Probe(ProbeError("api-via-vip", "connection refused"), time.time())

    watcher = await started(transport, inventory, api_check=check)
    try:
        t0 = time.time()
        began = time.monotonic()
        watcher.probe_api_fast(True, max_probes=6)
        assert watcher.api_probing
        await until("the bound", lambda: not watcher.api_probing)
        assert 0.4 < time.monotonic() - began < 2.0  # 6 probes at 10 Hz
        probes = of(watcher, ApiProbeEvent)
        assert [p.ok for p in sorted(probes, key=lambda p: p.sent)] == [
            True, False, False, True, True, True,
        ]  # fmt: skip
        assert probes[1].message == "connection refused"
        assert watcher.api_status is not None
        assert watcher.api_status.reason == "bound reached after 6 probes"
        f = watcher.measure(t0)
        assert f.outage_s == pytest.approx(0.2, abs=0.05) and f.probe_failures == 2
        watcher.probe_api_fast(True, duration=0.25)
        await until("the time bound", lambda: not watcher.api_probing)
        assert len(of(watcher, ApiProbeEvent)) in (8, 9)
        watcher.probe_api_fast(True)
        await asyncio.sleep(0.05)
        watcher.probe_api_fast(False)
        assert not watcher.api_probing
        assert watcher.api_status.state is StreamState.STOPPED
    finally:
        await watcher.stop()


async def test_a_slow_subscriber_loses_its_oldest_events(inventory: Inventory) -> None:
    transport = ScriptedTransport(("m1", "m2", "m3"), {"m1": 0, "m2": 0, "m3": 0})
    watcher = await started(transport, inventory)
    feed = watcher.events(maxsize=3)
    other = watcher.events()
    try:
        for i in range(5):
            transport.push("m1", "address", monitor_line(f"127.0.0.{i + 1}", time.time()))
        await until("5 events", lambda: other.pending() == 5)
        assert feed.pending() == 3 and feed.dropped == 2
        first = await feed.__anext__()
        assert isinstance(first, AddressEvent) and first.address == "127.0.0.3"
        feed.close()  # what was queued is still read, nothing after
        transport.push("m1", "address", monitor_line("127.0.0.9", time.time()))
        await until("the 6th event", lambda: other.pending() == 6)
        rest = [e async for e in feed]
        assert [e.address for e in rest if isinstance(e, AddressEvent)] == [
            "127.0.0.4",
            "127.0.0.5",
        ]
    finally:
        await watcher.stop()
    after = [e async for e in other]
    assert len([e for e in after if isinstance(e, AddressEvent)]) == 6
    assert isinstance(after[-1], StreamStatus) and after[-1].state is StreamState.STOPPED
