"""`ip -o addr` -> which interface carries which address; `vip_on` says where the VIP is.

One line per address, e.g.
`2: eth0    inet 10.232.0.10/24 scope global secondary eth0\\       valid_lft forever ...`.
The VIP is usually a `secondary` address on the node's main interface (keepalived adds it);
`vip_on` compares addresses as addresses (so "10.232.0.10" matches "10.232.0.10/24", and
IPv6 spellings are normalised).
"""

from __future__ import annotations

import ipaddress
import re

from hatui.observations import AddressObservation, InterfaceAddress, ProbeError
from hatui.parsers._common import fail

SOURCE = "ip-addr"

_LINE = re.compile(
    r"^(?P<index>\d+):\s+(?P<ifname>\S+?)(?:@\S+)?\s+(?P<family>inet6?)\s+"
    r"(?P<addr>[0-9A-Fa-f.:]+)(?:/(?P<prefix>\d+))?(?P<rest>(?:\s.*)?)$"
)


def parse_ip_addr(text: str) -> AddressObservation | ProbeError:
    """Parse `ip -o addr` (IPv4 and IPv6 lines). Anything else in the text is an error."""
    if not text.strip():
        return fail(SOURCE, "empty output (expected `ip -o addr` lines)")
    lines = [(n, raw) for n, raw in enumerate(text.splitlines(), start=1) if raw.strip()]
    # iproute2 ends every -o line with the lifetimes; a last line without them while the
    # others have them was cut off (a truncated prefix length would otherwise look valid).
    lifetimes = ["preferred_lft" in raw for _, raw in lines]
    if len(lines) > 1 and all(lifetimes[:-1]) and not lifetimes[-1]:
        return fail(SOURCE, f"line {lines[-1][0]} is cut off: truncated output?", lines[-1][1])
    addresses: list[InterfaceAddress] = []
    for n, raw in lines:
        m = _LINE.match(raw.strip())
        if m is None:
            return fail(SOURCE, f"line {n}: not an `ip -o addr` address line", raw)
        try:
            addr = ipaddress.ip_address(m["addr"])
        except ValueError:
            return fail(SOURCE, f"line {n}: {m['addr']!r} is not an IP address", raw)
        words = m["rest"].split("\\")[0].split()
        scope = words[words.index("scope") + 1] if "scope" in words[:-1] else None
        label = None
        if m["family"] == "inet" and words and words[-1] not in ("secondary", "dynamic"):
            last = words[-1]
            if last != m["ifname"] and last.startswith(m["ifname"]):
                label = last
        addresses.append(
            InterfaceAddress(
                index=int(m["index"]),
                interface=m["ifname"],
                family=m["family"],
                address=str(addr),
                prefixlen=int(m["prefix"]) if m["prefix"] else addr.max_prefixlen,
                scope=scope,
                secondary="secondary" in words,
                label=label,
            )
        )
    return AddressObservation(addresses=tuple(addresses))


def vip_on(observation: AddressObservation, vip: str) -> str | None:
    """The interface that carries `vip` ("10.0.0.10" or "10.0.0.10/24"), or None.

    None as well when `vip` is not an address at all (the caller validated it already).
    """
    try:
        wanted = ipaddress.ip_interface(vip.strip()).ip
    except ValueError:
        return None
    for a in observation.addresses:
        if ipaddress.ip_address(a.address) == wanted:
            return a.interface
    return None
