"""Where the app's states come from: a small protocol, and the two sources the UI ships.

The app never collects anything itself (CONVENTIONS 2): it iterates a `StateSource` in a
worker. The collector (live sweeps over SSH) implements this protocol; `StaticSource` serves
a fixed list (tests, screenshots) and `hatui.recording.ReplaySource` plays a recording and
also implements `PlaybackControls`, which switches the replay keys on.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from hatui.model import ClusterState
from hatui.recording import ReplaySource

__all__ = [
    "LinkPhase",
    "LinkReporting",
    "LinkStatus",
    "PlaybackControls",
    "ReplaySource",
    "StateSource",
    "StaticSource",
]


@runtime_checkable
class StateSource(Protocol):
    """Yields a new `ClusterState` after each sweep; the app shows the latest."""

    def states(self) -> AsyncIterator[ClusterState]: ...


class LinkPhase(enum.StrEnum):
    """How far the connection to one node has got."""

    WAITING = "waiting"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"


@dataclass(frozen=True)
class LinkStatus:
    """One node's connection progress, shown while the first state is not there yet."""

    node: str
    phase: LinkPhase
    detail: str = ""
    """E.g. "auth failed", "host key mismatch", "timeout, retry in 4 s"."""


@runtime_checkable
class LinkReporting(Protocol):
    """Optional: a source that can say how its connections are doing (polled by the app)."""

    def link_statuses(self) -> Sequence[LinkStatus]: ...


@runtime_checkable
class PlaybackControls(Protocol):
    """Optional: a source the person can pause, speed up or slow down and seek in."""

    def toggle_pause(self) -> None: ...
    def faster(self) -> None: ...
    def slower(self) -> None: ...
    def seek(self, steps: int) -> None: ...
    def position(self) -> str: ...


class StaticSource:
    """Serves the given states in order, `interval` seconds apart, then stops."""

    def __init__(
        self,
        states: Iterable[ClusterState],
        *,
        interval: float = 0.0,
        links: Sequence[LinkStatus] = (),
    ) -> None:
        self._states = tuple(states)
        self.interval = interval
        self._links = tuple(links)

    async def states(self) -> AsyncIterator[ClusterState]:
        for state in self._states:
            yield state
            await asyncio.sleep(self.interval)

    def link_statuses(self) -> Sequence[LinkStatus]:
        return self._links
