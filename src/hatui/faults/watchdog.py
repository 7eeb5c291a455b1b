"""The TTL watchdog: a detached process ON THE TARGET NODE that clears the fault at TTL.

Pure command builders. `arm_command` starts, with `setsid`, a `sh` of its own session with
no terminal and its standard streams on /dev/null, so it is not a child of the SSH
session: ending the session, stopping sshd, or losing the jump host for good leaves it
running. It writes its pid to /run/hatui-faults/<id>.pid, sleeps the TTL, and then, only
if that pid file still exists, runs the fault's clear commands, writing their output to
<id>.log and their exit status to <id>.fired. hatui arms it BEFORE injecting, so a fault
is never in place without it.

Clearing early disarms it (`disarm_command`): the pid file is removed first (a watchdog
that wakes up without it does nothing), then its process group is ended, after checking
that the pid still is that watchdog (its command line names the fault), never another
process. /run is a tmpfs: a reboot ends the watchdog, and with it iptables rules and
stopped services reset by themselves; a parked etcd manifest does not (hatui's journal
still knows it: `hatui clear` puts it back).
"""

from __future__ import annotations

from dataclasses import dataclass

from hatui.inventory import shell_quote

WATCHDOG_DIR = "/run/hatui-faults"
"""Where the watchdogs of a node keep their pid, log and status files."""
PROCESS_NAME = "hatui-watchdog"
"""The watchdog's $0: it shows in `ps` as `sh -c ... hatui-watchdog /run/hatui-faults/<id>`."""
START_WAIT = (100, 0.05)
"""The arming command waits at most 100 x 0.05 s for the watchdog to write its pid."""
LOG_LIMIT = 2000
"""Bytes of the watchdog's clear log read back."""


def base(fault_id: str, directory: str = WATCHDOG_DIR) -> str:
    """The path prefix of one fault's files on the node."""
    return f"{directory}/{fault_id}"


def watchdog_script(clear_script: str) -> str:
    """The watchdog's own sh script: $1 is the file prefix, $2 the seconds to sleep."""
    return (
        'echo $$ >"$1.pid.new" && mv "$1.pid.new" "$1.pid" || exit 1\n'
        'sleep "$2"\n'
        '[ -e "$1.pid" ] || exit 0\n'
        f'( {clear_script}\n) >"$1.log" 2>&1\n'
        'echo $? >"$1.fired"\n'
        'rm -f "$1.pid"\n'
    )


def arm_command(
    fault_id: str, seconds: int, clear_script: str, directory: str = WATCHDOG_DIR
) -> str:
    """Start the watchdog for `fault_id` and print "armed PID" once it runs.

    Exits non-zero if it did not start within ~5 s (then nothing may be injected).
    `directory` is for tests; on a node it is always WATCHDOG_DIR.
    """
    if seconds < 1:
        raise ValueError(f"a watchdog sleeps at least 1 s, got {seconds}")
    b = shell_quote(base(fault_id, directory))
    d = shell_quote(directory)
    tries, pause = START_WAIT
    return "\n".join(
        [
            f"mkdir -p {d} && chmod 700 {d} || exit 1",
            f'b={b}; rm -f "$b.pid" "$b.fired" "$b.log"',
            f"setsid sh -c {shell_quote(watchdog_script(clear_script))} {PROCESS_NAME} "
            f'"$b" {int(seconds)} </dev/null >/dev/null 2>&1 &',
            f'i=0; while [ ! -s "$b.pid" ] && [ $i -lt {tries} ]; do sleep {pause}; '
            "i=$((i+1)); done",
            'if [ -s "$b.pid" ]; then echo "armed $(cat "$b.pid")"; '
            'else echo "the watchdog did not start" >&2; exit 1; fi',
        ]
    )


def _pid_check(b: str) -> str:
    """Shell setting `w` to the watchdog's pid if `$p` still is this fault's watchdog."""
    return (
        'w=; case "$p" in ""|*[!0-9]*) ;; *) '
        'c=$(tr "\\000" " " <"/proc/$p/cmdline" 2>/dev/null); '
        f'case "$c" in *"{PROCESS_NAME} {b} "*) w=$p;; esac;; esac'
    )


def disarm_command(fault_id: str, directory: str = WATCHDOG_DIR) -> str:
    """Stop the watchdog of `fault_id` if it still waits, and remove its files (idempotent)."""
    b = base(fault_id, directory)
    return "\n".join(
        [
            f'b={shell_quote(b)}; p=$(cat "$b.pid" 2>/dev/null); rm -f "$b.pid"',
            _pid_check(b),
            'if [ -n "$w" ]; then kill -s TERM -- "-$w" 2>/dev/null || kill -s TERM "$w"; fi',
            'rm -f "$b.pid.new" "$b.fired" "$b.log"',
            f"rmdir {shell_quote(directory)} 2>/dev/null; true",
        ]
    )


def state_command(fault_id: str, directory: str = WATCHDOG_DIR) -> str:
    """Print the watchdog's state: "armed PID", "fired STATUS" (then its log), "dead PID"
    (its pid file is left but the process is gone) or "none"."""
    b = base(fault_id, directory)
    return "\n".join(
        [
            f'b={shell_quote(b)}; p=$(cat "$b.pid" 2>/dev/null)',
            _pid_check(b),
            f'if [ -e "$b.fired" ]; then echo "fired $(cat "$b.fired")"; '
            f'head -c {LOG_LIMIT} "$b.log" 2>/dev/null',
            'elif [ -n "$w" ]; then echo "armed $w"',
            'elif [ -n "$p" ]; then echo "dead $p"',
            "else echo none; fi",
        ]
    )


@dataclass(frozen=True)
class WatchdogState:
    """What `state_command` printed."""

    state: str
    """"armed", "fired", "dead", "none", or "unknown" for output it could not read."""
    value: int | None = None
    """The pid (armed, dead) or the clear commands' exit status (fired)."""
    log: str = ""
    """What the clear commands printed (fired only)."""

    @property
    def cleared_ok(self) -> bool:
        """The watchdog fired and its clear commands succeeded."""
        return self.state == "fired" and self.value == 0


def parse_state(text: str) -> WatchdogState:
    """Read `state_command`'s output."""
    first, _, rest = text.partition("\n")
    word, _, number = first.strip().partition(" ")
    value = int(number) if number.strip().lstrip("-").isdigit() else None
    if word in ("armed", "dead") and value is not None:
        return WatchdogState(word, value)
    if word == "fired":
        return WatchdogState(word, value, rest.strip())
    if word == "none":
        return WatchdogState("none")
    return WatchdogState("unknown", log=text.strip()[:200])
