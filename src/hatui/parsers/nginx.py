"""nginx stream load balancer: its error log -> the latest failure of each upstream server.

nginx OSS has no status API for `stream` upstreams (seed 004), so hatui judges each backend
by a TCP connect from the LB node (`BackendConnect`, made by the probe runner) and reads
nginx's error log for what nginx itself saw. Lines look like

    2026/11/23 09:44:47 [error] 1234#1234: *5 connect() failed (111: Connection refused)
      while connecting to upstream, client: 10.0.0.1, server: 0.0.0.0:16443,
      upstream: "10.0.0.11:6443", bytes from/to client:0/0, bytes from/to upstream:0/0
    2026/11/23 09:44:47 [warn] 1234#1234: *5 upstream server temporarily disabled while
      connecting to upstream, client: ..., upstream: "10.0.0.11:6443", ...
    2026/11/23 09:44:52 [error] 1234#1234: *9 no live upstreams while connecting to
      upstream, client: ..., upstream: "backend", ...

(one line each in the log). The format is nginx's `ngx_log_error` layout
(`YYYY/MM/DD HH:MM:SS [level] pid#tid: *conn message, key: value, ...`); the samples in
tests/fixtures/handmade/ are hand-made from it: there is no capture from a real nginx yet.
Times are nginx's local time, read in `tz`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from hatui.observations import (
    BackendConnect,
    NginxErrorLog,
    NginxObservation,
    NginxUpstreamFailure,
    ProbeError,
)
from hatui.parsers.redact import redact

_LINE = re.compile(
    r"^(?P<time>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(?P<level>\w+)\] \d+#\d+: (?:\*\d+ )?(?P<msg>.*)$"
)
_UPSTREAM = re.compile(r', upstream: "(?P<upstream>[^"]+)"')
_LISTEN = re.compile(r", server: (?P<server>[^,]+)")
_DISABLED = "upstream server temporarily disabled"


@dataclass
class _Acc:
    """Running state of one upstream while the log is read."""

    reason: str
    last_at: float | None
    time_text: str
    count: int
    disabled: bool
    listen: str | None


def parse_nginx_error_log(text: str, *, tz: tzinfo = UTC) -> NginxErrorLog:
    """Per-upstream failures in nginx's error log, in order of first appearance.

    Never fails: lines that are not upstream failures are counted in `skipped_lines`.
    """
    acc: dict[str, _Acc] = {}
    skipped = 0
    for raw in text.splitlines():
        m = _LINE.match(raw.strip())
        up = _UPSTREAM.search(raw) if m else None
        if m is None or up is None or m["level"] not in ("error", "warn", "crit", "alert"):
            if raw.strip():
                skipped += 1
            continue
        upstream = up["upstream"]
        msg = m["msg"]
        reason = msg.split(" while ", 1)[0].strip()
        listen_m = _LISTEN.search(msg)
        listen = listen_m["server"].strip() if listen_m else None
        when = _time(m["time"], tz)
        entry = acc.get(upstream)
        if msg.startswith(_DISABLED):
            if entry is None:
                acc[upstream] = _Acc(reason, when, m["time"], 0, True, listen)
            else:
                entry.disabled = True
            continue
        if entry is None:
            acc[upstream] = _Acc(redact(reason), when, m["time"], 1, False, listen)
        else:
            entry.reason, entry.last_at, entry.time_text = redact(reason), when, m["time"]
            entry.count += 1
            entry.disabled = False
            entry.listen = listen or entry.listen
    failures = tuple(
        NginxUpstreamFailure(
            upstream=name,
            reason=a.reason,
            last_at=a.last_at,
            time_text=a.time_text,
            count=a.count,
            disabled=a.disabled,
            listen=a.listen,
        )
        for name, a in acc.items()
    )
    return NginxErrorLog(failures=failures, skipped_lines=skipped)


def _time(text: str, tz: tzinfo) -> float | None:
    try:
        return datetime.strptime(text, "%Y/%m/%d %H:%M:%S").replace(tzinfo=tz).timestamp()
    except ValueError:
        return None


def nginx_observation(
    connects: tuple[BackendConnect, ...] | list[BackendConnect],
    log: NginxErrorLog | ProbeError | None = None,
) -> NginxObservation:
    """The nginx observation of one LB node from its connect results and its error log."""
    return NginxObservation(connects=tuple(connects), log=log)
