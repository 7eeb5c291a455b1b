"""`ipvsadm -Ln` -> the IPVS virtual services and their real servers (keepalived LVS mode).

The layout, per ipvsadm(8) and its `list_service`/`list_dest` printing:

    IP Virtual Server version 1.2.1 (size=4096)
    Prot LocalAddress:Port Scheduler Flags
      -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
    TCP  192.168.1.31:16443 rr persistent 50
      -> 192.168.1.25:6443            Route   1      0          0
    FWM  1 wlc
      -> [2001:db8::10]:6443          Masq    1      3          1

keepalived's `real_server ... TCP_CHECK` removes a failed real server from the table (or
sets its weight to 0 with `inhibit_on_failure`), so "up" here means present with weight > 0.
The test samples (tests/fixtures/handmade/ipvsadm-*.txt) are hand-made from this documented
format: there is no capture from a real LVS yet.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hatui.observations import LvsObservation, LvsRealServer, LvsVirtualService, ProbeError
from hatui.parsers._common import fail

SOURCE = "ipvsadm"

_ADDR_PORT = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<v4>[^:\s]+)):(?P<port>\d+)$")
_SERVICE = re.compile(
    r"^(?P<proto>TCP|UDP|SCTP|FWM)\s+(?P<target>\S+)\s+(?P<sched>\S+)(?P<flags>.*)$"
)
_REAL_FORMAT = "expected 'address:port forward weight active inactive'"


def _split(target: str) -> tuple[str, int] | None:
    m = _ADDR_PORT.match(target)
    if m is None:
        return None
    return (m["v6"] or m["v4"]), int(m["port"])


def parse_ipvsadm(text: str) -> LvsObservation | ProbeError:
    """Parse `ipvsadm -Ln` (numeric). An empty table is a valid, empty observation."""
    if not text.strip():
        return fail(SOURCE, "empty output (expected `ipvsadm -Ln`)")
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    if not lines[0].startswith("IP Virtual Server version"):
        return fail(SOURCE, "no 'IP Virtual Server version' banner: not `ipvsadm -Ln` output", text)
    # Each virtual service line opens a group; the real server lines below it fill it.
    groups: list[tuple[LvsVirtualService, list[LvsRealServer]]] = []
    for n, line in enumerate(lines[1:], start=2):
        body = line.strip()
        if body.startswith("Prot LocalAddress") or body.startswith("-> RemoteAddress"):
            continue
        if body.startswith("->"):
            if not groups:
                return fail(SOURCE, f"line {n}: real server before any virtual service", text)
            real = _real_server(body[2:].split())
            if real is None:
                return fail(SOURCE, f"line {n}: {_REAL_FORMAT}", text)
            groups[-1][1].append(real)
            continue
        m = _SERVICE.match(body)
        if m is None:
            return fail(SOURCE, f"line {n}: not a virtual service or real server line", text)
        port: int | None = None
        address = m["target"]
        if m["proto"] != "FWM":
            where = _split(m["target"])
            if where is None:
                return fail(SOURCE, f"line {n}: {m['target']!r} is not address:port", text)
            address, port = where
        service = LvsVirtualService(
            protocol=m["proto"],
            address=address,
            port=port,
            scheduler=m["sched"],
            flags=tuple(m["flags"].split()),
            real_servers=(),
        )
        groups.append((service, []))
    return LvsObservation(
        services=tuple(replace(svc, real_servers=tuple(reals)) for svc, reals in groups)
    )


def _real_server(words: list[str]) -> LvsRealServer | None:
    """A real server from the words after "->", or None when the line is malformed/cut."""
    where = _split(words[0]) if words else None
    if len(words) != 5 or where is None:
        return None
    numbers = [int(w) for w in words[2:] if w.lstrip("-").isdigit()]
    if len(numbers) != 3:
        return None
    weight, active, inactive = numbers
    return LvsRealServer(
        address=where[0],
        port=where[1],
        forward=words[1],
        weight=weight,
        active_conns=active,
        inactive_conns=inactive,
    )
