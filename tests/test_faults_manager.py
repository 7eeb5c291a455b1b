"""FaultManager against a scripted transport: the order of things that makes it safe
(journal, then watchdog, then inject), rollbacks, guards, read-only, clear and list."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from faultkit import SVC, cluster, inventory
from hatui.errors import TransportError
from hatui.faults import (
    FaultFailed,
    FaultKind,
    FaultManager,
    GuardRefused,
    Journal,
    NotApplicable,
    ReadOnly,
    UnknownFault,
)
from hatui.faults.journal import ACTIVE, CLEAR_FAILED, CLEARED, FAILED
from hatui.transport import CommandResult, LinkDown

CAPTURED = Path(__file__).parent / "fixtures" / "captured"
SHOW_STAT = (CAPTURED / "haproxy-show-stat-healthy.csv").read_bytes()
HEALTHY = cluster()

Answer = Callable[[str, str], "CommandResult | TransportError | None"]


class Nodes:
    """A Transport double: logs every call; scripted answers, else success."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.calls: list[tuple[str, str]] = []
        self.answers: list[Answer] = []
        self.fired: set[str] = set()
        self.journal_at_first_call: list[str] | None = None

    def _log(self, node: str, what: str) -> None:
        if self.journal_at_first_call is None:
            self.journal_at_first_call = [r.status for r in self.journal.records()]
        self.calls.append((node, what))

    def result(self, node: str, stdout: str = "", exit_status: int = 0) -> CommandResult:
        now = time.time()
        return CommandResult(
            node, stdout, "" if exit_status == 0 else "boom", exit_status, now, now
        )

    async def run(self, node: str, command: str, timeout: float | None = None) -> CommandResult:
        self._log(node, command)
        for answer in self.answers:
            found = answer(node, command)
            if isinstance(found, TransportError):
                raise found
            if found is not None:
                return found
        if "setsid sh -c" in command:
            return self.result(node, "armed 4242\n")
        if 'echo "fired' in command:
            return self.result(node, "fired 0\n" if node in self.fired else "armed 4242\n")
        if "echo running" in command:
            return self.result(node, "running\n")
        return self.result(node)

    async def unix_request(
        self, node: str, path: str, payload: bytes, timeout: float | None = None
    ) -> bytes:
        line = payload.decode().strip()
        self._log(node, f"socket {path}: {line}")
        for answer in self.answers:
            found = answer(node, line)
            if isinstance(found, TransportError):
                raise found
        return SHOW_STAT if line == "show stat" else b"\n"

    def commands(self, node: str | None = None) -> list[str]:
        return [c for n, c in self.calls if node is None or n == node]


def kinds_of(calls: list[str]) -> list[str]:
    """Each call named by what it is."""
    names = []
    for c in calls:
        if "setsid sh -c" in c:
            names.append("arm")
        elif 'echo "fired' in c:
            names.append("state")
        elif "kill -s TERM" in c:
            names.append("disarm")
        elif " -I INPUT" in c or " -I OUTPUT" in c:
            names.append("insert")
        elif " -D INPUT" in c or " -D OUTPUT" in c:
            names.append("delete")
        elif c.startswith("socket"):
            names.append(c.split(": ", 1)[1].split(" ", 1)[0])
        elif f"{SVC} stop" in c:
            names.append("stop")
        elif f"{SVC} start" in c:
            names.append("start")
        else:
            names.append(c)
    return names


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "state")


@pytest.fixture
def nodes(journal: Journal) -> Nodes:
    return Nodes(journal)


def manager(nodes: Nodes, journal: Journal, **kw: object) -> FaultManager:
    clock = iter(range(1000, 100000))
    return FaultManager(
        nodes,  # type: ignore[arg-type]
        inventory(),
        journal=journal,
        who="ann@jump",
        clock=lambda: float(next(clock)),
        **kw,  # type: ignore[arg-type]
    )


def audit(journal: Journal) -> list[dict]:
    return [json.loads(line) for line in journal.audit_path.read_text().splitlines()]


async def test_journal_first_then_watchdog_then_inject(nodes: Nodes, journal: Journal) -> None:
    m = manager(nodes, journal)
    plan = await m.prepare(FaultKind.APISERVER_REJECT, "m1", ttl=120)
    assert nodes.calls == []  # an iptables fault needs nothing read first
    record = await m.inject(plan, state=HEALTHY)
    assert nodes.journal_at_first_call == ["planned"]  # written before any node was touched
    assert kinds_of(nodes.commands()) == ["arm", "state", "insert"]
    assert record.status == ACTIVE and dict(record.watchdogs) == {"m1": 4242}
    assert record.expires_at == 1000.0 + 120  # from the moment it was journalled
    (line,) = audit(journal)
    assert (line["action"], line["who"], line["result"], line["nodes"]) == (
        "inject", "ann@jump", "ok", ["m1"])  # fmt: skip
    assert any("iptables -w 5 -I INPUT 1" in c for c in line["commands"])
    assert [r.fault_id for r in m.active()] == [plan.fault_id]


async def test_a_guard_refuses_without_confirmation_and_touches_nothing(
    nodes: Nodes, journal: Journal
) -> None:
    m = manager(nodes, journal)
    one_down = cluster(etcd_healthy={"m3": False})
    plan = await m.prepare(FaultKind.ETCD_STOP, "m2")
    before = list(nodes.calls)
    assert m.consequence(plan, one_down) is not None
    with pytest.raises(GuardRefused, match="etcd loses quorum"):
        await m.inject(plan, state=one_down)
    assert nodes.calls == before and journal.records() == []
    record = await m.inject(plan, state=one_down, confirmed=True)
    assert record.status == ACTIVE
    assert kinds_of(nodes.commands()[len(before) :]) == ["arm", "state", "stop"]


async def test_read_only_refuses_every_action_before_any_call(
    nodes: Nodes, journal: Journal
) -> None:
    writer = manager(nodes, journal)
    plan = await writer.prepare(FaultKind.LB_REJECT, "m1")
    await writer.inject(plan, state=HEALTHY)
    calls = len(nodes.calls)
    m = manager(nodes, journal, read_only=True)
    with pytest.raises(ReadOnly):
        await m.prepare(FaultKind.ISOLATE, "m1")
    with pytest.raises(ReadOnly):
        await m.inject(plan, state=HEALTHY)
    with pytest.raises(ReadOnly):
        await m.clear(plan.fault_id)
    with pytest.raises(ReadOnly):
        await m.clear_all()
    assert len(nodes.calls) == calls
    assert [r.fault_id for r in m.active()] == [plan.fault_id]  # reading is allowed
    assert [s.nodes[0].in_place for s in await m.status()] == [True]


async def test_a_failed_inject_is_rolled_back(nodes: Nodes, journal: Journal) -> None:
    nodes.answers.append(
        lambda n, c: nodes.result(n, exit_status=4) if " -I INPUT 3" in c else None
    )
    m = manager(nodes, journal)
    plan = await m.prepare(FaultKind.ISOLATE, "m1")
    with pytest.raises(FaultFailed, match="rolled back, nothing is left in place"):
        await m.inject(plan, state=HEALTHY)
    assert kinds_of(nodes.commands()) == ["arm", "state", "insert", "state", "delete", "disarm"]
    (record,) = journal.records()
    assert (record.status, record.cleared_by) == (CLEARED, "rollback")
    assert audit(journal)[0]["result"].startswith("failed, rolled back: inject failed: m1:")


async def test_a_rollback_that_fails_leaves_the_fault_in_the_journal(
    nodes: Nodes, journal: Journal
) -> None:
    def lost_after_insert(node: str, command: str) -> CommandResult | TransportError | None:
        if any(" -I INPUT" in c for c in nodes.commands()[:-1]):
            return LinkDown(node, "connection lost")
        if " -I INPUT" in command:
            return nodes.result(node, exit_status=1)
        return None

    nodes.answers.append(lost_after_insert)
    m = manager(nodes, journal)
    plan = await m.prepare(FaultKind.APISERVER_REJECT, "m1")
    with pytest.raises(FaultFailed, match="the rollback failed too.*watchdog clears it"):
        await m.inject(plan, state=HEALTHY)
    (record,) = m.active()
    assert record.status == FAILED
    assert "disarm" not in kinds_of(nodes.commands())  # the watchdog stays armed


async def test_a_watchdog_that_cannot_be_armed_stops_everything(
    nodes: Nodes, journal: Journal
) -> None:
    nodes.answers.append(
        lambda n, c: nodes.result(n, exit_status=1) if n == "m3" and "setsid" in c else None
    )
    m = manager(nodes, journal)
    plan = await m.prepare(FaultKind.BACKEND_DRAIN, "m2")
    assert plan.node_names == ("m1", "m2", "m3")
    with pytest.raises(FaultFailed, match="watchdog not armed: m3"):
        await m.inject(plan, state=HEALTHY)
    sent = kinds_of(nodes.commands())
    assert "disable" not in sent  # nothing injected anywhere
    assert sent.count("disarm") == 3 and sent.count("enable") == 3  # idempotent undo
    assert m.active() == []


async def test_backend_drain_over_the_socket(nodes: Nodes, journal: Journal) -> None:
    m = manager(nodes, journal)
    plan = await m.prepare(FaultKind.BACKEND_DRAIN, "m2")
    assert (
        nodes.commands()
        == [
            "socket /run/haproxy/admin.sock: show stat",
        ]
        * 3
    )
    await m.inject(plan, state=HEALTHY)
    assert nodes.commands("m1")[-1] == (
        "socket /run/haproxy/admin.sock: disable server kubernetes-apiserver/m2"
    )
    nodes.answers.append(lambda n, c: None)
    (status,) = await m.status()
    assert [n.in_place for n in status.nodes] == [False, False, False]  # the capture shows UP
    nodes.calls.clear()
    result = await m.clear(plan.fault_id)
    assert result.ok and result.by == "hatui"
    assert sorted(kinds_of(nodes.commands())) == ["disarm"] * 3 + ["enable"] * 3 + ["state"] * 3


async def test_haproxy_refusing_a_command_fails_the_step(nodes: Nodes, journal: Journal) -> None:
    async def refusing(node: str, path: str, payload: bytes, timeout: float | None = None) -> bytes:
        nodes._log(node, payload.decode())
        return SHOW_STAT if payload == b"show stat\n" else b"No such server.\n"

    nodes.unix_request = refusing  # type: ignore[method-assign]
    m = manager(nodes, journal)
    plan = await m.prepare(FaultKind.BACKEND_DRAIN, "m2")
    with pytest.raises(FaultFailed, match="No such server"):
        await m.inject(plan, state=HEALTHY)


async def test_clear_runs_the_clear_steps_then_disarms(nodes: Nodes, journal: Journal) -> None:
    m = manager(nodes, journal)
    plan = await m.prepare(FaultKind.KEEPALIVED_STOP, "m3")
    await m.inject(plan, state=HEALTHY)
    nodes.calls.clear()
    result = await m.clear(plan.fault_id)
    assert result.ok and result.by == "hatui" and result.record.status == CLEARED
    assert kinds_of(nodes.commands()) == ["state", "start", "disarm"]
    assert m.active() == []
    again = await m.clear(plan.fault_id)
    assert again.ok and again.by == "journal"
    assert [a["action"] for a in audit(journal)] == ["inject", "clear"]


async def test_a_fault_the_watchdog_cleared_is_only_acknowledged(
    nodes: Nodes, journal: Journal
) -> None:
    m = manager(nodes, journal)
    plan = await m.prepare(FaultKind.KEEPALIVED_STOP, "m3")
    await m.inject(plan, state=HEALTHY)
    nodes.fired.add("m3")
    (status,) = await m.status()
    assert status.cleared_by_watchdog
    nodes.calls.clear()
    result = await m.clear(plan.fault_id)
    assert result.ok and result.by == "watchdog"
    assert kinds_of(nodes.commands()) == ["state", "disarm"]  # keepalived is not started again
    assert journal.get("hatui-lab", plan.fault_id) is None  # the cluster is test-lab
    assert m.get(plan.fault_id).cleared_by == "watchdog"


async def test_a_clear_that_fails_keeps_the_fault(nodes: Nodes, journal: Journal) -> None:
    m = manager(nodes, journal)
    plan = await m.prepare(FaultKind.APISERVER_REJECT, "m1")
    await m.inject(plan, state=HEALTHY)
    nodes.answers.append(lambda n, c: LinkDown(n, "connection refused"))
    result = await m.clear(plan.fault_id)
    assert not result.ok and "connection refused" in result.message
    (record,) = m.active()
    assert record.status == CLEAR_FAILED
    nodes.answers.clear()
    assert (await m.clear(plan.fault_id)).ok and m.active() == []


async def test_clear_all_newest_first_and_unknown_ids(nodes: Nodes, journal: Journal) -> None:
    m = manager(nodes, journal)
    first = await m.prepare(FaultKind.APISERVER_REJECT, "m1")
    await m.inject(first, state=HEALTHY)
    second = await m.prepare(FaultKind.LB_STOP, "m2")
    await m.inject(second, state=HEALTHY)
    results = await m.clear_all()
    assert [r.record.fault_id for r in results] == [second.fault_id, first.fault_id]
    assert all(r.ok for r in results) and m.active() == []
    assert await m.clear_all() == []
    with pytest.raises(UnknownFault):
        await m.clear("ffffffff")


async def test_prepare_reads_what_the_fault_needs(nodes: Nodes, journal: Journal) -> None:
    conf = "vrrp_instance VI_1 {\n unicast_peer {\n 10.232.0.11\n 10.232.0.13\n }\n}\n"
    nodes.answers.append(
        lambda n, c: nodes.result(n, conf) if c == "cat /etc/keepalived/keepalived.conf" else None
    )
    m = manager(nodes, journal)
    plan = await m.prepare(FaultKind.VRRP_BLOCK, "m2")
    assert plan.facts.unicast_peers == ("10.232.0.11", "10.232.0.13")
    nodes.answers.append(lambda n, c: nodes.result(n, "stopped\n") if "echo running" in c else None)
    with pytest.raises(NotApplicable, match="keepalived is not running on m1"):
        await m.prepare(FaultKind.KEEPALIVED_STOP, "m1")
    with pytest.raises(NotApplicable, match="no fault 'reboot'"):
        await m.prepare("reboot", "m1")
    nodes.answers.insert(0, lambda n, c: LinkDown(n, "connection refused"))
    with pytest.raises(FaultFailed, match="m1: cannot read etcd's state.*nothing was changed"):
        await m.prepare(FaultKind.ETCD_STOP, "m1")


async def test_the_same_fault_twice_is_refused(nodes: Nodes, journal: Journal) -> None:
    m = manager(nodes, journal)
    plan = await m.prepare(FaultKind.ISOLATE, "m1")
    await m.inject(plan, state=HEALTHY)
    with pytest.raises(NotApplicable, match="isolate on m1 is already in place"):
        await m.prepare(FaultKind.ISOLATE, "m1")
    with pytest.raises(NotApplicable, match="was injected already"):
        await m.inject(plan, state=HEALTHY)
    assert (await m.prepare(FaultKind.ISOLATE, "m2")).target == "m2"


async def test_status_reports_each_node(nodes: Nodes, journal: Journal) -> None:
    m = manager(nodes, journal)
    plan = await m.prepare(FaultKind.APISERVER_REJECT, "m1")
    await m.inject(plan, state=HEALTHY)
    nodes.answers.append(lambda n, c: nodes.result(n, exit_status=1) if " -C " in c else None)
    (status,) = await m.status()
    assert status.nodes[0].in_place is False and status.nodes[0].watchdog is not None
    nodes.answers.insert(0, lambda n, c: LinkDown(n, "connection refused"))
    (status,) = await m.status()
    assert status.nodes[0].in_place is None and "connection refused" in (
        status.nodes[0].error or ""
    )
    assert status.nodes[0].watchdog is None


def test_the_manager_api_is_keyword_safe() -> None:
    """The app calls these; their signatures are part of the contract."""
    import inspect

    sig: Mapping[str, inspect.Signature] = {
        name: inspect.signature(getattr(FaultManager, name))
        for name in ("prepare", "consequence", "inject", "clear", "clear_all", "active", "status")
    }
    assert list(sig["inject"].parameters) == ["self", "plan", "state", "confirmed"]
    assert sig["inject"].parameters["confirmed"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(sig["prepare"].parameters) == ["self", "kind", "target", "ttl", "backend"]
