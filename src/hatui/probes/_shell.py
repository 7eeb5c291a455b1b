"""Framing several outputs into one remote command's stdout, and reading them back.

A probe group makes at most one round trip per node, so a group that needs several outputs
(keepalived's two dumps and its log; etcdctl's four answers) runs one POSIX sh script that
prints each part after a marker line. Markers carry a random nonce chosen per call, so text
inside a dump can never be mistaken for one. `parallel_script` also runs independent
commands at the same time (each bounded by its own tool's timeout), so the slowest part, not
the sum, sets the group's duration.

Pure: builds strings and splits text; tested without a network.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

_PREFIX = "@@hatui:"


def new_nonce() -> str:
    """A fresh random token for one call's markers."""
    return secrets.token_hex(6)


def marker(nonce: str, name: str) -> str:
    """The marker line that opens part `name` (without the newline)."""
    return f"{_PREFIX}{nonce}:{name}@@"


def echo_marker(nonce: str, name: str, value: str = "") -> str:
    """A shell command printing the marker of `name` on a line of its own.

    `value` is shell text placed after the marker (e.g. `$p`), for one-line parts. The
    leading `echo` ends a previous part that did not end with a newline (a JSON dump).
    """
    tail = f" {value}" if value else ""
    return f'echo; echo "{marker(nonce, name)}"{tail}'


def split_parts(text: str, nonce: str) -> dict[str, str]:
    """The parts of a framed output: {name: text after the marker line, up to the next}.

    Text on the marker line after the marker itself (a pid, an exit status) is returned as
    the part `name + "="`. Text before the first marker is dropped, and trailing newlines
    are stripped (each `echo_marker` adds one; no parser needs them).
    """
    parts: dict[str, str] = {}
    current: str | None = None
    lines: list[str] = []
    head = f"{_PREFIX}{nonce}:"

    def close() -> None:
        if current is not None:
            parts[current] = "".join(lines).rstrip("\n")

    for line in text.splitlines(keepends=True):
        if line.startswith(head):
            name, sep, rest = line[len(head) :].rstrip("\n").partition("@@")
            if sep:
                close()
                current, lines = name, []
                parts[name + "="] = rest.strip()
                continue
        if current is not None:
            lines.append(line)
    close()
    return parts


@dataclass(frozen=True)
class Part:
    """One command's outcome inside a `parallel_script`."""

    stdout: str
    stderr: str
    exit_status: int | None
    """None when the status line is missing (the script was cut short)."""


def parallel_script(nonce: str, commands: dict[str, str]) -> str:
    """A sh script that runs `commands` at the same time and prints each one's stdout,
    stderr and exit status as framed parts (`<name>.out`, `<name>.err`, `<name>.rc`).

    Outputs go to a private temporary directory (in $TMPDIR, else /tmp) removed on exit,
    also when the transport ends the script on a timeout. Names must be simple words.
    """
    for name in commands:
        if not name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"part name {name!r} must be a simple word")
    lines = [
        't=$(mktemp -d "${TMPDIR:-/tmp}/hatui.XXXXXX") || exit 97',
        "trap 'rm -rf \"$t\"' EXIT",
        "trap 'exit 143' INT TERM",
    ]
    for name, command in commands.items():
        # the whole group goes to the background: the command and the record of its status
        out, err, rc = (f'"$t/{name}.{kind}"' for kind in ("out", "err", "rc"))
        lines.append(f"{{ ( {command}\n) >{out} 2>{err}; echo $? >{rc}; }} &")
    lines.append("wait")
    for name in commands:
        for kind in ("out", "err", "rc"):
            lines.append(f'{echo_marker(nonce, f"{name}.{kind}")}; cat "$t/{name}.{kind}"')
    return "\n".join(lines) + "\n"


def parallel_parts(text: str, nonce: str, names: list[str] | tuple[str, ...]) -> dict[str, Part]:
    """Read back what `parallel_script` printed, one `Part` per command name."""
    parts = split_parts(text, nonce)
    result: dict[str, Part] = {}
    for name in names:
        rc = parts.get(f"{name}.rc", "").strip()
        result[name] = Part(
            stdout=parts.get(f"{name}.out", ""),
            stderr=parts.get(f"{name}.err", ""),
            exit_status=int(rc) if rc.lstrip("-").isdigit() else None,
        )
    return result
