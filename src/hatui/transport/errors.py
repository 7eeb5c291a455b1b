"""The errors the transport raises: every failure of a remote call is one of these.

All derive from `hatui.errors.TransportError` (which carries the UI title). A probe that only
wants "no data from this node" catches `TransportError`; one that must tell a dead link from a
slow command or a refused socket catches the narrower classes. `reason` is short, lower-case
text for a status line ("auth failed", "timeout after 3.0s", "connection refused").
"""

from __future__ import annotations

from hatui.errors import TransportError


class LinkDown(TransportError):
    """There is no SSH connection to the node, so nothing was run there."""

    title = "Node unreachable"
    default_reason = "unreachable"

    def __init__(self, node: str, reason: str | None = None) -> None:
        self.node = node
        self.reason = reason or self.default_reason
        super().__init__(f"{node}: {self.reason}")


class Unreachable(LinkDown):
    """The network or sshd said no: refused, timed out, no route, connection lost."""


class AuthFailed(LinkDown):
    """sshd refused every key offered (identity files, ssh-agent)."""

    title = "SSH authentication failed"
    default_reason = "auth failed"


class HostKeyMismatch(LinkDown):
    """The node's host key differs from the one in known_hosts: possibly not the node at all."""

    title = "SSH host key mismatch"
    default_reason = "host key mismatch"


class HostKeyUnknown(LinkDown):
    """known_hosts has no key for the node and `accept_new_host_keys` is off."""

    title = "SSH host key unknown"
    default_reason = "host key unknown (not in known_hosts)"


class CommandTimeout(TransportError):
    """A remote call did not finish within its timeout; the link may still be fine."""

    title = "Remote command timed out"

    def __init__(self, node: str, timeout: float, what: str = "command") -> None:
        self.node = node
        self.timeout = timeout
        self.reason = f"{what} timed out after {timeout:.1f}s"
        super().__init__(f"{node}: {self.reason}")


class CommandFailed(TransportError):
    """A remote command exited non-zero (raised only by `CommandResult.check` and `stream`)."""

    title = "Remote command failed"

    def __init__(self, node: str, exit_status: int, stderr: str) -> None:
        self.node = node
        self.exit_status = exit_status
        self.stderr = stderr
        last = stderr.strip().splitlines()[-1:] or [""]
        self.reason = f"exit status {exit_status}" + (f": {last[0][:200]}" if last[0] else "")
        super().__init__(f"{node}: {self.reason}")


class ChannelFailed(TransportError):
    """sshd could not open a socket on the node: a UNIX socket or TCP port refused, missing,
    or forwarding disabled in sshd_config (`reason` is sshd's own text)."""

    title = "Remote socket unavailable"

    def __init__(self, node: str, target: str, reason: str) -> None:
        self.node = node
        self.target = target
        self.reason = reason
        super().__init__(f"{node}: {target}: {reason}")


class UnknownNode(TransportError):
    """The node name is not one of the inventory's masters (a programming error)."""

    title = "Unknown node"

    def __init__(self, node: str) -> None:
        self.node = node
        self.reason = "not in the inventory"
        super().__init__(f"{node}: not a master in the inventory")


class PoolClosed(TransportError):
    """The transport was closed; no further calls are possible."""

    title = "Transport closed"


class IdentityFileError(TransportError):
    """An identity file from the inventory cannot be read or decoded (checked at start)."""

    title = "SSH identity file error"
