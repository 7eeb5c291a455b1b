"""etcd as etcdctl (v3 API) or etcd's own `/health` shows it.

Outputs read (etcd 3.4.23 captures in tests/fixtures/captured):

- `etcdctl endpoint status [--cluster] -w json`: a list of `{"Endpoint", "Status": {"header":
  {"cluster_id", "member_id", ...}, "leader", "raftTerm", "raftIndex", "dbSize", "errors"...}}`.
  Member ids are uint64 JSON numbers; Python's json keeps them exact, and they are shown in
  hex as etcdctl's table does (`%x`). A float id means something rounded it (jq does): that is
  reported, not shown wrong. With members down, the list holds only those that answered and
  stderr says `Failed to get the status of endpoint URL (reason)` for the others; a member
  without quorum reports no `leader` and `errors: ["etcdserver: no leader"]`.
- `etcdctl endpoint health [--cluster] -w json` (or its text form): per endpoint health, time
  taken and error; `Error: unhealthy cluster` on stderr is only the exit summary.
- `etcdctl member list -w json`, `etcdctl alarm list` (`memberID:N alarm:NOSPACE` lines).
- `curl .../health`: `{"health":"true"}` or `{"health":"false","reason":"..."}`.

`combine_etcd` puts these together into one `EtcdObservation` (one view per member).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hatui.observations import (
    EtcdAlarm,
    EtcdEndpointFailure,
    EtcdEndpointHealth,
    EtcdEndpointStatus,
    EtcdMember,
    EtcdMemberList,
    EtcdMemberView,
    EtcdObservation,
    EtcdStatusResult,
    ProbeError,
)
from hatui.parsers._common import as_bool, as_int, as_str, fail, load_json

_STATUS_FAILED = re.compile(
    r"^Failed to get the status of endpoint (?P<ep>\S+) \((?P<err>.*)\)\s*$"
)
_HEALTH_TEXT = re.compile(
    r"^(?P<ep>\S+) is (?P<state>healthy|unhealthy): (?P<detail>.*?)(?:: took = (?P<took>\S+))?\s*$"
)
_ALARM = re.compile(r"^memberID:(?P<id>\d+)\s+alarm:(?P<alarm>\S+)\s*$")
_DURATION = re.compile(r"(?P<num>\d+(?:\.\d+)?)(?P<unit>ns|us|µs|μs|ms|s|m|h)")
_UNIT_MS = {
    "ns": 1e-6,
    "us": 1e-3,
    "µs": 1e-3,
    "μs": 1e-3,
    "ms": 1.0,
    "s": 1e3,
    "m": 6e4,
    "h": 3.6e6,
}


def go_duration_ms(text: str) -> float | None:
    """Milliseconds from a Go duration string ("10.597349ms", "5.001763142s", "1m2s")."""
    text = text.strip()
    parts = _DURATION.findall(text)
    if not parts or "".join(num + unit for num, unit in parts) != text:
        return None
    return sum(float(num) * _UNIT_MS[unit] for num, unit in parts)


def _stderr_error(stderr: str) -> str | None:
    """The `Error: ...` summary etcdctl writes last on stderr, if any."""
    for line in reversed(stderr.splitlines()):
        if line.startswith("Error:"):
            return line.removeprefix("Error:").strip()
    return None


def _exact_id(value: object) -> int | str:
    """A uint64 member id, or a message saying why the value is not one."""
    if isinstance(value, float):
        return f"member id {value!r} is not an exact integer (was the JSON rounded, e.g. by jq?)"
    number = as_int(value)
    if number is None or number < 0:
        return f"member id {value!r} is not a uint64"
    return number


# --------------------------------------------------------------------------------------------
# endpoint status


def parse_etcd_endpoint_status(stdout: str, stderr: str = "") -> EtcdStatusResult | ProbeError:
    """`etcdctl endpoint status -w json` (+ its stderr) -> statuses and unreachable endpoints."""
    source = "etcd-status"
    failures = tuple(
        EtcdEndpointFailure(endpoint=m["ep"], error=m["err"])
        for m in (_STATUS_FAILED.match(ln.strip()) for ln in stderr.splitlines())
        if m
    )
    if not stdout.strip():
        if failures:
            return EtcdStatusResult(statuses=(), failures=failures)
        err = _stderr_error(stderr)
        if err:
            return fail(source, f"etcdctl failed: {err}", stderr)
        return fail(source, "empty output (expected `endpoint status -w json`)")
    doc = load_json(source, stdout)
    if isinstance(doc, ProbeError):
        return doc
    if not isinstance(doc, list):
        return fail(source, f"expected a JSON list of endpoints, got {type(doc).__name__}", stdout)
    statuses: list[EtcdEndpointStatus] = []
    for i, entry in enumerate(doc):
        st = _status(entry)
        if isinstance(st, str):
            return fail(source, f"entry #{i + 1}: {st}", stdout)
        statuses.append(st)
    return EtcdStatusResult(statuses=tuple(statuses), failures=failures)


def _status(entry: Any) -> EtcdEndpointStatus | str:
    if not isinstance(entry, dict) or not isinstance(entry.get("Status"), dict):
        return "expected an object with 'Endpoint' and a 'Status' object"
    endpoint = as_str(entry.get("Endpoint"))
    if not endpoint:
        return "no 'Endpoint'"
    st: dict[str, Any] = entry["Status"]
    raw_header = st.get("header")
    header: dict[str, Any] = raw_header if isinstance(raw_header, dict) else {}
    member_id = _exact_id(header.get("member_id"))
    if isinstance(member_id, str):
        return member_id
    leader: int | None = None
    if st.get("leader") not in (None, 0):
        read = _exact_id(st.get("leader"))
        if isinstance(read, str):
            return read
        leader = read
    cluster = _exact_id(header.get("cluster_id"))
    errors = st.get("errors")
    return EtcdEndpointStatus(
        endpoint=endpoint,
        member_id=member_id,
        leader_id=leader,
        raft_term=as_int(st.get("raftTerm", header.get("raft_term"))),
        raft_index=as_int(st.get("raftIndex")),
        raft_applied_index=as_int(st.get("raftAppliedIndex")),
        db_size=as_int(st.get("dbSize")),
        db_size_in_use=as_int(st.get("dbSizeInUse")),
        version=as_str(st.get("version")),
        cluster_id=cluster if isinstance(cluster, int) else None,
        errors=tuple(str(e) for e in errors) if isinstance(errors, list) else (),
        is_learner=as_bool(st.get("isLearner")) or False,
    )


# --------------------------------------------------------------------------------------------
# endpoint health


def parse_etcd_endpoint_health(
    stdout: str, stderr: str = ""
) -> tuple[EtcdEndpointHealth, ...] | ProbeError:
    """`etcdctl endpoint health -w json` (or the text form on stdout+stderr) -> per endpoint."""
    source = "etcd-health"
    if stdout.strip().startswith(("[", "{")):
        doc = load_json(source, stdout)
        if isinstance(doc, ProbeError):
            return doc
        if not isinstance(doc, list):
            return fail(
                source, f"expected a JSON list of endpoints, got {type(doc).__name__}", stdout
            )
        result: list[EtcdEndpointHealth] = []
        for i, entry in enumerate(doc):
            endpoint = as_str(entry.get("endpoint")) if isinstance(entry, dict) else None
            healthy = as_bool(entry.get("health")) if isinstance(entry, dict) else None
            if endpoint is None or healthy is None:
                return fail(source, f"entry #{i + 1}: expected 'endpoint' and 'health'", stdout)
            took = as_str(entry.get("took"))
            result.append(
                EtcdEndpointHealth(
                    endpoint=endpoint,
                    healthy=healthy,
                    took_ms=go_duration_ms(took) if took else None,
                    error=as_str(entry.get("error")) or None,
                )
            )
        return tuple(result)
    # Text form: healthy lines on stdout, unhealthy ones on stderr.
    text_result: list[EtcdEndpointHealth] = []
    for line in (stdout + "\n" + stderr).splitlines():
        m = _HEALTH_TEXT.match(line.strip())
        if m:
            healthy = m["state"] == "healthy"
            text_result.append(
                EtcdEndpointHealth(
                    endpoint=m["ep"],
                    healthy=healthy,
                    took_ms=go_duration_ms(m["took"]) if m["took"] else None,
                    error=None if healthy else m["detail"],
                )
            )
    if text_result:
        return tuple(text_result)
    err = _stderr_error(stderr)
    if err:
        return fail(source, f"etcdctl failed: {err}", stderr)
    if not stdout.strip():
        return fail(source, "empty output (expected `endpoint health -w json`)")
    return fail(source, "neither JSON nor etcdctl's health lines", stdout)


def parse_etcd_health_json(text: str, endpoint: str) -> EtcdEndpointHealth | ProbeError:
    """etcd's own `GET /health` body (`{"health":"true"}`) for the endpoint that was asked."""
    source = "etcd-/health"
    doc = load_json(source, text)
    if isinstance(doc, ProbeError):
        return doc
    healthy = as_bool(doc.get("health")) if isinstance(doc, dict) else None
    if healthy is None or not isinstance(doc, dict):
        return fail(source, "expected an object with 'health' true/false", text)
    reason = as_str(doc.get("reason")) or None
    return EtcdEndpointHealth(
        endpoint=endpoint, healthy=healthy, error=None if healthy else (reason or "unhealthy")
    )


# --------------------------------------------------------------------------------------------
# member list, alarms


def parse_etcd_member_list(stdout: str, stderr: str = "") -> EtcdMemberList | ProbeError:
    """`etcdctl member list -w json` -> members with ids, names and URLs."""
    source = "etcd-members"
    if not stdout.strip():
        err = _stderr_error(stderr)
        if err:
            return fail(source, f"etcdctl failed: {err}", stderr)
    doc = load_json(source, stdout)
    if isinstance(doc, ProbeError):
        return doc
    if not isinstance(doc, dict) or not isinstance(doc.get("members"), list):
        return fail(source, "expected an object with a 'members' list", stdout)
    members: list[EtcdMember] = []
    for i, entry in enumerate(doc["members"]):
        if not isinstance(entry, dict):
            return fail(source, f"member #{i + 1} is not an object", stdout)
        member_id = _exact_id(entry.get("ID"))
        if isinstance(member_id, str):
            return fail(source, f"member #{i + 1}: {member_id}", stdout)
        peers, clients = entry.get("peerURLs"), entry.get("clientURLs")
        members.append(
            EtcdMember(
                member_id=member_id,
                name=as_str(entry.get("name")) or "",
                peer_urls=tuple(u for u in peers if isinstance(u, str))
                if isinstance(peers, list)
                else (),
                client_urls=tuple(u for u in clients if isinstance(u, str))
                if isinstance(clients, list)
                else (),
                is_learner=as_bool(entry.get("isLearner")) or False,
            )
        )
    header = doc.get("header")
    cluster = _exact_id(header.get("cluster_id")) if isinstance(header, dict) else None
    return EtcdMemberList(
        members=tuple(members), cluster_id=cluster if isinstance(cluster, int) else None
    )


def parse_etcd_alarm_list(stdout: str, stderr: str = "") -> tuple[EtcdAlarm, ...] | ProbeError:
    """`etcdctl alarm list` -> alarms; empty output means no alarm."""
    alarms: list[EtcdAlarm] = []
    for n, line in enumerate(stdout.splitlines(), start=1):
        if not line.strip():
            continue
        m = _ALARM.match(line.strip())
        if m is None:
            return fail("etcd-alarms", f"line {n}: expected 'memberID:N alarm:NAME'", stdout)
        alarms.append(EtcdAlarm(member_id_hex=format(int(m["id"]), "x"), alarm=m["alarm"]))
    if not alarms:
        err = _stderr_error(stderr)
        if err:
            return fail("etcd-alarms", f"etcdctl failed: {err}", stderr)
    return tuple(alarms)


# --------------------------------------------------------------------------------------------
# combined view


@dataclass
class _View:
    """A member being assembled from the different outputs."""

    member_id: int | None
    name: str | None = None
    endpoint: str | None = None
    client_urls: tuple[str, ...] = ()
    status: EtcdEndpointStatus | None = None
    status_error: str | None = None
    health: EtcdEndpointHealth | None = None
    is_learner: bool = False
    errors: list[str] = field(default_factory=list)


def _norm(url: str) -> str:
    return url.strip().rstrip("/").lower()


def combine_etcd(
    *,
    status: EtcdStatusResult | ProbeError | None = None,
    health: tuple[EtcdEndpointHealth, ...] | EtcdEndpointHealth | ProbeError | None = None,
    members: EtcdMemberList | ProbeError | None = None,
    alarms: tuple[EtcdAlarm, ...] | ProbeError | None = None,
) -> EtcdObservation | ProbeError:
    """One view per member from whichever etcd outputs were read; errors become `problems`.

    Members are matched by id (status <-> member list) and by client URL (health, failures).
    `healthy` comes from the health check when there is one, else from the status (answered
    without errors -> True, failed or erroring -> False). Returns the first error when no part
    could be read at all.
    """
    parts: list[object] = [status, health, members, alarms]
    problems = tuple(p for p in parts if isinstance(p, ProbeError))
    if all(p is None or isinstance(p, ProbeError) for p in parts):
        return problems[0] if problems else ProbeError("etcd", "no etcd output was read")

    views: list[_View] = []
    by_id: dict[int, _View] = {}
    by_url: dict[str, _View] = {}

    def add(view: _View) -> _View:
        views.append(view)
        if view.member_id is not None:
            by_id[view.member_id] = view
        for url in (*view.client_urls, *([view.endpoint] if view.endpoint else [])):
            by_url.setdefault(_norm(url), view)
        return view

    cluster_id: int | None = None
    if isinstance(members, EtcdMemberList):
        cluster_id = members.cluster_id
        for m in members.members:
            add(
                _View(
                    member_id=m.member_id,
                    name=m.name or None,
                    endpoint=m.client_urls[0] if m.client_urls else None,
                    client_urls=m.client_urls,
                    is_learner=m.is_learner,
                )
            )
    leader: int | None = None
    if isinstance(status, EtcdStatusResult):
        for st in status.statuses:
            view = by_id.get(st.member_id) or add(
                _View(member_id=st.member_id, endpoint=st.endpoint)
            )
            view.status = st
            by_url.setdefault(_norm(st.endpoint), view)
            view.errors.extend(st.errors)
            view.is_learner = view.is_learner or st.is_learner
            leader = leader if leader is not None else st.leader_id
            cluster_id = cluster_id if cluster_id is not None else st.cluster_id
        for f in status.failures:
            view = by_url.get(_norm(f.endpoint)) or add(_View(member_id=None, endpoint=f.endpoint))
            view.status_error = f.error
            view.errors.append(f"status: {f.error}")
    health_items = (health,) if isinstance(health, EtcdEndpointHealth) else health
    if isinstance(health_items, tuple):
        for h in health_items:
            view = by_url.get(_norm(h.endpoint)) or add(_View(member_id=None, endpoint=h.endpoint))
            view.health = h
            if h.error:
                view.errors.append(f"health: {h.error}")

    def healthy(v: _View) -> bool | None:
        if v.health is not None:
            return v.health.healthy
        if v.status is not None:
            return not v.status.errors
        if v.status_error is not None:
            return False
        return None

    def is_leader(v: _View) -> bool | None:
        if v.status is not None:
            return v.status.is_leader
        if leader is not None and v.member_id is not None:
            return v.member_id == leader
        return None

    built = tuple(
        EtcdMemberView(
            id_hex=format(v.member_id, "x") if v.member_id is not None else None,
            name=v.name,
            endpoint=v.endpoint,
            is_leader=is_leader(v),
            raft_term=v.status.raft_term if v.status else None,
            raft_index=v.status.raft_index if v.status else None,
            db_size=v.status.db_size if v.status else None,
            version=v.status.version if v.status else None,
            errors=tuple(dict.fromkeys(v.errors)),
            healthy=healthy(v),
            is_learner=v.is_learner,
        )
        for v in views
    )
    return EtcdObservation(
        members=built,
        leader_id_hex=format(leader, "x") if leader is not None else None,
        cluster_id_hex=format(cluster_id, "x") if cluster_id is not None else None,
        alarms=alarms if isinstance(alarms, tuple) else (),
        problems=problems,
    )
