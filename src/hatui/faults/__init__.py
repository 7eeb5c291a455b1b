"""Fault injection that is safe by construction: inject, clear, TTL watchdogs, journal, guards.

- `kinds`: the faults by name; `catalog`: the exact commands of each (pure);
- `facts`: what is read on the nodes first; `iptables`, `steps`: how commands are built;
- `watchdog`: the process on the target node that clears a fault at its TTL;
- `guards`: the consequences that need explicit confirmation (pure, over a ClusterState);
- `journal`: the local record of every fault (written before it is injected) and audit log;
- `manager`: `FaultManager`, the async API the CLI and the app use.

Nothing here imports textual or rich, and nodes are reached only through `hatui.transport`.
"""

from hatui.faults.catalog import Plan, build_plan
from hatui.faults.errors import (
    FaultError,
    FaultFailed,
    GuardRefused,
    JournalError,
    NotApplicable,
    ReadOnly,
    UnknownFault,
)
from hatui.faults.journal import FaultRecord, Journal, state_dir
from hatui.faults.kinds import EFFECTS, FaultKind
from hatui.faults.manager import ClearResult, FaultManager, FaultStatus, NodeStatus
from hatui.faults.ttl import DEFAULT_TTL, format_duration, parse_ttl

__all__ = [
    "DEFAULT_TTL",
    "EFFECTS",
    "ClearResult",
    "FaultError",
    "FaultFailed",
    "FaultKind",
    "FaultManager",
    "FaultRecord",
    "FaultStatus",
    "GuardRefused",
    "Journal",
    "JournalError",
    "NodeStatus",
    "NotApplicable",
    "Plan",
    "ReadOnly",
    "UnknownFault",
    "build_plan",
    "format_duration",
    "parse_ttl",
    "state_dir",
]
