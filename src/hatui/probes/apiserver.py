"""apiserver probes: each master's own `/readyz` and `/livez`, and the API through the VIP.

- On each master, one script runs `curl` for `/readyz?verbose` and `/livez?verbose` on
  127.0.0.1:<apiserver port> at the same time, each bounded by `--max-time`. A refused or
  timed-out connection is an answer ("not ready: connection refused"), not a probe error;
  only a script that cannot run (no curl) is.
- From this machine (the jump host), `check_api_via_vip` asks the client endpoint (VIP:LB
  port) for `/readyz?verbose` over TLS with asyncio: the only check that tells whether
  users reach the API. The certificate is verified only when a CA is known (the
  kubeconfig's cluster CA); otherwise the check is about reachability and readiness, not
  identity, like `curl -k`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import ssl
import time
from pathlib import Path

import yaml

from hatui.errors import TransportError
from hatui.inventory import Inventory
from hatui.inventory.checks import join_host_port
from hatui.model import Probe
from hatui.observations import ApiHealthObservation, ProbeError
from hatui.parsers import parse_apiserver_health, redact
from hatui.probes._common import last_line, probe, transport_failure
from hatui.probes._shell import Part, new_nonce, parallel_parts, parallel_script
from hatui.transport import Transport

SOURCE = "apiserver"
VIA_VIP_SOURCE = "api-via-vip"

ENDPOINTS = ("readyz", "livez")
CODE_MARK = "@@hatui-http-code@@"
MAX_BODY = 1024 * 1024
HTTP_TIMEOUT = 2.0

_CURL_NO_ANSWER = {
    6: "cannot resolve",
    7: "cannot connect",
    28: "timed out",
    35: "TLS handshake failed",
    52: "empty reply",
    56: "connection reset",
}
"""curl exits that mean the apiserver did not answer: a fact about it, not a probe failure."""


def health_script(inventory: Inventory, nonce: str, max_time: float = HTTP_TIMEOUT) -> str:
    """The sh script asking the local apiserver for /readyz and /livez at the same time."""
    base = f"https://{join_host_port('127.0.0.1', inventory.apiserver.port)}"
    insecure = "-k " if inventory.apiserver_checks.insecure_skip_tls_verify else ""
    commands = {
        name: (
            f"curl -sS {insecure}--max-time {max_time:.1f} -w '\\n{CODE_MARK}%{{http_code}}' "
            f"'{base}/{name}?verbose'"
        )
        for name in ENDPOINTS
    }
    return parallel_script(nonce, commands)


def read_health_part(name: str, part: Part) -> ApiHealthObservation | ProbeError:
    """One endpoint's curl outcome as an observation (pure)."""
    source = f"{SOURCE}-{name}"
    if part.exit_status is None:
        return ProbeError(source, "the probe script was cut short")
    if part.exit_status == 127:
        return ProbeError(source, "curl not found on this master")
    body, _, code_text = part.stdout.rpartition(CODE_MARK)
    if part.exit_status != 0:
        reason = last_line(part.stderr) or f"curl exited with status {part.exit_status}"
        word = _CURL_NO_ANSWER.get(part.exit_status)
        if word is not None:
            return ApiHealthObservation(endpoint=name, ok=False, message=f"{word}: {reason}")
        return ProbeError(source, reason)
    code = int(code_text) if code_text.strip().isdigit() else None
    return parse_apiserver_health(body, code, endpoint=name)


async def probe_apiserver(
    transport: Transport, inventory: Inventory, node: str, timeout: float | None = None
) -> tuple[Probe[ApiHealthObservation], Probe[ApiHealthObservation]]:
    """(readyz, livez) of `node`'s apiserver, asked from `node` itself."""
    limit = inventory.ssh.command_timeout if timeout is None else timeout
    max_time = max(0.2, min(HTTP_TIMEOUT, limit - 0.5))
    nonce = new_nonce()
    try:
        result = await transport.run(node, health_script(inventory, nonce, max_time), limit)
    except TransportError as err:
        return (
            probe(transport_failure(f"{SOURCE}-readyz", err)),
            probe(transport_failure(f"{SOURCE}-livez", err)),
        )
    parts = parallel_parts(result.stdout, nonce, ENDPOINTS)
    readyz, livez = (read_health_part(n, parts[n]) for n in ENDPOINTS)
    return probe(readyz, result.finished), probe(livez, result.finished)


# --------------------------------------------------------------------------------------------
# the API through the client endpoint, from this machine


def kubeconfig_ca(path: str | None) -> bytes | None:
    """The PEM CA of the kubeconfig's current cluster, if one is written there.

    None (no verification) when there is no kubeconfig, no CA in it, or it cannot be read:
    the check then still says whether the API answers.
    """
    if path is None:
        return None
    try:
        doc = yaml.safe_load(Path(path).expanduser().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(doc, dict):
        return None
    contexts = {c.get("name"): c.get("context") or {} for c in doc.get("contexts") or []}
    current = contexts.get(doc.get("current-context")) or {}
    clusters = {c.get("name"): c.get("cluster") or {} for c in doc.get("clusters") or []}
    cluster = clusters.get(current.get("cluster")) or {}
    data = cluster.get("certificate-authority-data")
    if isinstance(data, str):
        try:
            return base64.b64decode(data)
        except (binascii.Error, ValueError):
            return None
    file = cluster.get("certificate-authority")
    if isinstance(file, str):
        try:
            return (Path(path).expanduser().parent / file).read_bytes()
        except OSError:
            return None
    return None


@functools.lru_cache(maxsize=8)
def tls_context(ca_pem: bytes | None) -> ssl.SSLContext:
    """Verifying against `ca_pem` when given; otherwise no verification (like `curl -k`).

    Cached: making a context that loads the system's CA store takes ~80 ms, which every
    sweep would otherwise spend on the app's event loop. Without a CA none is loaded.
    """
    if ca_pem is not None:
        return ssl.create_default_context(cadata=ca_pem.decode("ascii", "replace"))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def parse_http_response(raw: bytes) -> tuple[int, str] | str:
    """(status code, body) of an HTTP/1.x response read to EOF, or what was wrong (pure).

    Handles Content-Length, chunked transfer encoding and a body ended by the close.
    """
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep:
        return "the answer was cut off before the end of its headers" if raw else "empty answer"
    lines = head.decode("iso-8859-1").split("\r\n")
    status = lines[0].split(None, 2)
    if len(status) < 2 or not status[0].startswith("HTTP/") or not status[1].isdigit():
        return f"not an HTTP answer: {redact(lines[0])[:80]!r}"
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    body = rest
    if "chunked" in headers.get("transfer-encoding", "").lower():
        decoded = _dechunk(rest)
        if decoded is None:
            return "the chunked body was cut off"
        body = decoded
    elif headers.get("content-length", "").isdigit():
        length = int(headers["content-length"])
        if len(rest) < length:
            return f"the body was cut off ({len(rest)} of {length} bytes)"
        body = rest[:length]
    return int(status[1]), body.decode("utf-8", "replace")


def _dechunk(data: bytes) -> bytes | None:
    out = bytearray()
    while True:
        size_line, sep, data = data.partition(b"\r\n")
        if not sep:
            return None
        try:
            size = int(size_line.split(b";")[0].strip() or b"x", 16)
        except ValueError:
            return None
        if size == 0:
            return bytes(out)
        if len(data) < size + 2:
            return None
        out += data[:size]
        data = data[size + 2 :]


async def _fetch(host: str, port: int, path: str, ctx: ssl.SSLContext) -> bytes:
    reader, writer = await asyncio.open_connection(
        host, port, ssl=ctx, server_hostname=host if ctx.check_hostname else None
    )
    try:
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {join_host_port(host, port)}\r\n"
            "User-Agent: hatui\r\nAccept: text/plain, */*\r\nConnection: close\r\n\r\n"
        )
        writer.write(request.encode("ascii"))
        await writer.drain()
        chunks: list[bytes] = []
        size = 0
        while chunk := await reader.read(65536):
            size += len(chunk)
            if size > MAX_BODY:
                raise ValueError(f"answer larger than {MAX_BODY} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (OSError, ssl.SSLError):
            pass  # the peer closed first or the TLS close was not clean: we have our answer


async def check_api_via_vip(
    inventory: Inventory, timeout: float = HTTP_TIMEOUT, ca_pem: bytes | None = None
) -> Probe[ApiHealthObservation]:
    """GET /readyz?verbose on the client endpoint (VIP:LB port) from this machine."""
    host, port = inventory.api_endpoint
    if ca_pem is None:
        ca_pem = kubeconfig_ca(inventory.kubeconfig)
    try:
        ctx = tls_context(ca_pem)
    except ssl.SSLError as exc:
        return probe(ProbeError(VIA_VIP_SOURCE, f"the kubeconfig's CA is unusable: {exc}"))
    where = join_host_port(host, port)
    try:
        async with asyncio.timeout(timeout):
            raw = await _fetch(host, port, "/readyz?verbose", ctx)
    except TimeoutError:
        return probe(ProbeError(VIA_VIP_SOURCE, f"{where}: no answer within {timeout:.1f}s"))
    except ssl.SSLCertVerificationError as exc:
        return probe(ProbeError(VIA_VIP_SOURCE, f"{where}: TLS verification failed: {exc}"))
    except (OSError, ssl.SSLError, ValueError, EOFError) as exc:
        return probe(ProbeError(VIA_VIP_SOURCE, f"{where}: {_describe(exc)}"))
    observed = time.time()
    answer = parse_http_response(raw)
    if isinstance(answer, str):
        return probe(ProbeError(VIA_VIP_SOURCE, f"{where}: {answer}"), observed)
    code, body = answer
    return probe(parse_apiserver_health(body, code, endpoint="readyz"), observed)


def _describe(exc: BaseException) -> str:
    """A short reason for a failed connection ("connection refused")."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, ssl.SSLError | EOFError) or "EOF" in str(exc):
        return f"TLS handshake failed ({exc.__class__.__name__}: {exc})"
    text = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    return str(text).lower() if isinstance(text, str) else str(text)
