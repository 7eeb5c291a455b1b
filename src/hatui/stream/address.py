"""The address channel: `ip -ts -o monitor address`, after a snapshot of the node's addresses.

One command per node (`address_command`): it starts the monitor in the background, then lists
the addresses once (`ip -o addr show`) and prints a marker with the node's clock, so every
(re)connect starts from a known state and nothing added in between is missed (the monitor
is already listening when the list is taken). Monitor lines carry a `[timestamp]` prefix,
list lines do not, so the two can share one stdout. The monitor runs with `TZ=UTC0`: its
timestamps are then UTC whatever the node's zone.

Real lines (`-o` puts each message on one line, `\\` where a line break was):

    [2026-11-23T12:36:32.737195] Deleted 2: eth0    inet 10.235.0.10/24 scope global ...
    [2026-11-23T12:36:32.756578] 2: eth0    inet 10.235.0.10/24 scope global secondary eth0\\ ...

`parse_monitor_line` is pure and never raises: a line it cannot read is a `ProbeError`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from hatui.observations import InterfaceAddress, ProbeError
from hatui.parsers._common import fail
from hatui.parsers.vip import parse_ip_addr

SOURCE = "ip-monitor"

SNAPSHOT_MARK = "hatui-address-snapshot"
"""The line that ends the snapshot: `hatui-address-snapshot <node epoch>`."""

SETTLE = 0.2
"""Seconds the monitor is given to subscribe before the snapshot is taken."""

_STAMPED = re.compile(
    r"^\[(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)\]\s+(?:\[ADDR\]\s*)?"
    r"(?P<deleted>Deleted\s+)?(?P<rest>.*)$"
)


def address_command(settle: float = SETTLE) -> str:
    """The sh script of the address channel (see the module docstring)."""
    return (
        "TZ=UTC0 ip -ts -o monitor address & "
        f"sleep {settle:.2f}; "
        "ip -o addr show; "
        f'echo "{SNAPSHOT_MARK} $(date +%s.%N)"; '
        "wait $!"
    )


@dataclass(frozen=True)
class MonitorLine:
    """One parsed monitor line: an address added or deleted, at the node's time."""

    deleted: bool
    address: InterfaceAddress
    node_time: float | None
    """Epoch seconds on the node's clock (None: no timestamp, a snapshot line)."""


@dataclass(frozen=True)
class SnapshotEnd:
    """The marker after the snapshot, with the node's clock when it was printed."""

    node_time: float | None


def parse_monitor_line(line: str) -> MonitorLine | SnapshotEnd | ProbeError:
    """One line of the channel: a monitor line, a snapshot line (no timestamp) or the marker."""
    text = line.strip()
    if text.startswith(SNAPSHOT_MARK):
        return SnapshotEnd(_epoch(text[len(SNAPSHOT_MARK) :].strip()))
    node_time: float | None = None
    deleted = False
    m = _STAMPED.match(text)
    if m:
        node_time = _utc(m["ts"])
        if node_time is None:
            return fail(SOURCE, f"unreadable timestamp {m['ts']!r}", line)
        deleted = m["deleted"] is not None
        text = m["rest"]
    elif text.startswith("Deleted "):
        deleted, text = True, text[len("Deleted ") :]
    parsed = parse_ip_addr(text)
    if isinstance(parsed, ProbeError):
        return fail(SOURCE, f"not an address line ({parsed.message})", line)
    return MonitorLine(deleted=deleted, address=parsed.addresses[0], node_time=node_time)


def same_address(a: str, b: str) -> bool:
    """True when the two spell the same IP ("10.0.0.10" and "10.0.0.10/24" do)."""
    try:
        return ipaddress.ip_interface(a.strip()).ip == ipaddress.ip_interface(b.strip()).ip
    except ValueError:
        return False


def _utc(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


def _epoch(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None  # `date` without %N support prints a literal N: no node time then
