"""State words and the theme variable that styles each: the only place the two meet.

Every state is shown as a word (colour is never the only signal); the style is a semantic
theme variable name (`$vrrp-master`), resolved by Textual against the current theme.
"""

from __future__ import annotations

import time

from textual.content import Content

from hatui.model import Verdict
from hatui.observations import ScriptStatus, VrrpState

VERDICT_STYLE = {
    Verdict.HEALTHY: "$verdict-healthy",
    Verdict.DEGRADED: "$verdict-degraded",
    Verdict.API_DOWN: "$verdict-down",
    Verdict.SPLIT_BRAIN: "$verdict-down",
    Verdict.QUORUM_LOST: "$verdict-down",
    Verdict.UNKNOWN: "$verdict-unknown",
}

VRRP_STYLE = {
    VrrpState.MASTER: "$vrrp-master",
    VrrpState.BACKUP: "$vrrp-backup",
    VrrpState.FAULT: "$vrrp-fault",
    VrrpState.STOP: "$vrrp-fault",
    VrrpState.DELETED: "$vrrp-fault",
}

BACKEND_STYLE = {
    "UP": "$backend-up",
    "NO CHECK": "$backend-up",
    "DOWN": "$backend-down",
    "MAINT": "$backend-maint",
    "DRAIN": "$backend-maint",
    "NOLB": "$backend-maint",
}

SCRIPT_STYLE = {
    ScriptStatus.GOOD: "$backend-up",
    ScriptStatus.BAD: "$backend-down",
    ScriptStatus.INIT_FAILED: "$backend-down",
}

OK_STYLE = {True: "$backend-up", False: "$backend-down"}


def word(text: str, style: str | None) -> Content:
    """`text` styled with a theme variable (bold, so it also stands out without colour)."""
    if not style:
        return Content(text)
    return Content.styled(text, f"bold {style}")


def clock(ts: float | None) -> str:
    """HH:MM:SS in local time (tests pin TZ=UTC)."""
    if ts is None:
        return "--:--:--"
    return time.strftime("%H:%M:%S", time.localtime(ts))


def size(n: int | None) -> str:
    """Bytes as etcdctl writes them (binary units, one decimal)."""
    if n is None:
        return "?"
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return f"{n} B"


def age(seconds: float) -> str:
    """ "2 s", "3 min", "2 h"."""
    s = max(0, round(seconds))
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    return f"{s // 3600} h"
