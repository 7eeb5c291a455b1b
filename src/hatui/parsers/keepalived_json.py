"""keepalived's JSON dump (`kill -$(keepalived --signum=JSON) PID` -> /tmp/keepalived.json).

Two layouts exist, chosen by keepalived's `json_version` global option:

- version 1 (the default, what 2.2.7 writes; see tests/fixtures/captured): a top-level list of
  `{"data": {...}, "stats": {...}}`, one per vrrp_instance;
- version 2 (newer keepalived): a top-level object `{"vrrp": [ <the same list> ], ...}`, with
  `track_process` beside it. Confirmed in keepalived's source (`vrrp_json.c`, `vrrp_json_dump`:
  `if (global_data->json_version == JSON_VERSION_V2) { start_object; name("vrrp"); }`).

The reading is tolerant beyond that: a top-level `version`/`json_version` key is accepted and
ignored, and `state`/`wantstate` may be the number (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT,
97 DELETED, 98 STOP) or the name ("MASTER"). The dump lists track scripts by command only;
`merge_keepalived` (hatui.parsers.keepalived_data) adds names, status and weights from the DATA
dump. `auth_data` (the VRRP password, in clear) is never read into the observation.
"""

from __future__ import annotations

from typing import Any

from hatui.observations import (
    AdvertCounters,
    KeepalivedObservation,
    ProbeError,
    TrackScript,
    VrrpInstance,
    VrrpState,
)
from hatui.parsers._common import as_bool, as_float, as_int, as_str, fail, load_json

SOURCE = "keepalived-json"

_STATE_NUMBERS = {
    0: VrrpState.INIT,
    1: VrrpState.BACKUP,
    2: VrrpState.MASTER,
    3: VrrpState.FAULT,
    97: VrrpState.DELETED,
    98: VrrpState.STOP,
}


def vrrp_state(value: object) -> VrrpState | None:
    """A VRRP state from keepalived's number or name ("MASTER", "BACKUP"...); None if neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _STATE_NUMBERS.get(value, VrrpState.UNKNOWN)
    if isinstance(value, str):
        name = value.strip().upper()
        if name.isdigit():
            return _STATE_NUMBERS.get(int(name), VrrpState.UNKNOWN)
        if name in ("BACK", "SLAVE"):
            return VrrpState.BACKUP
        if name == "MAST":
            return VrrpState.MASTER
        try:
            return VrrpState(name)
        except ValueError:
            return VrrpState.UNKNOWN
    return None


def parse_keepalived_json(text: str) -> KeepalivedObservation | ProbeError:
    """Parse keepalived's JSON dump (layout 1 or 2) into its VRRP instances."""
    doc = load_json(SOURCE, text)
    if isinstance(doc, ProbeError):
        return doc
    if isinstance(doc, list):
        entries, source = doc, "json-v1"
    elif isinstance(doc, dict) and isinstance(doc.get("vrrp"), list):
        entries, source = doc["vrrp"], "json-v2"
    else:
        return fail(
            SOURCE,
            "expected a list of VRRP instances (json_version 1) or an object with a "
            f"'vrrp' list (json_version 2), got {type(doc).__name__}",
            text,
        )
    instances: list[VrrpInstance] = []
    for i, entry in enumerate(entries):
        inst = _instance(entry)
        if isinstance(inst, str):
            return fail(SOURCE, f"instance #{i + 1}: {inst}", text)
        instances.append(inst)
    return KeepalivedObservation(instances=tuple(instances), source=source)


def _instance(entry: Any) -> VrrpInstance | str:
    """One `{data, stats}` entry, or a message saying what is wrong with it."""
    if not isinstance(entry, dict) or not isinstance(entry.get("data"), dict):
        return "expected an object with a 'data' object"
    data: dict[str, Any] = entry["data"]
    name = as_str(data.get("iname"))
    if not name:
        return "no instance name ('iname')"
    state = vrrp_state(data.get("state"))
    if state is None:
        return f"'state' is {data.get('state')!r}, expected a number or a state name"
    stats = entry.get("stats")
    adverts = _adverts(stats) if isinstance(stats, dict) else None
    vips = data.get("vips")
    scripts = data.get("track_script")
    return VrrpInstance(
        name=name,
        vrid=as_int(data.get("vrid")),
        state=state,
        wantstate=vrrp_state(data.get("wantstate")),
        base_priority=as_int(data.get("base_priority")),
        effective_priority=as_int(data.get("effective_priority")),
        master_priority=as_int(data.get("master_priority")),
        nopreempt=as_bool(data.get("nopreempt")),
        vipset=as_bool(data.get("vipset")),
        vips=tuple(v for v in vips if isinstance(v, str)) if isinstance(vips, list) else (),
        interface=as_str(data.get("ifp_ifname")) or None,
        last_transition=as_float(data.get("last_transition")),
        adverts=adverts,
        track_scripts=tuple(_track_script(s) for s in scripts) if isinstance(scripts, list) else (),
    )


def _track_script(item: object) -> TrackScript:
    """A track_script entry: a command string in keepalived's dump, tolerated as an object."""
    if isinstance(item, dict):
        return TrackScript(name=as_str(item.get("name")), command=as_str(item.get("command")))
    return TrackScript(name=None, command=item if isinstance(item, str) else str(item))


def _adverts(stats: dict[str, Any]) -> AdvertCounters | None:
    """The advert counters, when the four main ones are there."""
    main = [as_int(stats.get(k)) for k in ("advert_rcvd", "advert_sent", "become_master")]
    release = as_int(stats.get("release_master"))
    if release is None or any(v is None for v in main):
        return None
    rcvd, sent, become = (v or 0 for v in main)
    return AdvertCounters(
        advert_rcvd=rcvd,
        advert_sent=sent,
        become_master=become,
        release_master=release,
        pri_zero_rcvd=as_int(stats.get("pri_zero_rcvd")) or 0,
        pri_zero_sent=as_int(stats.get("pri_zero_sent")) or 0,
    )
