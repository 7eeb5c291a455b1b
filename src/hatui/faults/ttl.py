"""Fault lifetimes: parsing "90s"/"10m"/"1h", and the countdown arithmetic.

Pure. Every fault has a TTL; the node's watchdog clears the fault when it runs out
(`hatui.faults.watchdog`), so the bounds here also bound how long a forgotten fault lives.
"""

from __future__ import annotations

import math
import re

DEFAULT_TTL = 600.0
"""Ten minutes, the issue's default."""
MIN_TTL = 5.0
"""Shorter than this and the watchdog could fire before the fault is even in place."""
MAX_TTL = 24 * 3600.0
"""A day: a fault that outlives a shift is a forgotten one."""

_TTL = re.compile(r"(\d+(?:\.\d+)?)\s*([smh]?)")
_UNIT = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_ttl(text: str) -> float:
    """Seconds from "90", "90s", "10m", "1.5h"; ValueError outside MIN_TTL..MAX_TTL."""
    match = _TTL.fullmatch(text.strip().lower())
    if match is None:
        raise ValueError(f"expected a duration such as 90s, 10m or 1h, got {text!r}")
    seconds = float(match.group(1)) * _UNIT[match.group(2)]
    if not MIN_TTL <= seconds <= MAX_TTL:
        raise ValueError(
            f"expected a TTL from {format_duration(MIN_TTL)} to {format_duration(MAX_TTL)}, "
            f"got {text!r}"
        )
    return seconds


def watchdog_seconds(ttl: float) -> int:
    """The whole seconds the node's watchdog sleeps (rounded up: never before the TTL)."""
    return max(1, math.ceil(ttl))


def remaining(expires_at: float, now: float) -> float:
    """Seconds left before `expires_at`; 0 once it has passed."""
    return max(0.0, expires_at - now)


def format_duration(seconds: float) -> str:
    """A countdown as people read it: "9m58s", "45s", "1h00m", "0s"."""
    total = max(0, math.ceil(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"
