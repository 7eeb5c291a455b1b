"""VIP probe: every address on the node (`ip -o addr`), from which the model tells who holds
the VIP. One command per node; `hatui.parsers.vip` reads it."""

from __future__ import annotations

from hatui.errors import TransportError
from hatui.model import Probe
from hatui.observations import AddressObservation
from hatui.parsers import parse_ip_addr
from hatui.probes._common import exit_failure, probe, transport_failure
from hatui.transport import Transport

SOURCE = "ip-addr"

COMMAND = "ip -o addr show"
"""All addresses of all interfaces, one line each (no inventory value is needed)."""


async def probe_addresses(
    transport: Transport, node: str, timeout: float | None = None
) -> Probe[AddressObservation]:
    """The node's addresses, or a ProbeError saying why they could not be read."""
    try:
        result = await transport.run(node, COMMAND, timeout)
    except TransportError as err:
        return probe(transport_failure(SOURCE, err))
    if not result.ok:
        return probe(exit_failure(SOURCE, "ip -o addr", result), result.finished)
    return probe(parse_ip_addr(result.stdout), result.finished)
