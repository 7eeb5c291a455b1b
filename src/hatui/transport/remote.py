"""How a command is wrapped before it is sent, and how a command we gave up on is stopped.

OpenSSH refuses the SSH "signal" request for root logins (no post-auth privilege
separation: sshd logs "session signalling requires privilege separation"), and closing a
channel leaves a quiet `tail -F` or a hung `etcdctl` running on the master. So every command
first announces its process group on stderr, then becomes the command; a command we stop
waiting for (timeout, cancelled stream) is ended with `kill -s TERM -- -PGID` over the same
connection. sshd starts each session in a process group of its own, so that group holds
this command and its children and nothing else.

Pure functions: unit-tested without a network.
"""

from __future__ import annotations

import shlex

PGID_MARK = "hatui-pgid:"
"""Prefix of the line the wrapper writes to stderr before anything of the command's own."""

# Reads its own process group from /proc (field 5 of stat, after "(comm) state ppid"),
# announces it, then evaluates the command in the same POSIX sh (no second exec: ~1 ms a
# command). If /proc is unreadable the line has no number and nothing can be stopped later.
_ANNOUNCE = 'read -r s </proc/$$/stat; set -- ${s##*) }; echo "' + PGID_MARK + '$3" >&2; '
_WRAPPER = _ANNOUNCE + 'eval "$0"'


def sudo_prefix(sudo: bool) -> str:
    """`sudo -n -- ` when commands run through sudo (never prompts), else nothing."""
    return "sudo -n -- " if sudo else ""


def wrap(command: str, sudo: bool = False) -> str:
    """The command line sent to sshd for `command` (run by /bin/sh, under sudo if asked)."""
    return f"{sudo_prefix(sudo)}sh -c {shlex.quote(_WRAPPER)} {shlex.quote(command)}"


def parse_mark(line: str) -> tuple[bool, int | None]:
    """(is the wrapper's line, the process group it names or None)."""
    if not line.startswith(PGID_MARK):
        return False, None
    value = line[len(PGID_MARK) :].strip()
    return True, int(value) if value.isdigit() and int(value) > 1 else None


def kill_group(pgid: int, sudo: bool = False) -> str:
    """The command that ends a wrapped command's process group (TERM, then nothing more)."""
    if pgid <= 1:
        raise ValueError(f"refusing to signal process group {pgid}")
    return f"{sudo_prefix(sudo)}kill -s TERM -- -{pgid}"
