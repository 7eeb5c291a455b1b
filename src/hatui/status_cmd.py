"""`hatui status INVENTORY`: one sweep, printed as a compact table or as JSON.

For scripts and quick triage; the TUI renders the same `ClusterState` live. The command
connects to every master over the same SSH pool the TUI uses, runs one sweep
(`hatui.collector.sweep`), prints it and exits with a code that says how bad it is
(`EXIT_CODES`). `--watch` repeats it (`hatui.collector.Collector`) until Ctrl-C.

The rendering (`render_table`, `status_document`) is pure: a state in, text or a dict out,
so it is tested without a lab. The JSON schema is documented in docs/status-json.md and
versioned by `SCHEMA_VERSION`. No colour codes are written unless stdout is a terminal
(and NO_COLOR is unset). Secrets never get here: the parsers drop keepalived's auth_data and
redact error excerpts; track scripts are shown by name, never by command line.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO
from urllib.parse import urlsplit

from hatui.cli_usage import usage_exits_4
from hatui.errors import HatuiError, InventoryError
from hatui.inventory import Inventory, load_inventory
from hatui.model import ClusterState, NodeObservation, Probe, Verdict
from hatui.model.state import EtcdQuorum
from hatui.observations import (
    AddressObservation,
    ApiHealthObservation,
    EtcdMemberView,
    EtcdObservation,
    HaproxyObservation,
    KeepalivedLog,
    KeepalivedObservation,
    KubeApiObservation,
    LeaderLease,
    LvsObservation,
    NginxObservation,
    ProbeError,
    VrrpInstance,
)
from hatui.parsers import vip_on
from hatui.recording import Recorder

SCHEMA_VERSION = 1

EXIT_USAGE = 4
EXIT_CODES: dict[Verdict, int] = {
    Verdict.HEALTHY: 0,
    Verdict.DEGRADED: 1,
    Verdict.API_DOWN: 2,
    Verdict.QUORUM_LOST: 2,
    Verdict.SPLIT_BRAIN: 2,
    Verdict.UNKNOWN: 3,
}
"""The exit status for each verdict; 4 is a usage or inventory error."""

EPILOG = """\
exit status:
  0  HEALTHY
  1  DEGRADED (the API works, but something is off: a backend down, a member sick...)
  2  API-DOWN, QUORUM-LOST or SPLIT-BRAIN
  3  UNKNOWN (no master could be observed)
  4  usage or inventory error (the message names file:line: field)
With --watch, the status of the last sweep. JSON schema: docs/status-json.md.
"""

LOG_EVENTS_IN_JSON = 10


def exit_code(verdict: Verdict) -> int:
    """The exit status `hatui status` ends with for this verdict."""
    return EXIT_CODES[verdict]


# --------------------------------------------------------------------------------------------
# command line


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return value


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def add_status_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `status` subcommand to hatui's subparsers (dispatch with `run_status`)."""
    p = sub.add_parser(
        "status",
        help="one sweep of the control plane, as a table or JSON; exit status says how bad",
        description="Connect to every master, run every probe once and print the picture.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inventory", metavar="INVENTORY", help="the inventory YAML file")
    p.add_argument("--json", action="store_true", help="print JSON (docs/status-json.md)")
    p.add_argument(
        "--watch",
        nargs="?",
        type=_positive,
        const=2.0,
        default=None,
        metavar="SECONDS",
        help="repeat every SECONDS (default 2) until Ctrl-C; with --json, one document a line",
    )
    p.add_argument(
        "--count",
        type=_count,
        default=None,
        metavar="N",
        help="with --watch: stop after N sweeps",
    )
    p.add_argument(
        "--record",
        metavar="FILE",
        default=None,
        help="append every observed state to FILE (JSON lines, redacted; `hatui replay FILE`)",
    )
    p.add_argument(
        "--timeout",
        type=_positive,
        default=None,
        metavar="S",
        help="bound every remote call to S seconds (default: the inventory's command_timeout)",
    )
    p.set_defaults(command="status")
    usage_exits_4(p)


def run_status(args: argparse.Namespace) -> int:
    """Run `hatui status` with parsed arguments; returns the exit status."""
    try:
        inventory = load_inventory(args.inventory)
    except InventoryError as err:
        print(f"hatui status: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.count is not None and args.watch is None:
        print("hatui status: error: --count needs --watch", file=sys.stderr)
        return EXIT_USAGE
    out = sys.stdout
    color = out.isatty() and not os.environ.get("NO_COLOR")
    runner = _Runner(inventory, args, out, color)
    try:
        return asyncio.run(runner.main())
    except KeyboardInterrupt:
        return runner.code if runner.code is not None else 130
    except HatuiError as err:  # IdentityFileError and the like: the setup is wrong
        print(f"hatui status: {err.title}: {err}", file=sys.stderr)
        return EXIT_USAGE


class _Runner:
    """One `hatui status` run: the pool, the sweeps, the printing."""

    def __init__(self, inventory: Inventory, args: argparse.Namespace, out: TextIO, color: bool):
        self.inventory = inventory
        self.args = args
        self.out = out
        self.color = color
        self.code: int | None = None
        self.kube_warmup: asyncio.Task[None] | None = None
        self.recorder = Recorder(args.record) if getattr(args, "record", None) else None

    def show(self, state: ClusterState, seconds: float, first: bool) -> None:
        if self.recorder is not None:
            self.recorder.write(state)
        if self.args.json:
            doc = status_document(state, self.inventory, sweep_seconds=seconds)
            indent = None if self.args.watch is not None else 2
            self.out.write(json.dumps(doc, indent=indent) + "\n")
        else:
            if self.args.watch is not None:
                self.out.write("\x1b[H\x1b[2J" if self.color else ("" if first else "\n"))
            self.out.write(
                render_table(state, self.inventory, sweep_seconds=seconds, color=self.color)
            )
        self.out.flush()
        self.code = exit_code(state.verdict)

    async def main(self) -> int:
        try:
            return await self._sweeps()
        finally:
            if self.recorder is not None:
                self.recorder.close()

    async def _sweeps(self) -> int:
        # imported here so that `hatui --help` and inventory errors never load asyncssh
        from hatui.collector import Collector, sweep
        from hatui.probes import kube_api_for
        from hatui.transport import SshPool

        # the kubernetes client loads (about a second) while SSH connects; kept referenced
        self.kube_warmup = asyncio.create_task(kube_api_for(self.inventory.kubeconfig).prepare())
        async with SshPool(self.inventory) as pool:
            if self.args.watch is None:
                began = time.monotonic()
                state = await sweep(pool, self.inventory, timeout=self.args.timeout)
                self.show(state, time.monotonic() - began, True)
                return self.code if self.code is not None else 3
            collector = Collector(
                pool, self.inventory, interval=self.args.watch, timeout=self.args.timeout
            )
            async for state in collector.states():
                self.show(state, collector.last_duration or 0.0, collector.sweeps == 1)
                if self.args.count is not None and collector.sweeps >= self.args.count:
                    collector.stop()
        return self.code if self.code is not None else 3


# --------------------------------------------------------------------------------------------
# facts per node, shared by the table and the JSON


def _instance(state: ClusterState, ka: KeepalivedObservation) -> VrrpInstance | None:
    spec = state.spec
    if spec.vrrp_instance is not None or spec.virtual_router_id is not None:
        found = ka.instance(name=spec.vrrp_instance, vrid=spec.virtual_router_id)
        if found is not None:
            return found
    return ka.instances[0] if ka.instances else None


def _host(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _same_host(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a.lower() == b.lower()


@dataclass
class _Member:
    """One etcd member merged over every vantage node's view."""

    id_hex: str | None
    name: str | None
    endpoint: str | None
    healthy: bool | None
    is_leader: bool | None
    raft_term: int | None
    raft_index: int | None
    db_size: int | None
    version: str | None
    errors: list[str]


def etcd_members(state: ClusterState) -> list[_Member]:
    """Every etcd member, merged over the views: healthy if any view saw it healthy."""
    merged: dict[str, _Member] = {}
    for node in state.nodes:
        view = node.etcd.value if node.reachable and node.etcd is not None else None
        if not isinstance(view, EtcdObservation):
            continue
        for m in view.members:
            key = m.id_hex or m.endpoint or m.name or "?"
            cur = merged.get(key)
            if cur is None:
                merged[key] = _from_view(m)
                continue
            cur.name = cur.name or m.name
            cur.endpoint = cur.endpoint or m.endpoint
            # as in the model's quorum: one view that saw it healthy outweighs the others
            if m.healthy is True or cur.healthy is None:
                cur.healthy = True if cur.healthy is True else m.healthy
            if m.is_leader is True or cur.is_leader is None:
                cur.is_leader = True if cur.is_leader is True else m.is_leader
            if m.raft_index is not None and (cur.raft_index or -1) < m.raft_index:
                cur.raft_term, cur.raft_index = m.raft_term, m.raft_index
                cur.db_size, cur.version = m.db_size, m.version
            cur.errors.extend(e for e in m.errors if e not in cur.errors)
    return list(merged.values())


def _from_view(m: EtcdMemberView) -> _Member:
    return _Member(
        id_hex=m.id_hex,
        name=m.name,
        endpoint=m.endpoint,
        healthy=m.healthy,
        is_leader=m.is_leader,
        raft_term=m.raft_term,
        raft_index=m.raft_index,
        db_size=m.db_size,
        version=m.version,
        errors=list(m.errors),
    )


def member_of(node: str, address: str, members: list[_Member]) -> _Member | None:
    """The etcd member that runs on a master: same name, or its client URL on its address."""
    for m in members:
        if m.name == node:
            return m
    for m in members:
        if _same_host(_host(m.endpoint), address):
            return m
    return None


def _address(state: ClusterState, name: str) -> str:
    spec = state.spec.node(name)
    return spec.address if spec is not None else ""


def _holds_vip(state: ClusterState, node: NodeObservation) -> bool | None:
    addrs = node.addresses.value if node.reachable and node.addresses else None
    if not isinstance(addrs, AddressObservation):
        return None
    return vip_on(addrs, state.spec.vip) is not None


# --------------------------------------------------------------------------------------------
# the table


_COLORS = {"green": "32", "yellow": "33", "red": "31", "magenta": "35", "bold": "1", "dim": "2"}
_VERDICT_COLOR = {
    Verdict.HEALTHY: "green",
    Verdict.DEGRADED: "yellow",
    Verdict.API_DOWN: "red",
    Verdict.QUORUM_LOST: "red",
    Verdict.SPLIT_BRAIN: "red",
    Verdict.UNKNOWN: "magenta",
}


@dataclass(frozen=True)
class _Cell:
    text: str
    color: str | None = None


def _paint(text: str, color: str | None, enabled: bool) -> str:
    if not enabled or color is None:
        return text
    return f"\x1b[{_COLORS[color]}m{text}\x1b[0m"


def _ago(seconds: float) -> str:
    return f"{max(0, round(seconds))} s"


def _keepalived_cells(state: ClusterState, node: NodeObservation) -> tuple[_Cell, _Cell]:
    probe = node.keepalived
    if probe is None:
        return _Cell("-"), _Cell("-")
    if probe.error is not None:
        return _Cell("error", "red"), _Cell("?")
    ka = probe.value
    assert ka is not None
    if not ka.running:
        return _Cell("STOP", "red"), _Cell("-")
    inst = _instance(state, ka)
    if inst is None:
        return _Cell("no instance", "yellow"), _Cell("-")
    color = {"MASTER": "green", "BACKUP": None}.get(str(inst.state), "red")
    base = inst.base_priority if inst.base_priority is not None else "?"
    eff = inst.effective_priority if inst.effective_priority is not None else "?"
    return _Cell(str(inst.state), color), _Cell(f"{base}/{eff}")


def _lb_cell(state: ClusterState, node: NodeObservation) -> _Cell:
    if node.name not in state.spec.lb_hosts:
        return _Cell("-")
    if node.lb is None:
        return _Cell("?")
    if node.lb.error is not None:
        return _Cell("error", "red")
    mine = [b for b in state.verdicts.lb if b.node == node.name]
    if not mine:
        return _Cell("?")
    up, total = sum(b.up for b in mine), sum(b.total for b in mine)
    return _Cell(
        f"{up}/{total}", "green" if up == total and total else "red" if not up else "yellow"
    )


def _etcd_cell(member: _Member | None, queried: bool) -> _Cell:
    if member is None:
        return _Cell("?" if queried else "-")
    word = {True: "healthy", False: "unhealthy", None: "?"}[member.healthy]
    color = {True: "green", False: "red", None: None}[member.healthy]
    if member.is_leader:
        word += ", leader"
    return _Cell(word, color)


def _health_cell(probe: Probe[ApiHealthObservation] | None) -> _Cell:
    if probe is None:
        return _Cell("-")
    if probe.error is not None:
        return _Cell("error", "red")
    health = probe.value
    assert health is not None
    if health.ok:
        return _Cell("ok", "green")
    if health.refused:
        return _Cell(f"HTTP {health.status_code}", "yellow")
    if health.failed_checks:
        return _Cell("failed: " + ",".join(health.failed_checks), "red")
    return _Cell(_short(health.message) or "failed", "red")


def _short(text: str, width: int = 30) -> str:
    """The head of a message for a table cell: up to its detail, cut short."""
    text = re.split(r": | \(", " ".join(text.split()))[0]
    return text if len(text) <= width else text[: width - 3] + "..."


def _quorum_text(q: EtcdQuorum | None) -> tuple[str, str | None]:
    if q is None:
        return "not observed", "yellow"
    text = f"{q.healthy}/{q.members} healthy, needs {q.needed}"
    if q.unknown:
        text += f", {q.unknown} unknown"
    if q.has_quorum is False:
        return text + ": quorum LOST", "red"
    if q.has_quorum is None:
        return text + ": quorum uncertain", "yellow"
    more = f"tolerates {q.tolerates} more failure{'s' if q.tolerates != 1 else ''}"
    leader = f"; leader {q.leader}" if q.leader else "; no leader"
    return f"{text}, {more}{leader}", "green" if q.tolerates > 0 else "yellow"


def render_table(
    state: ClusterState,
    inventory: Inventory,
    *,
    sweep_seconds: float | None = None,
    color: bool = False,
    now: float | None = None,
) -> str:
    """The status as a compact, aligned table (ANSI colours only when `color`)."""
    now = state.derived_at if now is None else now
    v = state.verdicts
    lines: list[str] = []
    holders = " and ".join(v.vip_holders) if v.vip_holders else "nobody"
    if v.vip_unknown_on and not v.vip_holders:
        holders = f"nobody reachable ({', '.join(v.vip_unknown_on)} unknown)"
    verdict = _paint(str(v.verdict), _VERDICT_COLOR[v.verdict], color)
    lines.append(
        f"{_paint(inventory.cluster, 'bold', color)}  VIP {state.spec.vip} on {holders}  {verdict}"
    )
    for reason in v.reasons:
        lines.append(f"  - {reason}")
    lines.append("")

    members = etcd_members(state)
    header = ("NODE", "SSH", "KEEPALIVED", "PRIO b/e", "VIP", "LB UP", "ETCD", "READYZ")
    rows: list[tuple[_Cell, ...]] = []
    notes: list[str] = []
    for node in state.nodes:
        if not node.reachable:
            retry = ""
            if node.retry_at is not None:
                retry = f", retry in {_ago(node.retry_at - now)}"
            notes.append(f"  {node.name}: unreachable: {node.unreachable_reason}{retry}")
            rows.append((_Cell(node.name), _Cell("DOWN", "red"), *[_Cell("-")] * 6))
            continue
        ka_state, prio = _keepalived_cells(state, node)
        holds = _holds_vip(state, node)
        vip = _Cell({True: "yes", False: "-", None: "?"}[holds], "green" if holds else None)
        member = member_of(node.name, _address(state, node.name), members)
        rows.append(
            (
                _Cell(node.name),
                _Cell("up"),
                ka_state,
                prio,
                vip,
                _lb_cell(state, node),
                _etcd_cell(member, bool(members)),
                _health_cell(node.readyz),
            )
        )
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(c.text)) for w, c in zip(widths, row, strict=True)]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in rows:
        cells = [
            _paint(c.text, c.color, color) + " " * (w - len(c.text))
            for c, w in zip(row, widths, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    lines.extend(notes)
    lines.append("")

    host, port = inventory.api_endpoint
    endpoint = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines.append(f"API via {endpoint}: {_api_text(state, color)}")
    lines.extend(_kube_lines(state, color))
    quorum, q_color = _quorum_text(v.etcd)
    lines.append(f"etcd quorum: {_paint(quorum, q_color, color)}")
    if v.expected_master and v.vip_holder and v.expected_master != v.vip_holder:
        lines.append(f"VRRP should elect {v.expected_master} (priority {v.expected_priority})")
    took = f" in {sweep_seconds:.2f} s" if sweep_seconds is not None else ""
    stamp = time.strftime("%H:%M:%S", time.localtime(state.derived_at))
    lines.append(_paint(f"swept{took} at {stamp}", "dim", color))
    return "\n".join(lines) + "\n"


def _api_text(state: ClusterState, color: bool) -> str:
    probe = state.api_via_vip
    if probe is None:
        return "not checked"
    if probe.error is not None:
        return _paint(f"FAILED: {probe.error.message}", "red", color)
    health = probe.value
    assert health is not None
    if health.ok:
        return _paint("ok", "green", color)
    if health.refused:
        return _paint(f"answers, HTTP {health.status_code} (readiness unknown)", "yellow", color)
    failed = f" ({', '.join(health.failed_checks)})" if health.failed_checks else ""
    code = f"HTTP {health.status_code}" if health.status_code else health.message
    return _paint(f"NOT READY: {code}{failed}", "red", color)


def _kube_lines(state: ClusterState, color: bool) -> list[str]:
    """Node Ready and the leaders, when a kubeconfig was used (no lines otherwise)."""
    probe = state.kube_api
    if probe is None:
        return []
    if probe.error is not None:
        return [f"k8s API: {_paint(f'FAILED: {probe.error.message}', 'red', color)}"]
    kube = probe.value
    assert kube is not None
    if isinstance(kube.nodes, ProbeError):
        nodes = _paint(f"FAILED: {kube.nodes.message}", "red", color)
    elif not kube.nodes.nodes:
        nodes = _paint("no control-plane node listed", "yellow", color)
    else:
        nodes = ", ".join(
            _paint(f"{n.name} {n.status_text}", None if n.is_ready else "red", color)
            for n in kube.nodes.nodes
        )
    leaders = []
    for name, lease in kube.leases:
        short = name.removeprefix("kube-")
        leader = _leader(state, name)
        if isinstance(lease, ProbeError):
            leaders.append(_paint(f"{short} FAILED: {lease.message}", "red", color))
        elif leader is not None:
            leaders.append(f"{short} {leader}")
        else:
            was = f" ({lease.holder}'s lease expired)" if lease.holder else ""
            leaders.append(_paint(f"{short} NONE{was}", "red", color))
    return [f"k8s nodes: {nodes}", f"k8s leaders: {', '.join(leaders)}"]


def _leader(state: ClusterState, lease: str) -> str | None:
    """The node holding a live lease, as `derive` decided."""
    v = state.verdicts
    return v.controller_manager_leader if lease == "kube-controller-manager" else v.scheduler_leader


# --------------------------------------------------------------------------------------------
# JSON


def _error(err: ProbeError | None) -> dict[str, str] | None:
    if err is None:
        return None
    return {"source": err.source, "message": err.message, "excerpt": err.excerpt}


def _probe_head(probe: Probe[Any]) -> dict[str, Any]:
    return {"observed_at": probe.observed_at, "error": _error(probe.error)}


def _keepalived_doc(state: ClusterState, probe: Probe[KeepalivedObservation] | None) -> Any:
    if probe is None:
        return None
    doc = _probe_head(probe)
    ka = probe.value
    if ka is None:
        return doc
    inst = _instance(state, ka) if ka.running else None
    doc.update(
        running=ka.running,
        source=ka.source,
        instance=None,
    )
    if inst is not None:
        doc["instance"] = {
            "name": inst.name,
            "vrid": inst.vrid,
            "state": str(inst.state),
            "base_priority": inst.base_priority,
            "effective_priority": inst.effective_priority,
            "master_router": inst.master_router,
            "master_priority": inst.heard_master_priority,
            "nopreempt": inst.nopreempt,
            "vip_set": inst.vipset,
            "interface": inst.interface,
            "last_transition": inst.last_transition,
            "adverts": None
            if inst.adverts is None
            else {
                "received": inst.adverts.advert_rcvd,
                "sent": inst.adverts.advert_sent,
                "became_master": inst.adverts.become_master,
                "released_master": inst.adverts.release_master,
            },
            "track_scripts": [
                {
                    "name": s.name,
                    "status": str(s.status),
                    "weight": s.weight,
                    "priority_effect": s.priority_effect,
                }
                for s in inst.track_scripts
            ],
        }
    return doc


def _log_doc(probe: Probe[KeepalivedLog] | None) -> Any:
    if probe is None:
        return None
    doc = _probe_head(probe)
    log = probe.value
    if log is not None:
        doc["events"] = [
            {
                "time": e.timestamp,
                "time_text": e.time_text,
                "kind": str(e.kind),
                "instance": e.instance,
                "line": e.line,
            }
            for e in log.events[-LOG_EVENTS_IN_JSON:]
        ]
    return doc


def _lb_doc(state: ClusterState, node: NodeObservation) -> Any:
    probe = node.lb
    if probe is None:
        return None
    doc = _probe_head(probe)
    doc["kind"] = state.spec.lb_kind
    lb = probe.value
    if lb is None:
        return doc
    mine = [b for b in state.verdicts.lb if b.node == node.name]
    doc["up"] = sum(b.up for b in mine)
    doc["total"] = sum(b.total for b in mine)
    backends: list[dict[str, Any]] = []
    if isinstance(lb, HaproxyObservation):
        backends = [
            {
                "proxy": s.proxy,
                "server": s.server,
                "address": s.addr,
                "status": str(s.status),
                "status_raw": s.status_raw,
                "check_status": s.check_status,
                "check_duration_ms": s.check_duration_ms,
                "last_change_s": s.last_change_s,
                "failed_checks": s.chkfail,
            }
            for s in lb.servers
        ]
    elif isinstance(lb, NginxObservation):
        backends = [
            {
                "server": c.backend,
                "status": "UP" if c.ok else "DOWN",
                "connect_ms": c.duration_ms,
                "error": c.error,
            }
            for c in lb.connects
        ]
        log = lb.log
        doc["log"] = None
        if log is not None:
            doc["log"] = {
                "error": _error(log if isinstance(log, ProbeError) else None),
                "failures": []
                if isinstance(log, ProbeError)
                else [
                    {
                        "upstream": f.upstream,
                        "reason": f.reason,
                        "count": f.count,
                        "last_at": f.last_at,
                        "disabled": f.disabled,
                    }
                    for f in log.failures
                ],
            }
    elif isinstance(lb, LvsObservation):
        backends = [
            {
                "proxy": f"{svc.protocol} {svc.address}" + (f":{svc.port}" if svc.port else ""),
                "server": f"{r.address}:{r.port}",
                "status": "UP" if r.weight > 0 else "DOWN",
                "weight": r.weight,
            }
            for svc in lb.services
            for r in svc.real_servers
        ]
    doc["backends"] = backends
    return doc


def _health_doc(probe: Probe[ApiHealthObservation] | None) -> Any:
    if probe is None:
        return None
    doc = _probe_head(probe)
    health = probe.value
    if health is not None:
        doc.update(
            ok=health.ok,
            status_code=health.status_code,
            failed_checks=list(health.failed_checks),
            message=health.message,
        )
    return doc


def _lease_doc(state: ClusterState, name: str, lease: LeaderLease | ProbeError) -> Any:
    if isinstance(lease, ProbeError):
        return {"error": _error(lease)}
    return {
        "error": None,
        "leader": _leader(state, name),
        "holder": lease.holder,
        "holder_identity": lease.holder_identity,
        "lease_duration_s": lease.lease_duration_s,
        "acquire_time": lease.acquire_time,
        "renew_time": lease.renew_time,
        "transitions": lease.transitions,
    }


def _kube_doc(state: ClusterState) -> Any:
    probe = state.kube_api
    if probe is None:
        return None
    doc = _probe_head(probe)
    kube = probe.value
    if not isinstance(kube, KubeApiObservation):
        return doc
    nodes = kube.nodes
    doc.update(
        server=kube.server,
        nodes_error=_error(nodes if isinstance(nodes, ProbeError) else None),
        nodes=[]
        if isinstance(nodes, ProbeError)
        else [
            {
                "name": n.name,
                "status": n.status_text,
                "ready": str(n.ready),
                "reason": n.reason,
                "message": n.message,
                "last_heartbeat": n.last_heartbeat,
                "last_transition": n.last_transition,
                "control_plane": n.control_plane,
                "internal_ip": n.internal_ip,
                "kubelet_version": n.kubelet_version,
                "unschedulable": n.unschedulable,
            }
            for n in nodes.nodes
        ],
        not_ready=list(state.verdicts.nodes_not_ready),
        leases={name: _lease_doc(state, name, lease) for name, lease in kube.leases},
    )
    return doc


def _member_doc(m: _Member | None) -> Any:
    if m is None:
        return None
    return {
        "id": m.id_hex,
        "name": m.name,
        "endpoint": m.endpoint,
        "healthy": m.healthy,
        "is_leader": m.is_leader,
        "raft_term": m.raft_term,
        "raft_index": m.raft_index,
        "db_size": m.db_size,
        "version": m.version,
        "errors": list(m.errors),
    }


def _node_doc(state: ClusterState, node: NodeObservation, members: list[_Member]) -> Any:
    doc: dict[str, Any] = {
        "name": node.name,
        "host": _address(state, node.name),
        "reachable": node.reachable,
        "unreachable_reason": node.unreachable_reason,
        "retry_at": node.retry_at,
        "checked_at": node.checked_at,
    }
    if not node.reachable:
        doc.update(
            holds_vip=None,
            addresses_error=None,
            keepalived=None,
            keepalived_log=None,
            lb=None,
            etcd_member=None,
            etcd_view_error=None,
            readyz=None,
            livez=None,
        )
        return doc
    addr_err = node.addresses.error if node.addresses is not None else None
    etcd_err = node.etcd.error if node.etcd is not None else None
    doc.update(
        holds_vip=_holds_vip(state, node),
        addresses_error=_error(addr_err),
        keepalived=_keepalived_doc(state, node.keepalived),
        keepalived_log=_log_doc(node.keepalived_log),
        lb=_lb_doc(state, node),
        etcd_member=_member_doc(member_of(node.name, _address(state, node.name), members)),
        etcd_view_error=_error(etcd_err),
        readyz=_health_doc(node.readyz),
        livez=_health_doc(node.livez),
    )
    return doc


def status_document(
    state: ClusterState, inventory: Inventory, *, sweep_seconds: float | None = None
) -> dict[str, Any]:
    """The status as the JSON document of docs/status-json.md (schema_version 1)."""
    v = state.verdicts
    q = v.etcd
    members = etcd_members(state)
    host, port = inventory.api_endpoint
    api = state.api_via_vip
    api_doc: dict[str, Any] = {"endpoint": f"{host}:{port}", "ok": v.api_via_vip}
    api_doc.update(_health_doc(api) if api is not None else {"observed_at": None, "error": None})
    return {
        "schema_version": SCHEMA_VERSION,
        "cluster": inventory.cluster,
        "observed_at": state.derived_at,
        "sweep_seconds": sweep_seconds,
        "verdict": str(v.verdict),
        "exit_code": exit_code(v.verdict),
        "reasons": list(v.reasons),
        "vip": {
            "address": state.spec.vip,
            "holders": list(v.vip_holders),
            "unknown_on": list(v.vip_unknown_on),
            "split_brain": v.split_brain,
            "expected_master": v.expected_master,
            "expected_priority": v.expected_priority,
            "vrrp_masters": list(v.vrrp_masters),
        },
        "api_via_vip": api_doc,
        "kube_api": _kube_doc(state),
        "etcd": None
        if q is None
        else {
            "members": q.members,
            "healthy": q.healthy,
            "unknown": q.unknown,
            "needed": q.needed,
            "tolerates": q.tolerates,
            "has_quorum": q.has_quorum,
            "leader": q.leader,
            "member_list": [_member_doc(m) for m in members],
            "seen_from": [
                n.name for n in state.nodes if n.reachable and n.etcd is not None and n.etcd.value
            ],
        },
        "load_balancers": [
            {
                "node": b.node,
                "kind": b.kind,
                "proxy": b.proxy,
                "up": b.up,
                "total": b.total,
                "down": list(b.down),
            }
            for b in v.lb
        ],
        "nodes": [_node_doc(state, n, members) for n in state.nodes],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m hatui.status_cmd INVENTORY ...`: the status command on its own."""
    parser = argparse.ArgumentParser(prog="hatui")
    sub = parser.add_subparsers(dest="command", required=True)
    add_status_parser(sub)
    return run_status(parser.parse_args(["status", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    sys.exit(main())
