"""The one place hatui talks SSH: a `Transport` interface and its asyncssh `SshPool`.

Probes depend on `Transport` only (run a command, run one per node, stream lines, talk to a
remote UNIX socket or TCP port) and catch the errors below; nothing else in hatui imports
asyncssh. One long-lived connection per master, reconnected with backoff; an unreachable
master is a `NodeLink` state with a reason and a retry time, not an exception in the UI.
"""

from hatui.transport.backoff import Backoff
from hatui.transport.errors import (
    AuthFailed,
    ChannelFailed,
    CommandFailed,
    CommandTimeout,
    HostKeyMismatch,
    HostKeyUnknown,
    IdentityFileError,
    LinkDown,
    PoolClosed,
    UnknownNode,
    Unreachable,
)
from hatui.transport.protocol import Transport
from hatui.transport.ssh_pool import SshPool
from hatui.transport.types import CommandResult, LinkState, NodeLink

__all__ = [
    "AuthFailed",
    "Backoff",
    "ChannelFailed",
    "CommandFailed",
    "CommandResult",
    "CommandTimeout",
    "HostKeyMismatch",
    "HostKeyUnknown",
    "IdentityFileError",
    "LinkDown",
    "LinkState",
    "NodeLink",
    "PoolClosed",
    "SshPool",
    "Transport",
    "UnknownNode",
    "Unreachable",
]
