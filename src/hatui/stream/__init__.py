"""Streaming: long-running channels per node and the fast API probe, pushed as events.

`Watcher` (in `hatui.stream.watcher`) is the entry point; `hatui.failover` turns its events
into failover figures. Parsers here are pure; the async layer is thin (`channel`, `api_fast`).
Nothing here imports the UI.
"""

from typing import TYPE_CHECKING, Any

from hatui.stream.events import (
    AddressChange,
    AddressEvent,
    ApiProbeEvent,
    Channel,
    ClockOffset,
    Stamp,
    StreamState,
    StreamStatus,
    VrrpLogEvent,
    WatchEvent,
)

if TYPE_CHECKING:
    from hatui.stream.watcher import EventFeed, Watcher


def __getattr__(name: str) -> Any:
    # the watcher imports hatui.failover, which imports the events above: loading it lazily
    # lets `hatui.failover` be imported first without a cycle
    if name in ("EventFeed", "Watcher"):
        from hatui.stream import watcher

        return getattr(watcher, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AddressChange",
    "AddressEvent",
    "ApiProbeEvent",
    "Channel",
    "ClockOffset",
    "EventFeed",
    "Stamp",
    "StreamState",
    "StreamStatus",
    "VrrpLogEvent",
    "WatchEvent",
    "Watcher",
]
