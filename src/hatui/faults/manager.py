"""`FaultManager`: inject, clear and list faults on the masters, safely. Used by the CLI
(`hatui fault ...`, `hatui clear`) and by the app.

    manager = FaultManager(pool, inventory, read_only=False)
    plan = await manager.prepare(FaultKind.ETCD_STOP, "m2", ttl=600)   # read-only checks
    text = manager.consequence(plan, state)      # None, or what needs confirming
    record = await manager.inject(plan, state=state, confirmed=text is not None and yes)
    for r in manager.active(): r.remaining(time.time())               # TTL countdowns
    await manager.clear(record.fault_id); await manager.clear_all()

What makes it safe, in the order things happen:

1. `prepare` only reads (service states, keepalived's unicast peers, HAProxy's servers) and
   returns the complete `Plan`: every command for every node, shown as is by --dry-run.
2. `inject` asks the guards (`hatui.faults.guards`) about the latest `ClusterState` and
   refuses (`GuardRefused`) without `confirmed`; writes the plan to the journal; arms the
   TTL watchdog on every node it touches; only then injects. A step that fails rolls back
   what was done; a rollback that fails leaves the fault in the journal (`hatui clear`)
   and the watchdog armed.
3. `clear` runs the journal's clear steps (each idempotent, removing only what carries
   this fault's tag or what hatui itself stopped), then disarms the watchdogs. A fault
   whose watchdog has already cleared it is only acknowledged.

Every action is refused with `ReadOnly` when the manager is read-only; `active` and
`status` never change anything. Errors are `hatui.faults.errors` (all `HatuiError`); a
node's transport failure inside an action is part of the result or the FaultFailed
message, never a bare transport exception.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NoReturn

from hatui.errors import TransportError
from hatui.faults import catalog, guards
from hatui.faults.catalog import NodePlan, Plan
from hatui.faults.errors import FaultFailed, GuardRefused, NotApplicable, ReadOnly, UnknownFault
from hatui.faults.facts import (
    DrainTarget,
    Facts,
    drain_targets,
    keepalived_config_command,
    parse_service_state,
    service_state_command,
    unicast_peers,
)
from hatui.faults.journal import (
    ACTIVE,
    ARMED,
    CLEAR_FAILED,
    CLEARED,
    FAILED,
    FaultRecord,
    Journal,
)
from hatui.faults.kinds import SERVICE_KINDS, FaultKind
from hatui.faults.steps import Shell, SocketSend, Step, haproxy_answer_ok
from hatui.faults.ttl import DEFAULT_TTL
from hatui.faults.watchdog import (
    WatchdogState,
    disarm_command,
    parse_state,
    state_command,
)
from hatui.inventory import Inventory
from hatui.model import ClusterState
from hatui.observations import HaproxyObservation, ServerStatus
from hatui.parsers import parse_haproxy_stat
from hatui.transport import Transport

ACTION_TIMEOUT = 30.0
"""Seconds one step may take on a node (stopping etcd takes ~5 s; systemd may take more)."""
_DETAIL = 300


def default_who() -> str:
    """user@host of whoever runs hatui, for the journal and the audit log."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


@dataclass(frozen=True)
class StepOutcome:
    """One command run on one node during an action."""

    node: str
    command: str
    """As shown to people (`Step.show()`)."""
    ok: bool
    detail: str = ""
    """The node's answer when it failed (stderr, HAProxy's text, the transport's reason)."""


@dataclass(frozen=True)
class NodeStatus:
    """A fault on one node, as seen now."""

    node: str
    in_place: bool | None
    """Its effect is still there (a tagged rule, a stopped service, a MAINT server);
    None when it could not be checked."""
    watchdog: WatchdogState | None
    error: str | None = None


@dataclass(frozen=True)
class FaultStatus:
    """A fault the journal has not seen cleared, with its live state on each node."""

    record: FaultRecord
    nodes: tuple[NodeStatus, ...]

    @property
    def cleared_by_watchdog(self) -> bool:
        """Every node's watchdog fired and cleared it (a `clear` only acknowledges it)."""
        return bool(self.nodes) and all(
            n.watchdog is not None and n.watchdog.cleared_ok for n in self.nodes
        )


@dataclass(frozen=True)
class ClearResult:
    """The outcome of clearing one fault."""

    record: FaultRecord
    """The fault as the journal now has it (status `cleared` when ok)."""
    ok: bool
    by: str
    """"hatui", "watchdog" (the TTL had run out and the watchdog cleared it), "journal"
    (it was cleared already)."""
    outcomes: tuple[StepOutcome, ...] = ()
    message: str = ""


class FaultManager:
    """Faults on one inventory's masters, through one transport (see the module doc).

    `journal` defaults to the one in hatui's state directory; `who` (user@host) goes into
    the journal and audit log; `clock` gives epoch seconds (tests pass their own).
    """

    def __init__(
        self,
        transport: Transport,
        inventory: Inventory,
        *,
        journal: Journal | None = None,
        read_only: bool = False,
        who: str | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = ACTION_TIMEOUT,
    ) -> None:
        self.transport = transport
        self.inventory = inventory
        self.journal = journal if journal is not None else Journal()
        self.read_only = read_only
        """When True every inject and clear raises ReadOnly (incident triage)."""
        self.who = who or default_who()
        self.clock = clock
        self.timeout = timeout

    @property
    def cluster(self) -> str:
        return self.inventory.cluster

    # -- reading the journal ---------------------------------------------------------------

    def active(self) -> list[FaultRecord]:
        """The faults of this cluster the journal has not seen cleared, oldest first
        (including those past their TTL, until a `clear` acknowledges them)."""
        return self.journal.in_place(self.cluster)

    def get(self, fault_id: str) -> FaultRecord:
        """A fault of this cluster by id (cleared ones too); UnknownFault if none."""
        record = self.journal.get(self.cluster, fault_id)
        if record is None:
            raise UnknownFault(f"no fault {fault_id!r} in the journal for {self.cluster}")
        return record

    # -- preparing ----------------------------------------------------------------------------

    async def prepare(
        self,
        kind: FaultKind | str,
        target: str,
        *,
        ttl: float = DEFAULT_TTL,
        backend: str | None = None,
    ) -> Plan:
        """The complete plan of a fault, after read-only checks on the nodes.

        NotApplicable when it cannot apply (unknown node, no LB there, service not
        running, already in place...); FaultFailed when a node could not be asked.
        """
        if self.read_only:
            raise ReadOnly("injecting a fault")
        try:
            kind = FaultKind(kind)
        except ValueError:
            known = ", ".join(k.value for k in FaultKind)
            raise NotApplicable(f"no fault {kind!r} (known: {known})") from None
        catalog.check_request(self.inventory, kind, target, backend)
        for record in self.active():
            if (record.kind, record.target, record.plan.backend) == (kind, target, backend):
                raise NotApplicable(
                    f"{kind} on {target} is already in place (fault {record.fault_id}); "
                    "clear it first"
                )
        facts = await self._learn(kind, target, backend)
        return catalog.build_plan(
            self.inventory,
            kind,
            target,
            fault_id=catalog.new_fault_id(),
            ttl=ttl,
            facts=facts,
            backend=backend,
        )

    async def _ask(self, node: str, command: str, what: str) -> str:
        try:
            result = await self.transport.run(node, command, self.timeout)
        except TransportError as err:
            raise FaultFailed(f"{node}: cannot read {what}: {err}; nothing was changed") from None
        if not result.ok:
            detail = (result.stderr or result.stdout).strip()[-_DETAIL:]
            raise FaultFailed(
                f"{node}: reading {what} failed (exit {result.exit_status}): {detail}; "
                "nothing was changed"
            )
        return result.stdout

    async def _learn(self, kind: FaultKind, target: str, backend: str | None) -> Facts:
        inv = self.inventory
        if kind in SERVICE_KINDS:
            service = catalog.service_of(inv, kind)
            command = service_state_command(inv.services, service, etcd=kind is FaultKind.ETCD_STOP)
            state = parse_service_state(await self._ask(target, command, f"{service}'s state"))
            if state is None:
                raise FaultFailed(f"{target}: cannot tell whether {service} runs")
            if state == "static-pod":
                return Facts(service_running=True, etcd_static_pod=True)
            return Facts(service_running=state == "running")
        if kind is FaultKind.VRRP_BLOCK:
            text = await self._ask(
                target, keepalived_config_command(inv.keepalived.config), "keepalived's config"
            )
            return Facts(
                unicast_peers=unicast_peers(text, inv.vip.vrrp_instance, inv.vip.virtual_router_id)
            )
        if kind is FaultKind.BACKEND_DRAIN:
            found = await asyncio.gather(
                *(self._servers(h, target, backend) for h in inv.load_balancer.hosts)
            )
            return Facts(drain=tuple(d for per_node in found for d in per_node))
        return Facts()

    async def _servers(self, lb_node: str, target: str, backend: str | None) -> list[DrainTarget]:
        lb = self.inventory.load_balancer
        try:
            answer = await self.transport.unix_request(
                lb_node, lb.haproxy_socket, b"show stat\n", self.timeout
            )
        except TransportError as err:
            raise FaultFailed(
                f"{lb_node}: cannot read HAProxy's servers: {err}; nothing was changed"
            ) from None
        observation = parse_haproxy_stat(answer.decode("utf-8", "replace"))
        if not isinstance(observation, HaproxyObservation):
            raise FaultFailed(f"{lb_node}: HAProxy's `show stat`: {observation.message}")
        return drain_targets(
            lb_node,
            observation,
            target=target,
            target_host=self.inventory.master(target).host,
            apiserver_port=self.inventory.apiserver.port,
            backend=backend,
        )

    def consequence(self, plan: Plan, state: ClusterState) -> str | None:
        """What the fault would break beyond itself, needing confirmation; None if nothing."""
        return guards.consequence(state, plan.kind, plan.target)

    # -- running steps -----------------------------------------------------------------------

    async def _step(self, step: Step) -> StepOutcome:
        try:
            if isinstance(step, Shell):
                result = await self.transport.run(step.node, step.command, self.timeout)
                detail = "" if result.ok else (result.stderr or result.stdout).strip()[-_DETAIL:]
                if not result.ok:
                    detail = f"exit {result.exit_status}: {detail}"
                return StepOutcome(step.node, step.show(), result.ok, detail)
            answer = await self.transport.unix_request(
                step.node, step.path, step.line.encode() + b"\n", self.timeout
            )
            text = answer.decode("utf-8", "replace")
            ok = haproxy_answer_ok(text)
            return StepOutcome(step.node, step.show(), ok, "" if ok else text.strip()[:_DETAIL])
        except TransportError as err:
            return StepOutcome(step.node, step.show(), False, str(err))

    async def _steps(self, todo: Iterable[Step]) -> list[StepOutcome]:
        """Run steps in order, stopping at the first that fails."""
        done: list[StepOutcome] = []
        for step in todo:
            done.append(await self._step(step))
            if not done[-1].ok:
                break
        return done

    async def _arm(self, plan: Plan, node: NodePlan) -> tuple[StepOutcome, int | None]:
        command = plan.arm_command(node)
        outcome = await self._step(Shell(node.node, command))
        pid = None
        if outcome.ok:
            result = await self._state(node.node, plan.fault_id)
            pid = result.value if result is not None and result.state == "armed" else None
            if pid is None:
                outcome = StepOutcome(node.node, command, False, "the watchdog is not running")
        return outcome, pid

    async def _state(self, node: str, fault_id: str) -> WatchdogState | None:
        try:
            result = await self.transport.run(node, state_command(fault_id), self.timeout)
        except TransportError:
            return None
        return parse_state(result.stdout) if result.ok else None

    async def _clear_node(self, plan: Plan, node: NodePlan) -> tuple[list[StepOutcome], str]:
        """Clear one node: (outcomes, "hatui" | "watchdog"); the watchdog is disarmed only
        after the clear steps succeeded."""
        watchdog = await self._state(node.node, plan.fault_id)
        by = "hatui"
        outcomes: list[StepOutcome] = []
        if watchdog is not None and watchdog.cleared_ok:
            by = "watchdog"
        else:
            outcomes = await self._steps(node.clear)
            if not all(o.ok for o in outcomes):
                return outcomes, by
        outcomes.append(await self._step(Shell(node.node, disarm_command(plan.fault_id))))
        return outcomes, by

    async def _clear_nodes(
        self, plan: Plan, nodes: Iterable[NodePlan]
    ) -> tuple[list[StepOutcome], bool, str]:
        results = await asyncio.gather(*(self._clear_node(plan, n) for n in nodes))
        outcomes = [o for node_outcomes, _ in results for o in node_outcomes]
        ok = all(o.ok for o in outcomes)
        by = "watchdog" if results and all(b == "watchdog" for _, b in results) else "hatui"
        return outcomes, ok, by

    # -- inject --------------------------------------------------------------------------------

    async def inject(
        self, plan: Plan, *, state: ClusterState, confirmed: bool = False
    ) -> FaultRecord:
        """Inject a prepared fault (see the module doc for the order of things).

        `state` is the latest sweep, for the guards; `confirmed` is the person's explicit
        yes to the consequence `consequence(plan, state)` names. Returns the journal's
        record (status `active`). Raises ReadOnly, GuardRefused, NotApplicable (already in
        place) before anything is done; FaultFailed when a node step failed (the message
        says whether the rollback left anything in place).
        """
        if self.read_only:
            raise ReadOnly("injecting a fault")
        text = self.consequence(plan, state)
        if text is not None and not confirmed:
            raise GuardRefused(text)
        for record in self.active():
            if record.fault_id == plan.fault_id:
                raise NotApplicable(f"fault {plan.fault_id} was injected already")
        record = self.journal.planned(plan, cluster=self.cluster, who=self.who, now=self.clock())
        commands: list[str] = []

        armed = await asyncio.gather(*(self._arm(plan, n) for n in plan.nodes))
        commands += [f"{o.node}: {o.command}" for o, _ in armed]
        pids = {o.node: pid for o, pid in armed if pid is not None}
        if pids:
            self.journal.event(plan.fault_id, ARMED, now=self.clock(), watchdogs=pids)
        failed = [o for o, _ in armed if not o.ok]
        if failed:
            what = "; ".join(f"{o.node}: {o.detail}" for o in failed)
            await self._undo(record, plan, plan.nodes, commands, f"watchdog not armed: {what}")

        injected = await asyncio.gather(*(self._steps(n.inject) for n in plan.nodes))
        outcomes = [o for per_node in injected for o in per_node]
        commands += [f"{o.node}: {o.command}" for o in outcomes]
        failed = [o for o in outcomes if not o.ok]
        if failed:
            what = "; ".join(f"{o.node}: {o.command}: {o.detail}" for o in failed)
            await self._undo(record, plan, plan.nodes, commands, f"inject failed: {what}")

        self.journal.event(plan.fault_id, ACTIVE, now=self.clock())
        self.journal.audit(
            action="inject", who=self.who, record=record, commands=commands, result="ok"
        )
        return self.get(plan.fault_id)

    async def _undo(
        self,
        record: FaultRecord,
        plan: Plan,
        nodes: Iterable[NodePlan],
        commands: list[str],
        reason: str,
    ) -> NoReturn:
        """Roll a failed injection back, record it and raise FaultFailed."""
        self.journal.event(plan.fault_id, FAILED, now=self.clock(), error=reason)
        outcomes, ok, _ = await self._clear_nodes(plan, nodes)
        commands = commands + [f"{o.node}: {o.command}" for o in outcomes]
        if ok:
            self.journal.event(plan.fault_id, CLEARED, now=self.clock(), by="rollback")
            result = f"failed, rolled back: {reason}"
            message = f"{plan.title()}: {reason}; rolled back, nothing is left in place"
        else:
            left = "; ".join(f"{o.node}: {o.detail}" for o in outcomes if not o.ok)
            result = f"failed, rollback failed: {reason}; {left}"
            message = (
                f"{plan.title()}: {reason}; the rollback failed too ({left}). Fault "
                f"{plan.fault_id} stays in the journal: `hatui clear` retries, and each "
                "node's watchdog clears it at the TTL"
            )
        self.journal.audit(
            action="inject", who=self.who, record=record, commands=commands, result=result
        )
        raise FaultFailed(message)

    # -- clear ---------------------------------------------------------------------------------

    async def clear(self, fault_id: str) -> ClearResult:
        """Clear one fault of this cluster: its clear steps on every node, then disarm its
        watchdogs. A fault already cleared by its watchdog is acknowledged (the node's
        record of it removed). A node that fails keeps the fault in the journal
        (`clear-failed`), its watchdog still armed. UnknownFault for an id not in the
        journal; ReadOnly when read-only."""
        if self.read_only:
            raise ReadOnly("clearing a fault")
        record = self.get(fault_id)
        if not record.in_place:
            return ClearResult(record, True, "journal", message="already cleared")
        outcomes, ok, by = await self._clear_nodes(record.plan, record.plan.nodes)
        commands = [f"{o.node}: {o.command}" for o in outcomes]
        if ok:
            self.journal.event(fault_id, CLEARED, now=self.clock(), by=by)
            result = "ok" if by == "hatui" else "ok: the watchdog had cleared it at the TTL"
        else:
            failed = "; ".join(f"{o.node}: {o.detail}" for o in outcomes if not o.ok)
            self.journal.event(fault_id, CLEAR_FAILED, now=self.clock(), error=failed)
            result = f"failed: {failed}"
        self.journal.audit(
            action="clear", who=self.who, record=record, commands=commands, result=result
        )
        return ClearResult(self.get(fault_id), ok, by, tuple(outcomes), result)

    async def clear_all(self) -> list[ClearResult]:
        """Clear every fault of this cluster the journal has not seen cleared, newest first
        (also those of a hatui that was killed). One failure does not stop the others."""
        if self.read_only:
            raise ReadOnly("clearing faults")
        return [await self.clear(r.fault_id) for r in reversed(self.active())]

    # -- status --------------------------------------------------------------------------------

    async def status(self) -> list[FaultStatus]:
        """The active faults with their live state on each node (read-only: nothing is
        changed, also when read-only)."""
        records = self.active()
        found = await asyncio.gather(*(self._record_status(r) for r in records))
        return list(found)

    async def _record_status(self, record: FaultRecord) -> FaultStatus:
        nodes = await asyncio.gather(
            *(self._node_status(record.fault_id, n) for n in record.plan.nodes)
        )
        return FaultStatus(record, tuple(nodes))

    async def _node_status(self, fault_id: str, node: NodePlan) -> NodeStatus:
        watchdog, found = await asyncio.gather(
            self._state(node.node, fault_id), self._in_place(node)
        )
        if isinstance(found, str):
            return NodeStatus(node.node, None, watchdog, found)
        return NodeStatus(node.node, found, watchdog)

    async def _in_place(self, node: NodePlan) -> bool | str:
        step = node.check.step
        try:
            if isinstance(step, Shell):
                result = await self.transport.run(step.node, step.command, self.timeout)
                return result.ok
            assert isinstance(step, SocketSend)
            answer = await self.transport.unix_request(
                step.node, step.path, step.line.encode() + b"\n", self.timeout
            )
        except TransportError as err:
            return str(err)
        observation = parse_haproxy_stat(answer.decode("utf-8", "replace"))
        if not isinstance(observation, HaproxyObservation):
            return observation.message
        return any(
            f"{s.proxy}/{s.server}" == node.check.maint and s.status is ServerStatus.MAINT
            for s in observation.servers
        )
