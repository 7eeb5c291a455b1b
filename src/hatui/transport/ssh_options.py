"""Everything asyncssh needs to know before it connects, and how its failures are named.

Kept apart from the pool so the pieces without a network (known_hosts matching, trust on
first use, error naming) are plain functions with unit tests.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from hatui.inventory import SshSettings
from hatui.transport.errors import (
    AuthFailed,
    HostKeyMismatch,
    HostKeyUnknown,
    IdentityFileError,
    LinkDown,
    Unreachable,
)

log = logging.getLogger("hatui.transport")

KEEPALIVE_COUNT_MAX = 2
"""Unanswered keepalives before asyncssh drops a connection (a silent peer is dead)."""


def known_hosts_pattern(host: str, port: int) -> str:
    """How known_hosts names a host: `host` on port 22, `[host]:port` otherwise."""
    return host if port == 22 else f"[{host}]:{port}"


def load_identities(paths: Sequence[str]) -> list[asyncssh.SSHKeyPair]:
    """Read the inventory's identity files once; IdentityFileError names the bad one."""
    keys: list[asyncssh.SSHKeyPair] = []
    for path in paths:
        try:
            keys.extend(asyncssh.load_keypairs([path]))
        except (OSError, ValueError) as exc:  # asyncssh key errors are ValueErrors
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise IdentityFileError(f"identity file {path}: {detail}") from exc
    return keys


@dataclass(frozen=True)
class HostTrust:
    """What known_hosts says about one host, read just before connecting to it."""

    known_hosts: asyncssh.SSHKnownHosts
    host_known: bool
    """The file has at least one key (or CA) for this host: a different key is a mismatch."""
    missing_file: bool = False


def read_host_trust(path: str, host: str, port: int) -> HostTrust:
    """Parse `path` (re-read every attempt, so keys added by hand count) for `host`.

    A missing file is an empty one; an unreadable or broken one is an error (OSError or
    ValueError) that the caller reports as the link's reason.
    """
    try:
        known = asyncssh.read_known_hosts(path)
        missing = False
    except FileNotFoundError:
        known = asyncssh.import_known_hosts("")
        missing = True
    trusted, cas, *_ = asyncssh.match_known_hosts(known, host, "", port if port != 22 else None)
    return HostTrust(known, bool(trusted or cas), missing)


class TrustingClient(asyncssh.SSHClient):
    """The asyncssh client used for every connection.

    asyncssh checks the server's key against known_hosts itself and asks this object only
    about keys it does not trust. With `accept_new` and a host that has no entry at all, the
    key is trusted and appended to known_hosts (OpenSSH's StrictHostKeyChecking=accept-new);
    a key that differs from a known one is always refused.
    """

    def __init__(self, trust: HostTrust, accept_new: bool, known_hosts_path: str) -> None:
        self._trust = trust
        self._accept_new = accept_new
        self._path = known_hosts_path

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        if not self._accept_new or self._trust.host_known:
            return False
        try:
            append_known_host(self._path, known_hosts_pattern(host, port), key)
        except OSError as exc:
            log.warning("cannot record the new host key of %s in %s: %s", host, self._path, exc)
            return False
        log.warning(
            "trusted the new host key of %s on first use (%s), added to %s",
            host,
            key.get_fingerprint(),
            self._path,
        )
        return True


def append_known_host(path: str, pattern: str, key: asyncssh.SSHKey) -> None:
    """Append one `pattern keytype base64` line to known_hosts, creating the file if needed."""
    file = Path(path)
    if not file.parent.exists():
        file.parent.mkdir(mode=0o700, parents=True)
    line = pattern + " " + key.export_public_key("openssh").decode("ascii").split("\n")[0]
    with open(file, "a", encoding="ascii") as f:
        f.write(line.rstrip() + "\n")


CIPHERS = (
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
)
"""Ciphers in hatui's order of preference. AES-GCM first: asyncssh does it in one call to
the (AES-NI) cipher per packet, where chacha20-poly1305, OpenSSH's own first choice, costs
several Python-level calls per packet; that CPU is spent on the app's event loop
(benchmarks/bench_ui_latency.py)."""


def connect_options(
    ssh: SshSettings, identities: Sequence[asyncssh.SSHKeyPair]
) -> dict[str, object]:
    """The asyncssh.connect keywords common to every node (user/port/known_hosts aside)."""
    use_agent = ssh.agent and bool(os.environ.get("SSH_AUTH_SOCK"))
    options: dict[str, object] = {
        # None: no ~/.ssh/config at all; (): asyncssh's default, ~/.ssh/config when present.
        "config": () if ssh.use_ssh_config else None,
        "agent_path": () if use_agent else None,
        "connect_timeout": ssh.connect_timeout,
        # A connection that stops answering is dropped after about 3 keepalive intervals
        # so that the pool sees it and reconnects, rather than hanging every call.
        "keepalive_interval": max(1.0, ssh.connect_timeout),
        "keepalive_count_max": KEEPALIVE_COUNT_MAX,
        "encryption_algs": list(CIPHERS),
    }
    if identities:
        # Only these keys; without any, asyncssh offers ~/.ssh/id_* and config IdentityFiles.
        options["client_keys"] = list(identities)
    return options


_ERRNO_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.EHOSTUNREACH: "no route to host",
    errno.ENETUNREACH: "network unreachable",
    errno.ECONNRESET: "connection reset",
    errno.ETIMEDOUT: "connection timed out",
}


def link_failure(
    node: str,
    exc: BaseException,
    *,
    timeout: float,
    host_known: bool = True,
    prefix: str = "",
) -> LinkDown:
    """Name a failure to connect (or a lost connection) as the LinkDown the pool reports.

    `host_known` says whether known_hosts had a key for the host, which tells a changed key
    (mismatch) from a host never seen. `prefix` marks failures of the jump host.
    """
    cls: type[LinkDown] = Unreachable
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        cls = HostKeyMismatch if host_known else HostKeyUnknown
        reason = cls.default_reason
    elif isinstance(exc, asyncssh.PermissionDenied):
        cls, reason = AuthFailed, AuthFailed.default_reason
    elif isinstance(exc, TimeoutError):  # asyncio.TimeoutError is this one since 3.11
        # before OSError: TimeoutError is one
        reason = f"timeout after {timeout:.1f}s"
    elif isinstance(exc, socket.gaierror):
        reason = f"cannot resolve host ({exc.strerror or exc})"
    elif isinstance(exc, OSError):
        reason = _ERRNO_REASONS.get(exc.errno or 0) or (exc.strerror or str(exc) or "os error")
        reason = reason[0].lower() + reason[1:]
    elif isinstance(exc, asyncssh.ConnectionLost):
        reason = "connection lost"
    elif isinstance(exc, asyncssh.DisconnectError):
        reason = f"disconnected: {exc.reason}" if exc.reason else "disconnected"
    elif isinstance(exc, asyncssh.Error):
        reason = exc.reason or type(exc).__name__
    else:
        reason = str(exc) or type(exc).__name__
    return cls(node, prefix + reason)
