"""What the streams push, as frozen values: VIP changes, keepalived log events, fast API probes
and the state of each stream.

Every event carries a `Stamp`: when the jump host received it and, when the node wrote one,
the node's own timestamp with the measured clock offset. `Stamp.at` is the best estimate of
when the thing happened, on the jump host's clock; the failover measurement reads only that.
No SSH, no UI, no markup here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from hatui.observations import KeepalivedEvent


@dataclass(frozen=True)
class ClockOffset:
    """How far a node's clock is from the jump host's, measured NTP-style over SSH.

    `offset` = node clock - jump host clock, from the sample with the shortest round trip;
    the node read its clock somewhere in that round trip, hence `uncertainty` = half of it.
    """

    node: str
    offset: float
    uncertainty: float
    measured_at: float
    """Jump host time of the best sample."""
    utc_offset: str = "+0000"
    """The node's zone as `date +%z` prints it: keepalived's log times are local times."""
    samples: int = 1


@dataclass(frozen=True)
class Stamp:
    """When an event happened: received on the jump host, and as the node wrote it."""

    received: float
    """Jump host time (epoch seconds) when the line or answer arrived."""
    node_clock: float | None = None
    """The node's own timestamp (epoch seconds, the node's clock), when the line had one."""
    offset: float | None = None
    """The node's measured clock offset (`ClockOffset.offset`) when `node_clock` was read."""
    resolution: float = 0.0
    """The node timestamp's resolution: 1 s for keepalived's log, ~1 us for `ip -ts`."""

    @property
    def node(self) -> float | None:
        """The node's timestamp on the jump host's clock (None: no timestamp or no offset)."""
        if self.node_clock is None or self.offset is None:
            return None
        return self.node_clock - self.offset

    @property
    def at(self) -> float:
        """The best estimate of when it happened, on the jump host's clock.

        A fine node timestamp (`ip -ts`) is the moment itself. A coarse one (keepalived's
        1-second log times) says only that it happened within [t, t + resolution), and the
        receive time is an upper bound of its own: the smaller of the two upper bounds.
        Without a node timestamp, the receive time.
        """
        node = self.node
        if node is None:
            return self.received
        if self.resolution <= FINE_RESOLUTION:
            return node
        return min(self.received, node + self.resolution)


FINE_RESOLUTION = 0.01
"""Node timestamps at least this fine are taken as the event's time."""


class AddressChange(enum.StrEnum):
    """What an address event says about one address on one node."""

    ADDED = "added"
    """`ip monitor`: the address was added (or its flags changed: a repeated add)."""
    DELETED = "deleted"
    """`ip monitor`: a `Deleted` line."""
    HELD = "held"
    """The snapshot taken when the stream (re)started: the node has the address."""
    NOT_HELD = "not-held"
    """The snapshot taken when the stream (re)started: the node does not have the VIP."""


@dataclass(frozen=True)
class AddressEvent:
    """An address added to or removed from a node's interface (or a snapshot of the VIP)."""

    node: str
    stamp: Stamp
    change: AddressChange
    address: str
    interface: str | None
    prefixlen: int | None = None
    vip: bool = False
    """True when `address` is the inventory's VIP."""
    line: str = ""

    @property
    def at(self) -> float:
        return self.stamp.at

    @property
    def holds(self) -> bool:
        """True when the event says the node has the address afterwards."""
        return self.change in (AddressChange.ADDED, AddressChange.HELD)


@dataclass(frozen=True)
class VrrpLogEvent:
    """One known keepalived log line from a node, as `parse_keepalived_log` reads it."""

    node: str
    stamp: Stamp
    event: KeepalivedEvent

    @property
    def at(self) -> float:
        return self.stamp.at


@dataclass(frozen=True)
class ApiProbeEvent:
    """One request to the API through the VIP, from the jump host (the fast probe)."""

    stamp: Stamp
    """`received` is when the answer (or the failure) came."""
    sent: float
    """Jump host time the request was started: what the outage figures use."""
    ok: bool
    status_code: int | None = None
    message: str = ""
    node: str | None = None
    """Always None: the probe goes through the VIP, to whichever node holds it."""

    @property
    def at(self) -> float:
        return self.sent

    @property
    def latency(self) -> float:
        return self.stamp.received - self.sent


class Channel(enum.StrEnum):
    """The streams the watcher keeps."""

    ADDRESS = "address"
    KEEPALIVED_LOG = "keepalived-log"
    API = "api"


class StreamState(enum.StrEnum):
    """Where one stream stands."""

    CONNECTING = "connecting"
    STREAMING = "streaming"
    DOWN = "down"
    """No data: the node is unreachable or the command failed; `reason` says which."""
    STOPPED = "stopped"


@dataclass(frozen=True)
class StreamStatus:
    """A stream changed state (an unreachable node is this, never an exception)."""

    node: str | None
    """None for the API probe, which is not about one node."""
    channel: Channel
    state: StreamState
    stamp: Stamp
    reason: str = ""
    retry_at: float | None = None

    @property
    def at(self) -> float:
        return self.stamp.at


WatchEvent = AddressEvent | VrrpLogEvent | ApiProbeEvent | StreamStatus
"""Anything the watcher pushes."""
