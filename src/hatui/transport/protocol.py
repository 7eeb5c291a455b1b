"""The one interface probes use to reach the masters; SshPool is the real implementation.

Every call is async and bounded by a timeout, and fails only with the errors of
`hatui.transport.errors` (all `TransportError`). A node is named as in the inventory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Protocol, runtime_checkable

from hatui.errors import TransportError
from hatui.transport.types import CommandResult, NodeLink


@runtime_checkable
class Transport(Protocol):
    """Run commands and open sockets on the masters.

    `timeout=None` means the inventory's `ssh.command_timeout`. A node whose link is down
    fails at once with a `LinkDown` carrying the reason, rather than waiting for a retry.
    """

    async def run(self, node: str, command: str, timeout: float | None = None) -> CommandResult:
        """Run a shell command on `node` and return its output and exit status.

        A non-zero exit is returned, not raised. Raises LinkDown (and subclasses) when there
        is no connection, CommandTimeout when the command outlives `timeout`.
        """
        ...

    async def run_all(
        self, command_by_node: Mapping[str, str], timeout: float | None = None
    ) -> dict[str, CommandResult | TransportError]:
        """Run one command per node, all at once; each node's failure is its value.

        Returns within `timeout` (plus scheduling noise) however slow or dead a node is.
        """
        ...

    def stream(self, node: str, command: str, timeout: float | None = None) -> AsyncIterator[str]:
        """Lines of a long-running command's stdout (`ip -o monitor address`, `tail -F`).

        `timeout` bounds only the start; lines come as they come. Cancel the consuming task
        or `aclose()` the iterator to stop: the remote command is ended (see
        `hatui.transport.remote`) and its channel closed. Ends when the command exits 0;
        CommandFailed if it exits non-zero, Unreachable if the connection drops, PoolClosed
        if the transport is closed meanwhile.
        """
        ...

    async def unix_request(
        self, node: str, path: str, payload: bytes, timeout: float | None = None
    ) -> bytes:
        """Send `payload` to the UNIX socket `path` on `node` and read the answer to EOF.

        Uses SSH's own channel (no socat on the master); the socket is opened as the login
        user (`sudo` does not apply). ChannelFailed if sshd cannot open it.
        """
        ...

    async def tcp_request(
        self, node: str, host: str, port: int, payload: bytes, timeout: float | None = None
    ) -> bytes:
        """Like unix_request, for a TCP port as seen from `node` (e.g. its loopback)."""
        ...

    async def tcp_connect_check(
        self, node: str, host: str, port: int, timeout: float | None = None
    ) -> float:
        """Seconds `node` took to open a TCP connection to host:port (SSH round trip included).

        ChannelFailed if the connection is refused or cannot be made.
        """
        ...

    def status(self, node: str) -> NodeLink:
        """The current state of `node`'s SSH link."""
        ...

    def statuses(self) -> dict[str, NodeLink]:
        """Every node's link state, in inventory order."""
        ...

    async def close(self) -> None:
        """Close every connection; later calls raise PoolClosed."""
        ...
