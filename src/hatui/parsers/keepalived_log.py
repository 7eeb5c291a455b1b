"""keepalived's log (journal or log file) -> the VRRP events hatui understands.

The log is the last resort when neither dump is available, and the only record of *when* and
*why* priorities and states changed. Line forms read:

- keepalived's own console/file form (`--log-console`, the lab's log file):
  `Mon Nov 23 09:44:47 2026: (VI_1) Entering BACKUP STATE`
- syslog / `journalctl` short form (no year): `Sep 01 21:34:33 ubuntu238 Keepalived_vrrp[22997]:
  VRRP_Instance(VI_0) Entering BACKUP STATE` (keepalived 1.x names instances this way)
- `journalctl -o short-iso` (`2026-11-23T09:44:47+0000 host ...`) and `-o short-unix`
  (`1795427087.282800 host ...`), which carry an exact time: prefer them when collecting.

Times without a zone are read in `tz` (the node's zone; UTC by default); syslog times without
a year get `year`, or no timestamp when it is not given (`time_text` keeps the text). Lines that
are not known events (ARP chatter, banners, continuation lines) are counted, not returned.
Each event's `line` is redacted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from hatui.observations import KeepalivedEvent, KeepalivedEventKind, KeepalivedLog, VrrpState
from hatui.parsers.redact import redact

K = KeepalivedEventKind

_CONSOLE = re.compile(
    r"^(?P<time>[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}): (?P<msg>.*)$"
)
_PROGRAM = r"\S+ [\w.@/-]+(?:\[\d+\])?:"
_SYSLOG = re.compile(
    r"^(?P<time>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) " + _PROGRAM + r" (?P<msg>.*)$"
)
_ISO = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) "
    + _PROGRAM
    + r" (?P<msg>.*)$"
)
_UNIX = re.compile(r"^(?P<time>\d{9,}(?:\.\d+)?) " + _PROGRAM + r" (?P<msg>.*)$")

_INSTANCE = re.compile(r"^(?:VRRP_Instance)?\((?P<instance>[^)]+)\)\s+(?P<rest>.*)$")

_Handler = Callable[[re.Match[str]], dict[str, Any]]


def _state(name: str) -> VrrpState:
    try:
        return VrrpState(name.upper())
    except ValueError:
        return VrrpState.UNKNOWN


def _i(m: re.Match[str], group: str) -> int | None:
    value = m.groupdict().get(group)
    return int(value) if value is not None else None


# (pattern on the message after the instance prefix, kind, values from the match)
_RULES: tuple[tuple[re.Pattern[str], KeepalivedEventKind, _Handler], ...] = (
    (
        re.compile(r"^Entering (?P<s>[A-Z]+) STATE\b", re.I),
        K.ENTER_STATE,
        lambda m: {"state": _state(m["s"])},
    ),
    (
        re.compile(r"^Transition to (?P<s>[A-Z]+) STATE\b", re.I),
        K.TRANSITION_TO_STATE,
        lambda m: {"state": _state(m["s"])},
    ),
    (
        re.compile(r"^VRRP_Script\((?P<n>[^)]+)\) failed(?: \(exited with status (?P<st>\d+)\))?"),
        K.SCRIPT_FAILED,
        lambda m: {"script": m["n"], "exit_status": _i(m, "st")},
    ),
    (
        re.compile(r"^VRRP_Script\((?P<n>[^)]+)\) succeeded"),
        K.SCRIPT_SUCCEEDED,
        lambda m: {"script": m["n"]},
    ),
    (
        re.compile(r"^VRRP_Script\((?P<n>[^)]+)\) timed[_ ]out"),
        K.SCRIPT_TIMED_OUT,
        lambda m: {"script": m["n"]},
    ),
    (
        re.compile(r"^Script `(?P<n>[^`]+)` now returning (?P<st>-?\d+)"),
        K.SCRIPT_RETURNED,
        lambda m: {"script": m["n"], "exit_status": _i(m, "st")},
    ),
    (
        re.compile(r"^Changing effective priority from (?P<a>\d+) to (?P<b>\d+)"),
        K.PRIORITY_CHANGED,
        lambda m: {"priority_from": _i(m, "a"), "priority_to": _i(m, "b")},
    ),
    (
        re.compile(r"^Effective priority = (?P<b>\d+)"),
        K.PRIORITY_CHANGED,
        lambda m: {"priority_to": _i(m, "b")},
    ),
    (
        re.compile(r"^Received higher prio advert(?: (?P<p>\d+))?"),
        K.HIGHER_PRIO_ADVERT,
        lambda m: {"peer_priority": _i(m, "p")},
    ),
    (
        re.compile(
            r"^Master received advert from (?P<peer>\S+) with higher priority (?P<p>\d+)"
            r"(?:, ours (?P<o>\d+))?"
        ),
        K.HIGHER_PRIO_ADVERT,
        lambda m: {"peer": m["peer"], "peer_priority": _i(m, "p"), "own_priority": _i(m, "o")},
    ),
    (
        re.compile(r"^received lower priority \((?P<p>\d+)\) advert from (?P<peer>\S+)"),
        K.LOWER_PRIO_ADVERT,
        lambda m: {"peer": m["peer"], "peer_priority": _i(m, "p")},
    ),
    (re.compile(r"^Receive advertisement timeout"), K.ADVERT_TIMEOUT, lambda m: {}),
    (re.compile(r"^forcing a new MASTER election"), K.FORCING_ELECTION, lambda m: {}),
    (re.compile(r"^setting (?:protocol )?VIPs"), K.VIPS_SET, lambda m: {}),
    (re.compile(r"^removing (?:protocol )?VIPs"), K.VIPS_REMOVED, lambda m: {}),
    (re.compile(r"^Starting Keepalived\b"), K.STARTING, lambda m: {}),
    (re.compile(r"^Stopping$"), K.STOPPING, lambda m: {}),
)


def parse_keepalived_log(text: str, *, tz: tzinfo = UTC, year: int | None = None) -> KeepalivedLog:
    """The known keepalived events in `text`, oldest first. Never fails: unknown lines are
    counted in `skipped_lines` (empty or foreign text gives no events)."""
    events: list[KeepalivedEvent] = []
    skipped = 0
    for raw in text.splitlines():
        event = _event(raw.rstrip(), tz, year)
        if event is None:
            if raw.strip():
                skipped += 1
        else:
            events.append(event)
    return KeepalivedLog(events=tuple(events), skipped_lines=skipped)


@functools.lru_cache(maxsize=8192)
def _event(line: str, tz: tzinfo, year: int | None) -> KeepalivedEvent | None:
    """One line's event (cached: each sweep reads the same log tail again, and strptime is
    slow enough to matter on the app's event loop; the function is pure)."""
    stamped = _split_time(line, tz, year)
    if stamped is None:
        return None
    timestamp, time_text, msg = stamped
    msg = msg.strip()
    instance: str | None = None
    m = _INSTANCE.match(msg)
    body = msg
    if m:
        instance, body = m["instance"], m["rest"]
    for pattern, kind, values in _RULES:
        hit = pattern.match(body)
        if hit:
            v = values(hit)
            return KeepalivedEvent(
                kind=kind,
                timestamp=timestamp,
                time_text=time_text,
                instance=instance,
                line=redact(msg),
                **v,
            )
    return None


def _split_time(line: str, tz: tzinfo, year: int | None) -> tuple[float | None, str, str] | None:
    """(epoch or None, time as written, message) for a line in one of the known forms."""
    m = _CONSOLE.match(line)
    if m:
        return _strptime(m["time"], "%a %b %d %H:%M:%S %Y", tz), m["time"], m["msg"]
    m = _UNIX.match(line)
    if m:
        return float(m["time"]), m["time"], m["msg"]
    m = _ISO.match(line)
    if m:
        try:
            dt = datetime.fromisoformat(m["time"].replace("Z", "+00:00"))
        except ValueError:
            return None, m["time"], m["msg"]
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=tz)
        return dt.timestamp(), m["time"], m["msg"]
    m = _SYSLOG.match(line)
    if m:
        ts = None
        if year is not None:
            ts = _strptime(f"{year} {m['time']}", "%Y %b %d %H:%M:%S", tz)
        return ts, m["time"], m["msg"]
    return None


def _strptime(text: str, fmt: str, tz: tzinfo) -> float | None:
    try:
        return datetime.strptime(" ".join(text.split()), fmt).replace(tzinfo=tz).timestamp()
    except ValueError:
        return None
