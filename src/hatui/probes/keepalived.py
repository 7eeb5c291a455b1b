"""keepalived probe: a fresh JSON + DATA dump and the tail of the log, in one round trip.

The remote script (`keepalived_script`), run by /bin/sh on the master:

1. finds keepalived's parent process: the pid file (/run/keepalived.pid, /var/run/...) if it
   names a live `keepalived`, else the `pidof keepalived` process whose parent is not
   keepalived. None: keepalived is not running (`KeepalivedObservation.stopped()`).
2. finds where the dumps land: keepalived writes them to its own $TMPDIR (read from its
   environment, else the session's $TMPDIR, else /tmp), seen through /proc/PID/root so a
   private /tmp (systemd PrivateTmp) is found too.
3. asks the binary that runs (/proc/PID/exe, else `keepalived` on PATH) for the JSON and DATA
   signal numbers (they differ between builds), removes old dumps, signals the parent (it
   forwards to the VRRP child), and polls every 20 ms, for at most `wait` seconds, until
   each dump exists, the JSON ends with `]`/`}` and no keepalived process holds either file
   open: the write is not atomic, and an old file is never read (it was removed first, and
   if it could not be, nothing is read).
4. prints both dumps and the last lines of the log (journalctl -o short-unix, or the
   inventory's log file) after marker lines, with the node's UTC offset for log times.

The parsers (`hatui.parsers`) read the parts; when neither dump can be had (no signal
number: keepalived built without them) the log's last events stand in, as a last resort.
`auth_data` / `Password` in the dumps never leave the parsers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta, timezone, tzinfo

from hatui.errors import TransportError
from hatui.inventory import Inventory, shell_quote
from hatui.model import Probe
from hatui.observations import (
    KeepalivedEventKind,
    KeepalivedLog,
    KeepalivedObservation,
    ProbeError,
    VrrpInstance,
    VrrpState,
)
from hatui.parsers import (
    merge_keepalived,
    parse_keepalived_data,
    parse_keepalived_json,
    parse_keepalived_log,
)
from hatui.probes._common import last_line, probe, transport_failure
from hatui.probes._shell import echo_marker, new_nonce, split_parts
from hatui.transport import Transport

SOURCE = "keepalived"
LOG_SOURCE = "keepalived-log"

LOG_LINES = 50
"""How many of the log's last lines are read each sweep."""

DUMP_WAIT = 2.0
"""The longest the script waits for keepalived to finish writing its dumps, in seconds."""

POLL = 0.02
"""Seconds between two looks at the dump files (each look costs two small processes)."""

PID_FILES = ("/run/keepalived.pid", "/var/run/keepalived.pid")


def log_command(inventory: Inventory, lines: int = LOG_LINES) -> str:
    """The command printing keepalived's last log lines (journal or the inventory's file)."""
    ka = inventory.keepalived
    if ka.log_is_journal:
        unit = shell_quote(inventory.services.unit("keepalived"))
        return f"journalctl -u {unit} -n {int(lines)} -o short-unix --no-pager -q"
    return f"tail -n {int(lines)} {shell_quote(ka.log)}"


def keepalived_script(inventory: Inventory, nonce: str, wait: float = DUMP_WAIT) -> str:
    """The one sh script of this probe (see the module docstring); `nonce` marks its parts."""
    polls = max(1, int(wait / POLL))
    pid_files = " ".join(shell_quote(f) for f in PID_FILES)

    def m(name: str, value: str = "") -> str:
        return echo_marker(nonce, name, value)

    return f"""\
p=
for f in {pid_files}; do
  [ -r "$f" ] || continue
  q=; read -r q 2>/dev/null <"$f"
  case $q in ''|*[!0-9]*) continue;; esac
  c=; read -r c 2>/dev/null <"/proc/$q/comm"
  if [ "$c" = keepalived ]; then p=$q; break; fi
done
all=$(pidof keepalived 2>/dev/null)
if [ -z "$p" ]; then
  for q in $all; do
    s=; read -r s 2>/dev/null <"/proc/$q/stat" || continue
    set -- ${{s##*) }}
    c=; read -r c 2>/dev/null <"/proc/$2/comm"
    if [ "$c" != keepalived ]; then p=$q; break; fi
  done
fi
if [ -z "$p" ]; then
  {m("stopped")}
else
  t=$( {{ tr '\\0' '\\n' <"/proc/$p/environ"; }} 2>/dev/null | sed -n 's/^TMPDIR=//p' | head -n 1)
  [ -n "$t" ] || t=${{TMPDIR:-/tmp}}
  d=$t
  [ -d "/proc/$p/root$t" ] && d="/proc/$p/root$t"
  k=keepalived
  [ -x "/proc/$p/exe" ] && k="/proc/$p/exe"
  sj=$("$k" --signum=JSON 2>/dev/null); case $sj in ''|*[!0-9]*) sj=;; esac
  sd=$("$k" --signum=DATA 2>/dev/null); case $sd in ''|*[!0-9]*) sd=;; esac
  rm -f "$d/keepalived.json" "$d/keepalived.data" 2>/dev/null
  stale=
  if [ -e "$d/keepalived.json" ] || [ -e "$d/keepalived.data" ]; then stale=1; fi
  fds=
  for q in ${{all:-$p}}; do fds="$fds /proc/$q/fd"; done
  n=0
  if [ -z "$stale" ] && [ -n "$sj$sd" ]; then
    [ -n "$sj" ] && kill -"$sj" "$p" 2>/dev/null
    [ -n "$sd" ] && kill -"$sd" "$p" 2>/dev/null
    while :; do
      ok=1
      if [ -n "$sj" ]; then
        if [ -s "$d/keepalived.json" ]; then
          case $(tail -c 2 "$d/keepalived.json") in *']'|*'}}') ;; *) ok=;; esac
        else
          ok=
        fi
      fi
      if [ -n "$sd" ] && [ ! -s "$d/keepalived.data" ]; then ok=; fi
      if [ -n "$ok" ]; then
        case $(ls -l $fds 2>/dev/null) in *keepalived.json*|*keepalived.data*) ;; *) break;; esac
      fi
      n=$((n+1))
      [ "$n" -ge {polls} ] && break
      sleep {POLL}
    done
  fi
  {m("pid", '"$p"')}
  {m("polls", '"$n"')}
  [ -n "$stale" ] && {{ {m("stale", '"$d"')}; }}
  if [ -z "$stale" ] && [ -n "$sj" ]; then {m("json")}; cat "$d/keepalived.json" 2>/dev/null; fi
  if [ -z "$stale" ] && [ -n "$sd" ]; then {m("data")}; cat "$d/keepalived.data" 2>/dev/null; fi
fi
{m("tz", '"$(date +%z)"')}
{m("log")}
{log_command(inventory)}
{m("logrc", '"$?"')}
"""


def node_tz(offset: str) -> tzinfo:
    """The zone of a `date +%z` offset ("+0100"); UTC when it cannot be read."""
    text = offset.strip()
    if len(text) != 5 or text[0] not in "+-" or not text[1:].isdigit():
        return UTC
    minutes = int(text[1:3]) * 60 + int(text[3:])
    return timezone(timedelta(minutes=-minutes if text[0] == "-" else minutes))


@dataclass(frozen=True)
class KeepalivedReading:
    """What one run of the script yielded: the dumps' observation and the log's events."""

    observation: KeepalivedObservation | ProbeError
    log: KeepalivedLog | ProbeError


def read_keepalived_output(
    stdout: str, stderr: str, nonce: str, wait: float = DUMP_WAIT
) -> KeepalivedReading:
    """Turn the script's framed output into observations (pure)."""
    parts = split_parts(stdout, nonce)
    log = _log(parts, stderr)
    if "stopped" in parts:
        return KeepalivedReading(KeepalivedObservation.stopped(), log)
    if "pid=" not in parts:
        message = "the probe script printed nothing usable"
        detail = last_line(stderr)
        return KeepalivedReading(
            ProbeError(SOURCE, message + (f": {detail}" if detail else "")), log
        )
    if "stale=" in parts:
        where = parts["stale="]
        message = f"old dumps in {where} could not be removed, so none was read"
        return KeepalivedReading(ProbeError(SOURCE, message), log)
    json_obs = parse_keepalived_json(parts["json"]) if "json" in parts else None
    data_obs = parse_keepalived_data(parts["data"]) if "data" in parts else None
    if json_obs is None and data_obs is None:
        from_log = observation_from_log(log) if isinstance(log, KeepalivedLog) else None
        if from_log is not None:
            return KeepalivedReading(from_log, log)
        message = (
            "keepalived runs but gives no JSON or DATA signal number (and the log shows no state)"
        )
        return KeepalivedReading(ProbeError(SOURCE, message), log)
    merged = merge_keepalived(json_obs, data_obs)
    if isinstance(merged, ProbeError):
        polls = parts.get("polls=", "")
        if polls.isdigit() and int(polls) >= max(1, int(wait / POLL)):
            merged = ProbeError(
                merged.source,
                f"no complete dump within {wait:.1f}s: {merged.message}",
                merged.excerpt,
            )
    return KeepalivedReading(merged, log)


def _log(parts: dict[str, str], stderr: str) -> KeepalivedLog | ProbeError:
    rc = parts.get("logrc=", "")
    if "log" not in parts or not rc.lstrip("-").isdigit():
        return ProbeError(LOG_SOURCE, "the log was not read (the script was cut short)")
    if int(rc) != 0:
        detail = last_line(stderr)
        message = f"reading the log failed (exit status {rc})" + (f": {detail}" if detail else "")
        return ProbeError(LOG_SOURCE, message)
    return parse_keepalived_log(parts["log"], tz=node_tz(parts.get("tz=", "")))


def observation_from_log(log: KeepalivedLog) -> KeepalivedObservation | None:
    """Each instance's last state and effective priority as the log tells them (last resort).

    None when the log excerpt shows no state change: nothing can be said from it then.
    """
    states: dict[str, VrrpState] = {}
    priorities: dict[str, int] = {}
    changed: dict[str, float | None] = {}
    for event in log.events:
        if event.instance is None:
            continue
        if event.kind is KeepalivedEventKind.ENTER_STATE and event.state is not None:
            states[event.instance] = event.state
            changed[event.instance] = event.timestamp
        elif event.kind is KeepalivedEventKind.PRIORITY_CHANGED and event.priority_to is not None:
            priorities[event.instance] = event.priority_to
    if not states:
        return None
    instances = tuple(
        VrrpInstance(
            name=name,
            vrid=None,
            state=state,
            effective_priority=priorities.get(name),
            last_transition=changed.get(name),
        )
        for name, state in states.items()
    )
    return KeepalivedObservation(instances=instances, source="log")


async def probe_keepalived(
    transport: Transport,
    inventory: Inventory,
    node: str,
    timeout: float | None = None,
) -> tuple[Probe[KeepalivedObservation], Probe[KeepalivedLog]]:
    """keepalived's state on `node` (fresh dumps) and its recent log events."""
    limit = inventory.ssh.command_timeout if timeout is None else timeout
    # leave time for the log and the round trip after the longest dump wait
    wait = max(POLL, min(DUMP_WAIT, limit / 2))
    nonce = new_nonce()
    try:
        result = await transport.run(node, keepalived_script(inventory, nonce, wait), limit)
    except TransportError as err:
        return probe(transport_failure(SOURCE, err)), probe(transport_failure(LOG_SOURCE, err))
    reading = read_keepalived_output(result.stdout, result.stderr, nonce, wait)
    return probe(reading.observation, result.finished), probe(reading.log, result.finished)
