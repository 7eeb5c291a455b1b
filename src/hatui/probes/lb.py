"""Load-balancer probe, on each LB node, by the inventory's kind:

- HAProxy: `show stat` over its admin socket, opened through SSH's own channel (no socat on
  the master); `hatui.parsers.haproxy` reads the CSV.
- nginx (stream): it has no status API, so each apiserver (every master's address at the
  apiserver port) gets a TCP connect *from the LB node*, all at once, and the tail of
  nginx's error log says what nginx itself saw.
- LVS: `ipvsadm -Ln`.
- none: nothing to probe (the model then leaves the LB out).
"""

from __future__ import annotations

import asyncio

from hatui.errors import TransportError
from hatui.inventory import Inventory, LbKind, shell_quote
from hatui.inventory.checks import join_host_port
from hatui.model import Probe
from hatui.observations import BackendConnect, LbObservation, NginxErrorLog, ProbeError
from hatui.parsers import (
    nginx_observation,
    parse_haproxy_stat,
    parse_ipvsadm,
    parse_nginx_error_log,
)
from hatui.probes._common import exit_failure, probe, transport_failure
from hatui.probes.keepalived import node_tz
from hatui.transport import Transport
from hatui.transport.errors import ChannelFailed, LinkDown

HAPROXY_SOURCE = "haproxy-stat"
NGINX_SOURCE = "nginx"
LVS_SOURCE = "ipvsadm"

NGINX_LOG_LINES = 200
SHOW_STAT = b"show stat\n"
IPVSADM_COMMAND = "ipvsadm -Ln"


async def probe_lb(
    transport: Transport, inventory: Inventory, node: str, timeout: float | None = None
) -> Probe[LbObservation] | None:
    """The LB on `node` as the inventory's kind says; None when the node runs no LB."""
    lb = inventory.load_balancer
    if lb.kind is LbKind.NONE or node not in lb.hosts:
        return None
    if lb.kind is LbKind.HAPROXY:
        return await probe_haproxy(transport, inventory, node, timeout)
    if lb.kind is LbKind.NGINX:
        return await probe_nginx(transport, inventory, node, timeout)
    return await probe_lvs(transport, node, timeout)


async def probe_haproxy(
    transport: Transport, inventory: Inventory, node: str, timeout: float | None = None
) -> Probe[LbObservation]:
    """HAProxy's `show stat` on `node`, through its admin socket."""
    socket_path = inventory.load_balancer.haproxy_socket
    try:
        answer = await transport.unix_request(node, socket_path, SHOW_STAT, timeout)
    except TransportError as err:
        failure = transport_failure(HAPROXY_SOURCE, err)
        if isinstance(err, ChannelFailed):
            failure = ProbeError(
                HAPROXY_SOURCE, f"admin socket {socket_path}: {err.reason} (is HAProxy running?)"
            )
        return probe(failure)
    result: LbObservation | ProbeError = parse_haproxy_stat(answer.decode("utf-8", "replace"))
    return probe(result)


def nginx_log_command(inventory: Inventory, lines: int = NGINX_LOG_LINES) -> str:
    """The command printing the node's UTC offset (nginx logs local time), then the last
    lines of nginx's error log."""
    path = shell_quote(inventory.load_balancer.nginx_error_log)
    return f"date +%z; tail -n {int(lines)} {path}"


async def _connect(
    transport: Transport, node: str, host: str, port: int, timeout: float | None
) -> BackendConnect | LinkDown:
    """One backend's connect result, or the LinkDown that kept it from being tried."""
    backend = join_host_port(host, port)
    try:
        seconds = await transport.tcp_connect_check(node, host, port, timeout)
    except LinkDown as err:
        return err
    except TransportError as err:  # refused, unreachable from there, timed out
        return BackendConnect(backend=backend, ok=False, error=getattr(err, "reason", str(err)))
    return BackendConnect(backend=backend, ok=True, duration_ms=seconds * 1000)


async def _nginx_log(
    transport: Transport, inventory: Inventory, node: str, timeout: float | None
) -> NginxErrorLog | ProbeError:
    try:
        result = await transport.run(node, nginx_log_command(inventory), timeout)
    except TransportError as err:
        return transport_failure(NGINX_SOURCE + "-log", err)
    if not result.ok:
        return exit_failure(NGINX_SOURCE + "-log", "reading nginx's error log", result)
    offset, _, text = result.stdout.partition("\n")
    return parse_nginx_error_log(text, tz=node_tz(offset))


async def probe_nginx(
    transport: Transport, inventory: Inventory, node: str, timeout: float | None = None
) -> Probe[LbObservation]:
    """A TCP connect from `node` to every apiserver, plus what nginx's error log says."""
    port = inventory.apiserver.port
    log_task = _nginx_log(transport, inventory, node, timeout)
    connects = [_connect(transport, node, m.host, port, timeout) for m in inventory.masters]
    results, log = await asyncio.gather(asyncio.gather(*connects), log_task)
    down = next((r for r in results if isinstance(r, LinkDown)), None)
    if down is not None:
        return probe(transport_failure(NGINX_SOURCE, down))
    done = [r for r in results if isinstance(r, BackendConnect)]
    return probe(nginx_observation(done, log))


async def probe_lvs(
    transport: Transport, node: str, timeout: float | None = None
) -> Probe[LbObservation]:
    """The IPVS table on `node`."""
    try:
        result = await transport.run(node, IPVSADM_COMMAND, timeout)
    except TransportError as err:
        return probe(transport_failure(LVS_SOURCE, err))
    if not result.ok:
        return probe(exit_failure(LVS_SOURCE, "ipvsadm -Ln", result), result.finished)
    parsed: LbObservation | ProbeError = parse_ipvsadm(result.stdout)
    return probe(parsed, result.finished)
