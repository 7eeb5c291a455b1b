"""What the transport hands back: command results and the state of each node's SSH link.

Frozen values with wall-clock timestamps (seconds since the epoch, `time.time()`), so the model
can say when something was observed and how old it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hatui.transport.errors import CommandFailed


class LinkState(StrEnum):
    """Where a node's SSH connection stands."""

    CONNECTING = "connecting"
    """The first attempt, or the immediate retry after a connection was lost, is under way."""
    UP = "up"
    """Connected: calls go over the open connection."""
    UNREACHABLE = "unreachable"
    """The last attempt failed (see `reason`); a retry is scheduled at `next_retry_at`."""


@dataclass(frozen=True)
class CommandResult:
    """One finished remote command. A non-zero exit is data here, not an error."""

    node: str
    stdout: str
    stderr: str
    exit_status: int
    """The command's exit status; the negated signal number if a signal ended it."""
    started: float
    finished: float
    exit_signal: str | None = None
    """The signal name (e.g. "TERM") when a signal ended the command."""

    @property
    def ok(self) -> bool:
        """True when the command exited with status 0."""
        return self.exit_status == 0

    @property
    def duration(self) -> float:
        """Seconds from sending the command to its exit, network round trip included."""
        return self.finished - self.started

    def check(self) -> CommandResult:
        """This result if the command succeeded; CommandFailed(exit_status, stderr) if not."""
        if not self.ok:
            raise CommandFailed(self.node, self.exit_status, self.stderr)
        return self


@dataclass(frozen=True)
class NodeLink:
    """A snapshot of one node's SSH link, for the UI and `hatui status`."""

    node: str
    host: str
    state: LinkState
    reason: str = ""
    """Why the link is not UP: "auth failed", "timeout after 3.0s", "connection refused"..."""
    connected_since: float | None = None
    """When the current connection was established (None unless UP)."""
    last_error_at: float | None = None
    """When the last connect attempt failed or the connection was lost."""
    next_retry_at: float | None = None
    """When the next connect attempt is due (only while UNREACHABLE)."""
    last_attempt_at: float | None = None
    """When the latest connect attempt started."""
    connects: int = 0
    """Successful connects so far: 1 as long as the first connection has never dropped."""
    failures: int = 0
    """Failed attempts since the last connection that stayed up."""
