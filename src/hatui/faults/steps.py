"""What a fault runs on a node: a shell command, or one line to a UNIX socket (HAProxy's
runtime API), with how each is shown, stored and replayed by the node's watchdog.

Pure. hatui itself sends socket lines through the transport's own channel
(`Transport.unix_request`, no helper needed on the master); the watchdog on the node has
no hatui, so `as_shell` turns the same line into a command that uses whatever the master
has: socat, python3, or perl (whose IO::Socket::UNIX is part of Debian's perl-base).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from hatui.inventory import shell_quote

_PY_SEND = (
    "import socket,sys;s=socket.socket(socket.AF_UNIX);s.connect(sys.argv[1]);"
    "s.sendall(sys.stdin.buffer.read());s.shutdown(socket.SHUT_WR);"
    "sys.stdout.buffer.write(s.makefile('rb').read())"
)
_PERL_SEND = (
    'use IO::Socket::UNIX;my $s=IO::Socket::UNIX->new(Peer=>$ARGV[0]) or die "$!\\n";'
    "local $/;my $in=<STDIN>;print $s $in;shutdown($s,1);print <$s>;"
)


@dataclass(frozen=True)
class Shell:
    """A shell command run on `node` (under sudo when the inventory says so)."""

    node: str
    command: str

    def show(self) -> str:
        return self.command


@dataclass(frozen=True)
class SocketSend:
    """One line sent to the UNIX socket `path` on `node`; the answer is read to EOF."""

    node: str
    path: str
    line: str
    """Without the newline, e.g. "disable server kubernetes-apiserver/m2"."""

    def show(self) -> str:
        return f"echo {shell_quote(self.line)} > {self.path}  (over SSH's own socket channel)"


Step = Shell | SocketSend


def socket_send_shell(path: str, line: str) -> str:
    """A shell command sending `line` to the socket `path` and printing the answer, with
    the first of socat, python3 or perl the node has."""
    sock = shell_quote(path)
    return (
        f"printf '%s\\n' {shell_quote(line)} | "
        f"if command -v socat >/dev/null 2>&1; then socat - UNIX-CONNECT:{sock}; "
        f"elif command -v python3 >/dev/null 2>&1; then python3 -c {shlex.quote(_PY_SEND)} {sock}; "
        f"else perl -e {shlex.quote(_PERL_SEND)} {sock}; fi"
    )


def haproxy_command_shell(path: str, line: str) -> str:
    """`socket_send_shell` for a HAProxy runtime API command that answers nothing on
    success: exits non-zero (and prints the answer) if HAProxy said anything else."""
    return (
        f"a=$({socket_send_shell(path, line)}) || exit 1; "
        'case "$a" in *[![:space:]]*) echo "haproxy: $a" >&2; false;; esac'
    )


def as_shell(step: Step) -> str:
    """The step as a shell command on its node (what the watchdog runs)."""
    if isinstance(step, Shell):
        return step.command
    return f"( {haproxy_command_shell(step.path, step.line)} )"


def haproxy_answer_ok(answer: str) -> bool:
    """HAProxy's runtime API answers `disable/enable server` with an empty line when done."""
    return not answer.strip()


def to_dict(step: Step) -> dict[str, Any]:
    """The step as the journal stores it."""
    if isinstance(step, Shell):
        return {"node": step.node, "shell": step.command}
    return {"node": step.node, "socket": step.path, "line": step.line}


def from_dict(data: object) -> Step:
    """A step from the journal; ValueError if it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("node"), str):
        raise ValueError(f"not a step: {data!r}")
    if isinstance(data.get("shell"), str):
        return Shell(data["node"], data["shell"])
    if isinstance(data.get("socket"), str) and isinstance(data.get("line"), str):
        return SocketSend(data["node"], data["socket"], data["line"])
    raise ValueError(f"not a step: {data!r}")
