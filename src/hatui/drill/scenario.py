"""The drill scenario file: a name, a fault TTL and steps of inject / wait / expect / clear.

Pure: `parse_scenario(text, source)` returns a frozen `Scenario` or raises `DrillError`
naming file:line: field (the inventory's line-numbered reader does the YAML). Node names
are checked against an inventory separately (`check_nodes`), so a scenario can be parsed
and shown without one.

    name: seed 000 priority walk
    ttl: 5m                       # every fault's TTL (default 10m)
    steps:
      - expect: {vip: m1, priorities: [121, 112, 111], api: up}
        within: 30s               # default 30s, from the step's start
      - inject: {fault: apiserver-reject, node: m1}     # confirm: true accepts a guard
      - expect: {vip: m2, states: {m1: BACKUP, m2: MASTER}, backends_down: [m1]}
        within: 20s
        max_vip_gap: 5s           # hatui's measurement since the last inject
        max_api_outage: 4s
        max_detection: 3s
      - wait: 2s
      - clear: all                # or `last`, or a node: the drill's own faults only

Expectation keys (all optional, at least one): vip (a node, or `none`), vip_holders (a
list), states ({node: MASTER|BACKUP|FAULT|STOP}), priorities (effective, a list in the
inventory's master order, or {node: N}), backends_down / backends_up (nodes whose apiserver
backend is DOWN / UP on every LB node), quorum (ok|lost), api (up|down, through the VIP),
verdict (HEALTHY, DEGRADED, API-DOWN, QUORUM-LOST, SPLIT-BRAIN, UNKNOWN).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hatui.errors import DrillError, InventoryError
from hatui.faults.kinds import FaultKind
from hatui.faults.ttl import DEFAULT_TTL, parse_ttl
from hatui.inventory.nodes import MappingReader, NodeReader, compose, join_path
from hatui.model import Verdict
from hatui.observations import VrrpState

DEFAULT_WITHIN = 30.0
"""Seconds an expect step may take to hold when it names no `within`."""
MAX_WITHIN = 3600.0
MAX_WAIT = 3600.0
MAX_STEPS = 200

T = TypeVar("T")

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h)?")
_UNIT = {None: 1.0, "ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}

TOP_KEYS = ("name", "description", "ttl", "steps")
ACTIONS = ("inject", "wait", "expect", "clear")
LIMITS = ("within", "max_vip_gap", "max_api_outage", "max_detection")
STEP_KEYS = (*ACTIONS, *LIMITS, "name")
INJECT_KEYS = ("fault", "node", "backend", "confirm")
EXPECT_KEYS = (
    "vip",
    "vip_holders",
    "states",
    "priorities",
    "backends_down",
    "backends_up",
    "quorum",
    "api",
    "verdict",
)
VRRP_STATES = (VrrpState.MASTER, VrrpState.BACKUP, VrrpState.FAULT, VrrpState.STOP)
NONE = "none"
"""`vip: none`: nobody holds the VIP."""


class Quorum(enum.StrEnum):
    OK = "ok"
    LOST = "lost"


class Api(enum.StrEnum):
    UP = "up"
    DOWN = "down"


class ExpectedState(enum.StrEnum):
    MASTER = "MASTER"
    BACKUP = "BACKUP"
    FAULT = "FAULT"
    STOP = "STOP"


@dataclass(frozen=True)
class Expectation:
    """What must hold in one sweep; None (or empty) fields are not checked."""

    vip: str | None = None
    """A node name, or `NONE`."""
    vip_holders: tuple[str, ...] | None = None
    states: tuple[tuple[str, VrrpState], ...] = ()
    priorities: tuple[int, ...] | None = None
    """Effective priorities in the inventory's master order."""
    priorities_of: tuple[tuple[str, int], ...] = ()
    """Effective priorities by node."""
    backends_down: tuple[str, ...] = ()
    backends_up: tuple[str, ...] = ()
    quorum: Quorum | None = None
    api: Api | None = None
    verdict: Verdict | None = None

    def text(self) -> str:
        """The expectation as one short line (for the step table)."""
        parts: list[str] = []
        if self.vip is not None:
            parts.append(f"vip={self.vip}")
        if self.vip_holders is not None:
            parts.append(f"vip_holders={','.join(self.vip_holders) or NONE}")
        if self.states:
            parts.append("states=" + ",".join(f"{n}:{s.value}" for n, s in self.states))
        if self.priorities is not None:
            parts.append("priorities=" + "/".join(map(str, self.priorities)))
        if self.priorities_of:
            parts.append("priorities=" + ",".join(f"{n}:{p}" for n, p in self.priorities_of))
        if self.backends_down:
            parts.append(f"backends_down={','.join(self.backends_down)}")
        if self.backends_up:
            parts.append(f"backends_up={','.join(self.backends_up)}")
        if self.quorum is not None:
            parts.append(f"quorum={self.quorum.value}")
        if self.api is not None:
            parts.append(f"api={self.api.value}")
        if self.verdict is not None:
            parts.append(f"verdict={self.verdict.value}")
        return " ".join(parts)


@dataclass(frozen=True)
class Inject:
    fault: FaultKind
    node: str
    backend: str | None = None
    confirm: bool = False
    """Accept the consequence a guard names (without it, a guarded inject fails the drill)."""

    def text(self) -> str:
        extra = f" backend {self.backend}" if self.backend else ""
        return f"inject {self.fault.value} on {self.node}{extra}" + (
            " (confirmed)" if self.confirm else ""
        )


@dataclass(frozen=True)
class Wait:
    seconds: float

    def text(self) -> str:
        return f"wait {format_seconds(self.seconds)}"


@dataclass(frozen=True)
class Clear:
    target: str
    """"all", "last", or a node name: which of the drill's own faults to clear."""

    def text(self) -> str:
        return f"clear {self.target}"


@dataclass(frozen=True)
class Expect:
    expectation: Expectation
    within: float = DEFAULT_WITHIN
    max_vip_gap: float | None = None
    max_api_outage: float | None = None
    max_detection: float | None = None

    @property
    def has_limits(self) -> bool:
        return any(
            x is not None for x in (self.max_vip_gap, self.max_api_outage, self.max_detection)
        )

    def text(self) -> str:
        limits = [
            f"{name}<={format_seconds(value)}"
            for name, value in (
                ("vip_gap", self.max_vip_gap),
                ("api_outage", self.max_api_outage),
                ("detection", self.max_detection),
            )
            if value is not None
        ]
        within = f" within {format_seconds(self.within)}"
        return " ".join(["expect", self.expectation.text(), *limits]) + within


Action = Inject | Wait | Clear | Expect


@dataclass(frozen=True)
class Step:
    index: int
    """1-based, as the report shows it."""
    line: int
    """The step's line in the scenario file."""
    action: Action
    name: str | None = None
    """An optional label for the report."""

    @property
    def kind(self) -> str:
        return type(self.action).__name__.lower()

    def text(self) -> str:
        return self.name or self.action.text()


@dataclass(frozen=True)
class NodeRef:
    """A node named somewhere in the scenario, for `check_nodes`."""

    line: int
    path: str
    node: str


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str
    steps: tuple[Step, ...]
    ttl: float = DEFAULT_TTL
    description: str | None = None
    node_refs: tuple[NodeRef, ...] = ()
    priority_lists: tuple[NodeRef, ...] = ()
    """Each `priorities: [..]` list (its `node` field holds the list's length)."""


def format_seconds(seconds: float) -> str:
    """2s, 1.5s, 250ms, 5m, 1h30m."""
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    if seconds < 60 or seconds % 60:
        return f"{seconds:g}s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m"
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes % 60 else f"{minutes // 60}h"


def parse_duration(value: object) -> float:
    """Seconds from a number or "2s", "500ms", "5m", "1h"; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 2s, 500ms or 5m, got {value}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.fullmatch(value.strip().lower())):
        seconds = float(m.group(1)) * _UNIT[m.group(2)]
    else:
        raise ValueError(f"expected a duration such as 2s, 500ms or 5m, got {value!r}")
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"expected a duration of 0 or more, got {value!r}")
    return seconds


class _Reader:
    """Reads one scenario file, collecting the node names it mentions."""

    def __init__(self, source: str) -> None:
        self.r = NodeReader(source)
        self.refs: list[NodeRef] = []
        self.lists: list[NodeRef] = []

    def line(self, node: Node) -> int:
        return node.start_mark.line + 1

    def duration(self, high: float) -> Callable[[Node, str], float]:
        def read(node: Node, path: str) -> float:
            if not isinstance(node, ScalarNode):
                raise self.r.wrong_type(node, path, "a duration such as 2s, 500ms or 5m")
            try:
                seconds = parse_duration(self.r.scalar(node, path))
            except ValueError as err:
                raise self.r.error(node, path, str(err)) from None
            if seconds > high:
                raise self.r.error(node, path, f"at most {format_seconds(high)}, got {node.value}")
            return seconds

        return read

    def node_name(self, node: Node, path: str) -> str:
        name = self.r.string(node, path)
        self.refs.append(NodeRef(self.line(node), path, name))
        return name

    def node_names(self, node: Node, path: str) -> tuple[str, ...]:
        items = self.r.sequence(node, path, "node names")
        return tuple(self.node_name(item, f"{path}[{i}]") for i, item in enumerate(items))

    def ttl(self, node: Node, path: str) -> float:
        value = self.r.scalar(node, path) if isinstance(node, ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.r.wrong_type(node, path, "a TTL such as 90s, 10m or 1h")
        try:
            return parse_ttl(str(value))
        except ValueError as err:
            raise self.r.error(node, path, str(err)) from None

    def scenario(self, root: Node | None, source: str) -> Scenario:
        if root is None:
            raise DrillError(f"{source}:1: the scenario is empty (it needs `steps:`)")
        top = self.r.mapping(root, "", TOP_KEYS, nullable=False)
        name = top.opt("name", self.r.string, Path(source).stem)
        description = top.opt("description", self.r.string, None)
        ttl = top.opt("ttl", self.ttl, DEFAULT_TTL)
        items = self.r.sequence(top.required("steps"), "steps", "steps")
        if not items:
            raise self.r.error(top.required("steps"), "steps", "a drill needs at least one step")
        if len(items) > MAX_STEPS:
            raise self.r.error(items[MAX_STEPS], "steps", f"at most {MAX_STEPS} steps")
        steps = tuple(self.step(item, i) for i, item in enumerate(items))
        return Scenario(
            name=name,
            source=source,
            steps=steps,
            ttl=ttl,
            description=description,
            node_refs=tuple(self.refs),
            priority_lists=tuple(self.lists),
        )

    def step(self, node: Node, i: int) -> Step:
        path = f"steps[{i}]"
        m = self.r.mapping(node, path, STEP_KEYS, nullable=False)
        present = [k for k in ACTIONS if _has(m, k)]
        if len(present) != 1:
            what = "none" if not present else ", ".join(present)
            raise self.r.error(
                node, path, f"a step has exactly one of {', '.join(ACTIONS)} (found {what})"
            )
        kind = present[0]
        if kind != "expect":
            for limit in LIMITS:
                if _has(m, limit):
                    raise self.r.error(
                        m.required(limit), m.key_path(limit), "only an expect step takes a limit"
                    )
        label = m.opt("name", self.r.string, None)
        action: Action
        if kind == "inject":
            action = self.inject(m.required("inject"), m.key_path("inject"))
        elif kind == "wait":
            action = Wait(m.req("wait", self.duration(MAX_WAIT)))
        elif kind == "clear":
            action = Clear(m.req("clear", self.clear_target))
        else:
            action = self.expect(m)
        return Step(index=i + 1, line=self.line(node), action=action, name=label)

    def clear_target(self, node: Node, path: str) -> str:
        target = self.r.string(node, path)
        if target not in ("all", "last"):
            self.refs.append(NodeRef(self.line(node), path, target))
        return target

    def inject(self, node: Node, path: str) -> Inject:
        m = self.r.mapping(node, path, INJECT_KEYS, nullable=False)
        return Inject(
            fault=m.req("fault", self.r.choice(FaultKind)),
            node=m.req("node", self.node_name),
            backend=m.opt("backend", self.r.string, None),
            confirm=m.opt("confirm", self.r.boolean, False),
        )

    def expect(self, m: MappingReader) -> Expect:
        node = m.required("expect")
        path = m.key_path("expect")
        e = self.r.mapping(node, path, EXPECT_KEYS, nullable=False)
        if not any(_has(e, k) for k in EXPECT_KEYS):
            raise self.r.error(node, path, f"expect at least one of: {', '.join(EXPECT_KEYS)}")
        vip = e.opt("vip", self.vip, None)
        priorities: tuple[int, ...] | None = None
        priorities_of: tuple[tuple[str, int], ...] = ()
        pnode = e.get("priorities")
        if pnode is not None:
            ppath = e.key_path("priorities")
            if isinstance(pnode, ScalarNode):
                raise self.r.wrong_type(pnode, ppath, "a list of priorities or {node: priority}")
            if _is_seq(pnode):
                priorities = self.r.tuple_of(self.r.integer(0, 255), "priorities")(pnode, ppath)
                self.lists.append(NodeRef(self.line(pnode), ppath, str(len(priorities))))
            else:
                priorities_of = self.pairs(pnode, ppath, self.r.integer(0, 255))
        states: tuple[tuple[str, VrrpState], ...] = ()
        snode = e.get("states")
        if snode is not None:
            read_state = self.r.choice(ExpectedState)
            states = tuple(
                (n, VrrpState(s.value))
                for n, s in self.pairs(snode, e.key_path("states"), read_state)
            )
        within = m.opt("within", self.duration(MAX_WITHIN), DEFAULT_WITHIN)
        limit = self.duration(MAX_WITHIN)
        return Expect(
            expectation=Expectation(
                vip=vip,
                vip_holders=e.opt("vip_holders", self.node_names, None),
                states=states,
                priorities=priorities,
                priorities_of=priorities_of,
                backends_down=e.opt("backends_down", self.node_names, ()),
                backends_up=e.opt("backends_up", self.node_names, ()),
                quorum=e.opt("quorum", self.r.choice(Quorum), None),
                api=e.opt("api", self.r.choice(Api), None),
                verdict=e.opt("verdict", self.r.choice(Verdict), None),
            ),
            within=within,
            max_vip_gap=m.opt("max_vip_gap", limit, None),
            max_api_outage=m.opt("max_api_outage", limit, None),
            max_detection=m.opt("max_detection", limit, None),
        )

    def vip(self, node: Node, path: str) -> str:
        if isinstance(node, ScalarNode) and self.r.scalar(node, path) is None:
            return NONE
        name = self.r.string(node, path)
        if name.lower() == NONE:
            return NONE
        self.refs.append(NodeRef(self.line(node), path, name))
        return name

    def pairs(
        self, node: Node, path: str, read: Callable[[Node, str], T]
    ) -> tuple[tuple[str, T], ...]:
        """{node: value} with the node names recorded; the keys are any strings."""
        if not isinstance(node, MappingNode):
            raise self.r.wrong_type(node, path, "a mapping of node: value")
        out: list[tuple[str, T]] = []
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = self.r.string(key_node, path)
            kpath = join_path(path, key)
            if key in seen:
                raise self.r.error(key_node, kpath, f"duplicate key (first at line {seen[key]})")
            seen[key] = self.line(key_node)
            self.refs.append(NodeRef(self.line(key_node), kpath, key))
            out.append((key, read(value_node, kpath)))
        return tuple(out)


def _has(m: MappingReader, key: str) -> bool:
    try:
        m.required(key)
    except InventoryError:
        return False
    return True


def _is_seq(node: Node) -> bool:
    return isinstance(node, SequenceNode)


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """A scenario from YAML text; DrillError naming source:line: field when it is wrong."""
    reader = _Reader(source)
    try:
        return reader.scenario(compose(text, source), source)
    except InventoryError as err:  # the shared reader's errors, already located
        raise DrillError(str(err)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and parse a scenario file; DrillError when it cannot be read or is wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DrillError(f"{path}: cannot read the scenario: {err}") from None
    return parse_scenario(text, str(path))


def check_nodes(scenario: Scenario, masters: Sequence[str]) -> None:
    """Every node the scenario names is a master of the inventory, and every priority list
    has one entry per master; DrillError at the line otherwise."""
    known = ", ".join(masters)
    for ref in scenario.node_refs:
        if ref.node not in masters:
            raise DrillError(
                f"{scenario.source}:{ref.line}: {ref.path}: unknown node {ref.node!r} "
                f"(the inventory's masters: {known})"
            )
    for ref in scenario.priority_lists:
        if int(ref.node) != len(masters):
            raise DrillError(
                f"{scenario.source}:{ref.line}: {ref.path}: {ref.node} priorities for "
                f"{len(masters)} masters ({known}); list one per master, in that order, "
                "or write {node: priority}"
            )
