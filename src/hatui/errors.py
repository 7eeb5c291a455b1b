"""The named errors hatui raises; each carries a short title for the UI and the CLI."""

from __future__ import annotations


class HatuiError(Exception):
    """Base of every error hatui reports to a person rather than as a traceback."""

    title = "hatui error"


class InventoryError(HatuiError):
    """The inventory file is missing, unreadable or wrong; the message names file, line, field."""

    title = "Inventory error"


class LabError(HatuiError):
    """`hatui lab` cannot build, inspect or remove the lab."""

    title = "Lab error"


class TransportError(HatuiError):
    """A remote command or channel failed (connect, auth, host key, timeout, exit status)."""

    title = "Transport error"


class DrillError(HatuiError):
    """A drill scenario is wrong (the message names file:line: field) or cannot be run."""

    title = "Drill error"
