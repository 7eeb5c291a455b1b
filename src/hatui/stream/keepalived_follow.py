"""The keepalived log channel: the log followed from now on, each line read by the log parser.

Where the log is comes from the inventory, as for the sweep's probe
(`hatui.probes.keepalived.log_command`): the journal (`journalctl -f -o short-unix`, exact
times) or a file (`tail -F`, which follows a rotated or recreated file). Both start at the
end (`-n 0`): after a reconnect, what was logged while the link was down is not replayed
(the sweep's log tail still shows it). Lines are read by `hatui.parsers.parse_keepalived_log`;
only its known events (state transitions, effective priority changes, script results, ...)
become events. The functions here are pure; the async part is `hatui.stream.channel`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hatui.inventory import Inventory, shell_quote
from hatui.observations import KeepalivedEvent
from hatui.parsers import parse_keepalived_log
from hatui.probes.keepalived import node_tz

FILE_RESOLUTION = 1.0
"""keepalived's own log times (and syslog's) are whole seconds."""

JOURNAL_RESOLUTION = 1e-6
"""`journalctl -o short-unix` prints microseconds."""


def follow_command(inventory: Inventory) -> str:
    """The command that prints keepalived's new log lines as they are written."""
    ka = inventory.keepalived
    if ka.log_is_journal:
        unit = shell_quote(inventory.services.unit("keepalived"))
        return f"journalctl -u {unit} -f -n 0 -o short-unix --no-pager -q"
    return f"tail -n 0 -F {shell_quote(ka.log)}"


def resolution(inventory: Inventory) -> float:
    """The resolution of the node timestamps this channel's lines carry."""
    return JOURNAL_RESOLUTION if inventory.keepalived.log_is_journal else FILE_RESOLUTION


def parse_follow_line(line: str, utc_offset: str, received: float) -> KeepalivedEvent | None:
    """The known event on one log line, or None (pure; never raises).

    `utc_offset` is the node's zone (`date +%z`) for times written without one; the year of
    `received` stands in for syslog times written without a year.
    """
    year = datetime.fromtimestamp(received, UTC).year
    events = parse_keepalived_log(line, tz=node_tz(utc_offset), year=year).events
    return events[0] if events else None
