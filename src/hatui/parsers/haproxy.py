"""HAProxy `show stat` (admin socket CSV) -> per backend server status and check results.

The first line is the header (`# pxname,svname,qcur,...`); then one row per frontend, server
and backend. FRONTEND rows are skipped; BACKEND rows become `HaproxyBackend` (the aggregate
status and the number of active servers); every other row is a server. Columns are found by
name, so HAProxy versions with more or fewer columns read the same.

Status is normalised to UP/DOWN/MAINT/NOLB/DRAIN/NO CHECK with the raw text kept: HAProxy
writes transitional states as "UP 1/3" (up, 1 failed check of the 3 that mark it down) or
"DOWN 1/2" (down, 1 good check of 2 towards up), and "MAINT (via b/s)", "no check".
Truncated output is detected (a row shorter than the header, or servers of a proxy with no
BACKEND row after them) and reported rather than read as fewer servers.
"""

from __future__ import annotations

import csv
import io

from hatui.observations import (
    HaproxyBackend,
    HaproxyObservation,
    HaproxyServer,
    ProbeError,
    ServerStatus,
)
from hatui.parsers._common import as_int, fail

SOURCE = "haproxy-stat"

_REQUIRED = ("pxname", "svname", "status")


def normalise_status(raw: str) -> tuple[ServerStatus, str | None]:
    """(normalised status, transition like "1/3" or None) from HAProxy's status text."""
    text = raw.strip()
    if text.lower() == "no check":
        return ServerStatus.NO_CHECK, None
    words = text.split()
    if not words:
        return ServerStatus.UNKNOWN, None
    head = words[0].upper()
    if head.startswith("MAINT"):
        return ServerStatus.MAINT, None
    transition = words[1] if len(words) > 1 and "/" in words[1] else None
    try:
        return ServerStatus(head), transition
    except ValueError:
        return ServerStatus.UNKNOWN, transition


def parse_haproxy_stat(text: str) -> HaproxyObservation | ProbeError:
    """Parse `show stat` CSV into server rows and backend summaries."""
    if not text.strip():
        return fail(SOURCE, "empty output (expected `show stat` CSV)")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    first = lines[0]
    if not first.startswith("# pxname"):
        return fail(SOURCE, "no '# pxname,svname,...' header: not HAProxy `show stat` CSV", text)
    # HAProxy ends the header and every row with a comma; a header without one was cut.
    if not first.rstrip().endswith(","):
        return fail(SOURCE, "the header line is cut off: truncated output?", text)
    if len(lines) < 2:
        return fail(SOURCE, "a header but no rows: truncated output?", text)
    header = first[2:].split(",")
    column = {name: i for i, name in enumerate(header) if name}
    missing = [c for c in _REQUIRED if c not in column]
    if missing:
        return fail(SOURCE, f"header lacks column(s) {', '.join(missing)}", text)
    servers: list[HaproxyServer] = []
    backends: list[HaproxyBackend] = []
    for n, row in enumerate(csv.reader(io.StringIO("\n".join(lines[1:]))), start=2):
        if len(row) < len(header):
            return fail(
                SOURCE,
                f"line {n} has {len(row)} fields, the header {len(header)}: truncated?",
                text,
            )

        def get(name: str, row: list[str] = row) -> str:
            i = column.get(name)
            return row[i] if i is not None and i < len(row) else ""

        proxy, svname, status_raw = get("pxname"), get("svname"), get("status")
        status, transition = normalise_status(status_raw)
        if svname == "FRONTEND":
            continue
        if svname == "BACKEND":
            backends.append(
                HaproxyBackend(
                    proxy=proxy,
                    status=status,
                    status_raw=status_raw,
                    active_servers=as_int(get("act")),
                    backup_servers=as_int(get("bck")),
                    last_change_s=as_int(get("lastchg")),
                )
            )
            continue
        check_status = get("check_status").removeprefix("* ").strip() or None
        servers.append(
            HaproxyServer(
                proxy=proxy,
                server=svname,
                status=status,
                status_raw=status_raw,
                transition=transition,
                addr=get("addr") or None,
                check_status=check_status,
                check_desc=get("check_desc") or None,
                check_duration_ms=as_int(get("check_duration")),
                last_change_s=as_int(get("lastchg")),
                downtime_s=as_int(get("downtime")),
                chkfail=as_int(get("chkfail")),
                chkdown=as_int(get("chkdown")),
                weight=as_int(get("weight")),
            )
        )
    with_summary = {b.proxy for b in backends}
    cut = sorted({s.proxy for s in servers} - with_summary)
    if cut:
        return fail(
            SOURCE, f"no BACKEND row after the servers of {', '.join(cut)}: truncated?", text
        )
    return HaproxyObservation(servers=tuple(servers), backends=tuple(backends))
