"""The local fault journal and audit log, in hatui's state directory.

`faults.jsonl` is append-only JSON lines: each fault is written as `planned` (with every
command it will run and undo) BEFORE anything is done on a node, then `armed`, `active`,
`failed`, `clear-failed` and `cleared` as they happen. So whatever kills hatui (SIGKILL, a
lost terminal, a crash), the journal names every fault that may be in place and how to
undo it; `hatui clear INVENTORY` replays the clear steps of all that are not `cleared`.
Each event is one `write` of one line, flushed to disk (fsync) before hatui goes on; a
line cut short by a crash is skipped on reading (and a newline put after it before the
next append), never taken for a fault.

`audit.jsonl` gets one line per inject and clear: who (user@host), when, the cluster, the
fault, its nodes, the commands and the result.

The directory is $HATUI_STATE_DIR, else $XDG_STATE_HOME/hatui, else ~/.local/state/hatui
(created 0700; files 0600). Both files are locked (flock) while written, so the app and a
CLI can share them.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hatui.faults import steps
from hatui.faults.catalog import Check, NodePlan, Plan, check_fault_id
from hatui.faults.errors import JournalError
from hatui.faults.facts import Facts
from hatui.faults.kinds import FaultKind
from hatui.faults.ttl import remaining

ENV_STATE_DIR = "HATUI_STATE_DIR"
JOURNAL_NAME = "faults.jsonl"
AUDIT_NAME = "audit.jsonl"
VERSION = 1

PLANNED, ARMED, ACTIVE, FAILED, CLEAR_FAILED, CLEARED = (
    "planned",
    "armed",
    "active",
    "failed",
    "clear-failed",
    "cleared",
)
EVENTS = (PLANNED, ARMED, ACTIVE, FAILED, CLEAR_FAILED, CLEARED)


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where hatui keeps its journal: $HATUI_STATE_DIR, $XDG_STATE_HOME/hatui, or
    ~/.local/state/hatui."""
    env = os.environ if environ is None else environ
    if env.get(ENV_STATE_DIR):
        return Path(env[ENV_STATE_DIR])
    xdg = env.get("XDG_STATE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "hatui"
    return Path(env.get("HOME") or os.path.expanduser("~")) / ".local" / "state" / "hatui"


# --------------------------------------------------------------------------------------------
# plans as JSON


def _check_to_dict(check: Check) -> dict[str, Any]:
    return {"step": steps.to_dict(check.step), "maint": check.maint}


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan as the `planned` event stores it."""
    return {
        "id": plan.fault_id,
        "kind": plan.kind.value,
        "target": plan.target,
        "backend": plan.backend,
        "ttl": plan.ttl,
        "facts": plan.facts.to_dict(),
        "nodes": [
            {
                "node": n.node,
                "inject": [steps.to_dict(s) for s in n.inject],
                "clear": [steps.to_dict(s) for s in n.clear],
                "check": _check_to_dict(n.check),
            }
            for n in plan.nodes
        ],
    }


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    """A plan from a `planned` event; ValueError (or KeyError/TypeError) if malformed."""
    nodes = []
    for n in data["nodes"]:
        check = n["check"]
        maint = check.get("maint")
        nodes.append(
            NodePlan(
                node=str(n["node"]),
                inject=tuple(steps.from_dict(s) for s in n["inject"]),
                clear=tuple(steps.from_dict(s) for s in n["clear"]),
                check=Check(steps.from_dict(check["step"]), str(maint) if maint else None),
            )
        )
    backend = data.get("backend")
    return Plan(
        fault_id=check_fault_id(str(data["id"])),
        kind=FaultKind(data["kind"]),
        target=str(data["target"]),
        ttl=float(data["ttl"]),
        nodes=tuple(nodes),
        facts=Facts.from_dict(data.get("facts", {})),
        backend=str(backend) if backend else None,
    )


# --------------------------------------------------------------------------------------------
# records


@dataclass(frozen=True)
class FaultRecord:
    """One fault as the journal knows it: its plan and what has happened to it."""

    plan: Plan
    cluster: str
    who: str
    created_at: float
    expires_at: float
    """When the node's watchdog clears it (epoch seconds, this machine's clock)."""
    status: str = PLANNED
    """The latest event: planned, armed, active, failed, clear-failed or cleared."""
    watchdogs: Mapping[str, int] = field(default_factory=dict)
    """The watchdog pid on each node, once armed."""
    error: str | None = None
    """What went wrong, for failed and clear-failed."""
    cleared_at: float | None = None
    cleared_by: str | None = None
    """"hatui" (cleared on request), "watchdog" (the TTL ran out) or "rollback"."""

    @property
    def fault_id(self) -> str:
        return self.plan.fault_id

    @property
    def kind(self) -> FaultKind:
        return self.plan.kind

    @property
    def target(self) -> str:
        return self.plan.target

    @property
    def in_place(self) -> bool:
        """Not cleared: something of it may be on a node (clear it to be sure)."""
        return self.status != CLEARED

    def remaining(self, now: float) -> float:
        """Seconds until the watchdog clears it; 0 once the TTL has run out."""
        return remaining(self.expires_at, now)

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


def _fold(record: FaultRecord, event: Mapping[str, Any]) -> FaultRecord:
    kind = event["event"]
    at = float(event.get("at", 0.0))
    if kind == ARMED:
        pids = event.get("watchdogs", {})
        merged = {**record.watchdogs, **{str(k): int(v) for k, v in pids.items()}}
        return _replace(record, status=ARMED, watchdogs=merged)
    if kind == ACTIVE:
        return _replace(record, status=ACTIVE, error=None)
    if kind in (FAILED, CLEAR_FAILED):
        return _replace(record, status=kind, error=str(event.get("error", "")))
    if kind == CLEARED:
        by = str(event.get("by", "hatui"))
        return _replace(record, status=CLEARED, cleared_at=at, cleared_by=by, error=None)
    raise ValueError(f"unknown event {kind!r}")


def _replace(record: FaultRecord, **changes: Any) -> FaultRecord:
    return replace(record, **changes)


# --------------------------------------------------------------------------------------------
# the files


def _fsync_append(path: Path, line: str) -> None:
    """Append one line under an exclusive lock and flush it to disk."""
    data = (line.rstrip("\n") + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size:
            # a crash mid-write may have left a line without its newline: end it first
            with open(path, "rb") as f:
                f.seek(size - 1)
                if f.read(1) != b"\n":
                    data = b"\n" + data
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """The journal and audit log of one state directory (see the module doc)."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else state_dir()
        self.warnings: list[str] = []
        """Lines skipped by the last read (cut short by a crash, or not hatui's)."""

    @property
    def path(self) -> Path:
        return self.directory / JOURNAL_NAME

    @property
    def audit_path(self) -> Path:
        return self.directory / AUDIT_NAME

    def _ensure_dir(self) -> None:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as err:
            raise JournalError(f"cannot create {self.directory}: {err.strerror}") from None

    def _append(self, path: Path, record: Mapping[str, Any]) -> None:
        self._ensure_dir()
        try:
            _fsync_append(path, json.dumps(record, sort_keys=True))
        except OSError as err:
            raise JournalError(f"cannot write {path}: {err.strerror}") from None

    # -- writing -----------------------------------------------------------------------------

    def planned(self, plan: Plan, *, cluster: str, who: str, now: float) -> FaultRecord:
        """Record a fault before anything of it is done; returns its record."""
        event = {
            "v": VERSION,
            "event": PLANNED,
            "id": plan.fault_id,
            "at": now,
            "cluster": cluster,
            "who": who,
            "expires_at": now + plan.ttl,
            "plan": plan_to_dict(plan),
        }
        self._append(self.path, event)
        return FaultRecord(plan, cluster, who, now, now + plan.ttl)

    def event(self, fault_id: str, event: str, *, now: float, **fields: Any) -> None:
        """Record what happened to a fault (one of EVENTS after `planned`)."""
        if event not in EVENTS or event == PLANNED:
            raise ValueError(f"not an event: {event!r}")
        self._append(self.path, {"v": VERSION, "event": event, "id": fault_id, "at": now, **fields})

    def audit(
        self,
        *,
        action: str,
        who: str,
        record: FaultRecord,
        commands: list[str],
        result: str,
        now: float | None = None,
    ) -> None:
        """One audit line: who did what to which fault on which nodes, with what result."""
        at = time.time() if now is None else now
        self._append(
            self.audit_path,
            {
                "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)),
                "ts": at,
                "who": who,
                "action": action,
                "cluster": record.cluster,
                "id": record.fault_id,
                "fault": record.kind.value,
                "target": record.target,
                "nodes": list(record.plan.node_names),
                "commands": commands,
                "result": result,
            },
        )

    # -- reading -----------------------------------------------------------------------------

    def _lines(self) -> Iterator[tuple[int, str]]:
        try:
            with open(self.path, encoding="utf-8", errors="replace") as f:
                fcntl.flock(f.fileno(), fcntl.LOCK_SH)
                text = f.read()
        except FileNotFoundError:
            return
        except OSError as err:
            raise JournalError(f"cannot read {self.path}: {err.strerror}") from None
        yield from enumerate(text.splitlines(), start=1)

    def records(self, cluster: str | None = None) -> list[FaultRecord]:
        """Every fault in the journal (of `cluster` when given), oldest first."""
        self.warnings = []
        found: dict[str, FaultRecord] = {}
        for number, line in self._lines():
            if not line.strip():
                continue
            try:
                event = json.loads(line)
                if not isinstance(event, dict):
                    raise ValueError("not an object")
                fault_id = check_fault_id(str(event["id"]))
                if event["event"] == PLANNED:
                    plan = plan_from_dict(event["plan"])
                    if plan.fault_id != fault_id:
                        raise ValueError("plan id differs")
                    found[fault_id] = FaultRecord(
                        plan=plan,
                        cluster=str(event["cluster"]),
                        who=str(event.get("who", "")),
                        created_at=float(event["at"]),
                        expires_at=float(event["expires_at"]),
                    )
                elif fault_id in found:
                    found[fault_id] = _fold(found[fault_id], event)
                else:
                    raise ValueError(f"event for fault {fault_id} before it was planned")
            except (ValueError, KeyError, TypeError, AttributeError) as err:
                self.warnings.append(f"{self.path}:{number}: line skipped ({err})")
        records = list(found.values())
        if cluster is not None:
            records = [r for r in records if r.cluster == cluster]
        return records

    def in_place(self, cluster: str) -> list[FaultRecord]:
        """The faults of `cluster` that are not cleared, oldest first."""
        return [r for r in self.records(cluster) if r.in_place]

    def get(self, cluster: str, fault_id: str) -> FaultRecord | None:
        """The fault `fault_id` of `cluster`, if the journal has it."""
        return next((r for r in self.records(cluster) if r.fault_id == fault_id), None)
