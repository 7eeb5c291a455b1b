"""What every probe runner shares: turning transport failures and bad exits into values.

A probe never raises into the collector: a `TransportError` (no link, timeout, refused
socket) becomes a `ProbeError` whose source names the probe, and a command that exits
non-zero becomes one carrying the last line of its stderr (redacted).
"""

from __future__ import annotations

import time
from typing import TypeVar

from hatui.errors import TransportError
from hatui.model import Probe
from hatui.observations import ProbeError
from hatui.parsers import redact
from hatui.transport import CommandResult

T = TypeVar("T")

_MAX_STDERR = 200


def transport_failure(source: str, err: TransportError) -> ProbeError:
    """A transport error as the probe's error value ("m1: timed out" -> "timed out")."""
    reason = getattr(err, "reason", None) or str(err)
    return ProbeError(source=source, message=str(reason))


def last_line(text: str) -> str:
    """The last non-empty line of `text`, redacted and cut short, for an error message."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return redact(lines[-1])[:_MAX_STDERR] if lines else ""


def exit_failure(source: str, what: str, result: CommandResult) -> ProbeError:
    """A remote command that exited non-zero, with its exit status and last stderr line."""
    if result.exit_status == 127:
        message = f"{what}: command not found on {result.node}"
    else:
        message = f"{what} exited with status {result.exit_status}"
    detail = last_line(result.stderr)
    if detail and result.exit_status != 127:
        message += f": {detail}"
    return ProbeError(source=source, message=message, excerpt=redact(result.stderr.strip())[-300:])


def probe(result: T | ProbeError, observed_at: float | None = None) -> Probe[T]:
    """A `Probe` made now (or at `observed_at`, e.g. when the remote command finished)."""
    return Probe(result=result, observed_at=time.time() if observed_at is None else observed_at)
