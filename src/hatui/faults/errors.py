"""The errors a fault action ends with; each is a `HatuiError` with a title for the UI.

Nothing here is raised for a node that merely answered "no": a failed remote step is a
`FaultFailed` carrying what was done, so the caller can say what is still in place.
"""

from __future__ import annotations

from hatui.errors import HatuiError


class FaultError(HatuiError):
    """Base of every fault error."""

    title = "Fault error"


class ReadOnly(FaultError):
    """hatui runs with --read-only: no fault may be injected or cleared."""

    title = "Read-only mode"

    def __init__(self, action: str) -> None:
        super().__init__(f"{action} refused: hatui runs read-only (--read-only)")


class NotApplicable(FaultError):
    """The fault cannot apply here (unknown node, no LB on it, service not running, already
    active...); nothing was changed."""

    title = "Fault not applicable"


class GuardRefused(FaultError):
    """A guard found a consequence that needs explicit confirmation; nothing was changed."""

    title = "Confirmation needed"

    def __init__(self, consequence: str) -> None:
        self.consequence = consequence
        super().__init__(consequence)


class UnknownFault(FaultError):
    """No fault of this id is in the journal for this cluster."""

    title = "Unknown fault"


class FaultFailed(FaultError):
    """A command on a node failed while injecting or clearing; the message says what is
    left in place (the journal keeps it, and the node's watchdog still clears it at TTL)."""

    title = "Fault action failed"


class JournalError(FaultError):
    """The local fault journal cannot be read or written."""

    title = "Fault journal error"
