"""Opening one SSH connection: options, known_hosts trust, the jump host, named failures.

`Connector.open(master)` makes one attempt and either returns a connection or raises the
LinkDown that becomes the master's status reason; the pool decides when to try again.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncssh

from hatui.inventory import Master, SshSettings
from hatui.transport.errors import HostKeyUnknown, LinkDown, Unreachable
from hatui.transport.ssh_options import (
    HostTrust,
    TrustingClient,
    connect_options,
    link_failure,
    load_identities,
    read_host_trust,
)


class Connector:
    """Connects to masters as the inventory's ssh section says."""

    def __init__(self, ssh: SshSettings) -> None:
        self._ssh = ssh
        self._options: dict[str, object] | None = None
        self._jump_conn: asyncssh.SSHClientConnection | None = None
        self._jump_lock = asyncio.Lock()

    def prepare(self) -> None:
        """Load the identity files once (IdentityFileError if one is unusable)."""
        if self._options is None:
            self._options = connect_options(self._ssh, load_identities(self._ssh.identity_files))

    def open_jump_connections(self) -> list[asyncssh.SSHClientConnection]:
        """The jump host connection, if one is open (for the pool to close)."""
        return [self._jump_conn] if self._jump_conn is not None else []

    async def open(self, master: Master) -> asyncssh.SSHClientConnection:
        """One connect attempt to `master`; LinkDown says why it failed."""
        self.prepare()
        trust = self._trust(master.name, master.host, master.ssh_port)
        tunnel: asyncssh.SSHClientConnection | tuple[()] = ()
        if self._ssh.jump_host is not None:
            try:
                tunnel = await self._jump()
            except LinkDown as err:
                raise type(err)(master.name, err.reason) from None
        return await self._connect(
            master.name,
            master.host,
            trust,
            port=master.ssh_port,
            username=master.ssh_user,
            tunnel=tunnel,
        )

    async def _jump(self) -> asyncssh.SSHClientConnection:
        """The connection to the jump host that every master's connection is tunnelled
        through (asyncssh `tunnel=`), opened on first need and reopened once it drops."""
        jump = self._ssh.jump_host
        assert jump is not None
        async with self._jump_lock:
            if self._jump_conn is not None and not self._jump_conn.is_closed():
                return self._jump_conn
            self._jump_conn = None
            extra: dict[str, Any] = {}
            # what the inventory leaves out comes from ~/.ssh/config when it is honoured
            if jump.port is not None or not self._ssh.use_ssh_config:
                extra["port"] = jump.port or 22
            if jump.user is not None or not self._ssh.use_ssh_config:
                extra["username"] = jump.user or self._ssh.user
            prefix = f"jump host {jump}: "
            trust = self._trust("jump", jump.host, int(extra.get("port", 22)), prefix)
            self._jump_conn = await self._connect("jump", jump.host, trust, prefix=prefix, **extra)
            return self._jump_conn

    def _trust(self, node: str, host: str, port: int, prefix: str = "") -> HostTrust:
        path = self._ssh.known_hosts
        try:
            return read_host_trust(path, host, port)
        except (OSError, ValueError) as exc:
            raise HostKeyUnknown(node, f"{prefix}cannot read known_hosts {path}: {exc}") from None

    async def _connect(
        self, node: str, host: str, trust: HostTrust, *, prefix: str = "", **kwargs: Any
    ) -> asyncssh.SSHClientConnection:
        assert self._options is not None
        accept_new, path = self._ssh.accept_new_host_keys, self._ssh.known_hosts
        limit = self._ssh.connect_timeout
        try:
            # asyncssh applies connect_timeout itself; this outer bound also covers reading
            # ~/.ssh/config and opening the channel through the jump host
            async with asyncio.timeout(limit + 0.5):
                conn: asyncssh.SSHClientConnection = await asyncssh.connect(
                    host,
                    known_hosts=trust.known_hosts,
                    client_factory=lambda: TrustingClient(trust, accept_new, path),
                    **self._options,
                    **kwargs,
                )
                return conn
        except (TimeoutError, OSError, asyncssh.Error) as exc:
            err = link_failure(node, exc, timeout=limit, host_known=trust.host_known, prefix=prefix)
            if isinstance(err, HostKeyUnknown) and trust.missing_file:
                err = HostKeyUnknown(node, f"{prefix}host key unknown ({path} does not exist)")
            raise err from None
        except ValueError as exc:  # asyncssh's verdict on a bad option or ~/.ssh/config line
            raise Unreachable(node, f"{prefix}bad ssh option: {exc}") from None
