"""keepalived's DATA dump (`kill -$(keepalived --signum=DATA) PID` -> /tmp/keepalived.data).

A text dump in sections (`------< VRRP Topology >------`, `------< VRRP Scripts >------`...),
each a list of blocks of `Key = value` lines. From it hatui reads, per VRRP instance: State,
Master router / Master priority (printed on a BACKUP only), Wantstate, Priority (base),
Effective priority, Preempt, Last transition, Interface, src_ip, the virtual IPs and the
tracked scripts with their per-instance weights; and per vrrp_script: Command, Interval,
Timeout, Weight (`11`, `-2`, `11 reverse`), Rise, Fall and Status (GOOD, BAD, INIT,
INIT/FAILED). This is the only place keepalived tells a script's GOOD/BAD by NAME, and it
serves alone where keepalived was built without JSON support.

Formats checked: keepalived 2.2.7 (tests/fixtures/captured) and the older 2.0-era layout
(`Want State = BACKUP`, `Running on device = eth0`, `Virtual IP = 1`, `Preempt disabled`).
The `Password = ...` line is never read; excerpts in errors are redacted.

`merge_keepalived(json_obs, data_obs)` puts the two dumps together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from hatui.observations import (
    KeepalivedObservation,
    ProbeError,
    ScriptStatus,
    TrackScript,
    VrrpInstance,
)
from hatui.parsers._common import as_float, as_int, fail
from hatui.parsers.keepalived_json import vrrp_state

SOURCE = "keepalived-data"

_SECTION = re.compile(r"^-+<\s*(?P<name>.+?)\s*>-+\s*$")
_KEY_VALUE = re.compile(r"^(?P<key>[^=]+?)\s*=\s*(?P<value>.*)$")
_LIST_HEADER = re.compile(r"^(?P<key>[A-Za-z][A-Za-z _]*?)\s*(?:\(\d+\))?\s*:$")
_OLD_LIST_HEADER = re.compile(
    r"^(?P<key>Virtual IP|Virtual IP Excluded|Tracked scripts|Tracked interfaces)\s*=\s*\d+$"
)
_TRACKED = re.compile(r"^(?P<name>\S+)\s+weight\s+(?P<weight>-?\d+)(?P<reverse>\s+reverse)?")


@dataclass
class _Block:
    """The lines of one `VRRP Instance = X` or `VRRP Script = X` block, as read."""

    name: str
    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    """Old-style lines without "=", e.g. "Preempt disabled"."""
    closed: bool = False
    """Something followed the block, so it is not cut off by a truncated dump."""


def parse_keepalived_data(text: str) -> KeepalivedObservation | ProbeError:
    """Parse the DATA dump into VRRP instances and vrrp_scripts (with names and statuses)."""
    if not text.strip():
        return fail(SOURCE, "empty output (expected keepalived's DATA dump)")
    instances, scripts = _blocks(text)
    if not instances:
        return fail(SOURCE, "no 'VRRP Instance = ...' block: not a keepalived DATA dump?", text)
    for block in instances:
        if not block.closed and "Using smtp notification" not in block.values:
            return fail(SOURCE, f"instance {block.name} is cut off: truncated dump?", text)
        if "State" not in block.values:
            return fail(SOURCE, f"instance {block.name} has no 'State = ...' line", text)
    for block in scripts:
        if "Status" not in block.values:
            return fail(SOURCE, f"vrrp_script {block.name} has no 'Status' line: truncated?", text)
    script_values = tuple(_script(b) for b in scripts)
    by_name = {s.name: s for s in script_values}
    built: list[VrrpInstance] = []
    for block in instances:
        inst = _instance(block, by_name)
        if isinstance(inst, str):
            return fail(SOURCE, inst, text)
        built.append(inst)
    return KeepalivedObservation(instances=tuple(built), scripts=script_values, source="data")


def _blocks(text: str) -> tuple[list[_Block], list[_Block]]:
    """The instance blocks of the Topology section and the script blocks of the Scripts one."""
    instances: list[_Block] = []
    scripts: list[_Block] = []
    section = ""
    current: _Block | None = None
    list_key: str | None = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        header = _SECTION.match(line.strip())
        if header:
            if current is not None:
                current.closed = True
            section, current, list_key = header.group("name"), None, None
            continue
        indent = len(line) - len(line.lstrip(" \t"))
        body = line.strip()
        if indent <= 1:
            if current is not None:
                current.closed = True
            current, list_key = None, None
            kv = _KEY_VALUE.match(body)
            if kv and section == "VRRP Topology" and kv.group("key") == "VRRP Instance":
                current = _Block(kv.group("value").strip())
                instances.append(current)
            elif kv and section == "VRRP Scripts" and kv.group("key") == "VRRP Script":
                current = _Block(kv.group("value").strip())
                scripts.append(current)
            continue
        if current is None:
            continue
        if indent >= 5 and list_key is not None:
            current.lists.setdefault(list_key, []).append(body)
            continue
        list_key = None
        header_m = _LIST_HEADER.match(body) or _OLD_LIST_HEADER.match(body)
        if header_m:
            list_key = header_m.group("key").strip()
            current.lists.setdefault(list_key, [])
            continue
        kv = _KEY_VALUE.match(body)
        if kv:
            current.values.setdefault(kv.group("key"), kv.group("value").strip())
        else:
            current.flags.add(body)
    return instances, scripts


def _script(block: _Block) -> TrackScript:
    """A vrrp_script block as a TrackScript (weight as configured on the script)."""
    v = block.values
    weight_text = v.get("Weight", "")
    return TrackScript(
        name=block.name,
        command=v.get("Command") or v.get("Script"),
        status=_status(v.get("Status", "")),
        weight=as_int(weight_text.split()[0]) if weight_text.split() else None,
        weight_reverse="reverse" in weight_text.split(),
        rise=as_int(v.get("Rise")),
        fall=as_int(v.get("Fall")),
        interval_s=_leading_int(v.get("Interval")),
        timeout_s=_leading_int(v.get("Timeout")),
    )


def _status(text: str) -> ScriptStatus:
    try:
        return ScriptStatus(text.strip().upper())
    except ValueError:
        return ScriptStatus.UNKNOWN


def _instance(block: _Block, scripts: dict[str | None, TrackScript]) -> VrrpInstance | str:
    """An instance block as a VrrpInstance, or a message saying what is wrong with it."""
    v = block.values
    state = vrrp_state(v["State"])
    if state is None:
        return f"instance {block.name}: unreadable State {v['State']!r}"
    vips = tuple(block.lists.get("Virtual IP", ()))
    tracked: list[TrackScript] = []
    for item in block.lists.get("Tracked scripts", ()):
        m = _TRACKED.match(item)
        name = m.group("name") if m else item.split()[0]
        known = scripts.get(name) or TrackScript(name=name, command=None)
        if m:
            known = replace(
                known,
                weight=int(m.group("weight")),
                weight_reverse=bool(m.group("reverse")) or known.weight_reverse,
            )
        tracked.append(known)
    preempt = v.get("Preempt")
    if preempt is not None:
        nopreempt: bool | None = preempt.strip().lower() == "disabled"
    elif "Preempt disabled" in block.flags:
        nopreempt = True
    else:
        nopreempt = None
    src_ip = _first_word(v.get("Using src_ip"))
    return VrrpInstance(
        name=block.name,
        vrid=as_int(v.get("Virtual Router ID")),
        state=state,
        wantstate=vrrp_state(v.get("Wantstate") or v.get("Want State")),
        base_priority=as_int(v.get("Priority")),
        effective_priority=as_int(v.get("Effective priority")),
        master_priority=as_int(v.get("Master priority")),
        master_router=_first_word(v.get("Master router")),
        nopreempt=nopreempt,
        vipset=any(x.endswith(" set") for x in vips) if vips else None,
        vips=vips,
        interface=_first_word(
            (v.get("Interface") or v.get("Running on device") or "").split(",")[0]
        ),
        src_ip=None if src_ip == "(none)" else src_ip,
        last_transition=as_float(_first_word(v.get("Last transition"))),
        track_scripts=tuple(tracked),
    )


def _first_word(text: str | None) -> str | None:
    words = (text or "").split()
    return words[0] if words else None


def _leading_int(text: str | None) -> int | None:
    return as_int(_first_word(text))


def merge_keepalived(
    json_obs: KeepalivedObservation | ProbeError | None,
    data_obs: KeepalivedObservation | ProbeError | None,
) -> KeepalivedObservation | ProbeError:
    """One observation from both dumps: JSON's state and counters, DATA's names and statuses.

    Either may be missing or an error: the other then serves alone. With both errors the JSON
    one is returned (it is the primary source). JSON track scripts (commands only) are matched
    to DATA's vrrp_scripts by command to get name, GOOD/BAD, weight, rise and fall.
    """
    json_ok = json_obs if isinstance(json_obs, KeepalivedObservation) else None
    data_ok = data_obs if isinstance(data_obs, KeepalivedObservation) else None
    if json_ok is None and data_ok is None:
        if isinstance(json_obs, ProbeError):
            return json_obs
        if isinstance(data_obs, ProbeError):
            return data_obs
        return ProbeError(SOURCE, "neither a JSON nor a DATA dump was read")
    if json_ok is None:
        assert data_ok is not None
        return data_ok
    if data_ok is None:
        return json_ok
    merged = tuple(_merge_instance(j, data_ok) for j in json_ok.instances)
    return KeepalivedObservation(
        instances=merged,
        scripts=data_ok.scripts,
        source=f"{json_ok.source}+data",
        running=json_ok.running and data_ok.running,
    )


def _merge_instance(j: VrrpInstance, data: KeepalivedObservation) -> VrrpInstance:
    d = data.instance(name=j.name)
    if d is None:
        return j
    by_command = {s.command: s for s in d.track_scripts if s.command}
    by_command_global = {s.command: s for s in data.scripts if s.command}
    scripts: list[TrackScript] = []
    for s in j.track_scripts:
        key = s.command or ""
        found = by_command.get(key) or by_command_global.get(key)
        scripts.append(found if found is not None else s)
    if not j.track_scripts:
        scripts = list(d.track_scripts)
    return replace(
        j,
        master_router=d.master_router if j.master_router is None else j.master_router,
        src_ip=d.src_ip if j.src_ip is None else j.src_ip,
        nopreempt=d.nopreempt if j.nopreempt is None else j.nopreempt,
        interface=j.interface or d.interface,
        track_scripts=tuple(scripts),
    )
