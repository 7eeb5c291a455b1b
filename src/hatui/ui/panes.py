"""The panes: each holds the latest `ClusterState` in a reactive and redraws in its watcher.

Panes only render: what they show is read from the state (and the pure helpers in
`hatui.timeline`), never fetched. Styles are theme variables named in `words`.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.widgets import DataTable, Static

from hatui.model import ClusterState, NodeObservation
from hatui.observations import ApiHealthObservation, ProbeError
from hatui.parsers.redact import redact
from hatui.timeline import Event, Severity, backend_statuses, vrrp_instance
from hatui.ui import words
from hatui.ui.redraw import rows_key, update_if_changed
from hatui.ui.source import LinkStatus
from hatui.ui.words import word


class StatePane(Vertical):
    """A titled pane showing one aspect of the latest state."""

    TITLE = ""
    state: reactive[ClusterState | None] = reactive(None, always_update=True)

    def compose(self) -> ComposeResult:
        yield Static(self.TITLE, classes="pane-title")
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        yield Static(id=f"{self.id}-body", classes="pane-body")

    def watch_state(self, state: ClusterState | None) -> None:
        if state is not None:
            try:
                self.render_state(state)
            except NoMatches:
                pass  # the app is shutting down: its widgets are being removed

    def render_state(self, state: ClusterState) -> None:
        update_if_changed(self.query_one(".pane-body", Static), self.body(state))

    def body(self, state: ClusterState) -> Content:
        return Content("")


# -- header ----------------------------------------------------------------------------------


class HeaderPane(Vertical):
    """Cluster name, VIP and holder, the verdict and its first reason, the age of the data."""

    state: reactive[ClusterState | None] = reactive(None, always_update=True)

    def __init__(self, name: str, clock: Callable[[], float], **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.cluster_name = name
        self.clock = clock
        self.position = ""
        """Replay position ("3/40 x1 paused"), empty when live."""
        self.ended = False
        self.failure = ""
        """Why the source stopped with an error (empty while it works)."""
        self.links: tuple[LinkStatus, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static(id="header-line")
        yield Static(id="header-reason")
        yield Static(id="header-reasons")

    def watch_state(self, state: ClusterState | None) -> None:
        self.redraw()

    def redraw(self) -> None:
        try:
            line = self.query_one("#header-line", Static)
            reason = self.query_one("#header-reason", Static)
            more = self.query_one("#header-reasons", Static)
        except NoMatches:
            return  # the app is shutting down: its widgets are being removed
        state = self.state
        parts: list[Content | str] = [word(self.cluster_name, None), "  "]
        if state is None and self.failure:
            update_if_changed(line, Content.assemble(*parts, word("no data", "$verdict-down")))
            update_if_changed(reason, word(f"collecting stopped: {self.failure}", "$verdict-down"))
            return
        if state is None:
            update_if_changed(
                line, Content.assemble(*parts, word("connecting…", "$verdict-unknown"))
            )
            update_if_changed(
                reason,
                Content(
                    "  ".join(f"{ln.node}: {ln.phase} {ln.detail}".strip() for ln in self.links)
                ),
            )
            return
        v = state.verdicts
        parts += [f"VIP {state.spec.vip} on "]
        if v.vip_holders:
            parts.append(word(" + ".join(v.vip_holders), "$vip-holder"))
        else:
            parts.append(word("NO NODE", "$verdict-down"))
        parts += ["  ", word(f" {v.verdict} ", words.VERDICT_STYLE[v.verdict])]
        parts += [f"  data {words.age(state.age(self.clock()))} old"]
        if self.position:
            parts += [f"  replay {self.position}"]
        if self.failure:
            parts += ["  ", word(f"(collecting stopped: {self.failure})", "$verdict-down")]
        elif self.ended:
            parts += ["  (source ended)"]
        update_if_changed(line, Content.assemble(*parts))
        if v.reasons:
            extra = f" (+{len(v.reasons) - 1} more)" if len(v.reasons) > 1 else ""
            update_if_changed(reason, Content(f"why: {v.reasons[0]}{extra}"))
            update_if_changed(more, Content("\n".join(f"• {r}" for r in v.reasons)))
        else:
            update_if_changed(reason, Content("why: every check passes"))
            update_if_changed(more, Content(""))


# -- VRRP ------------------------------------------------------------------------------------


class VrrpPane(StatePane):
    """One row per node: reachable, VRRP state, priorities, VIP, expected master, scripts."""

    TITLE = "VRRP (keepalived)"
    COLUMNS = ("node", "ssh", "state", "prio", "VIP", "elect", "scripts", "changed")

    def compose_body(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(id="vrrp-table", cursor_type="row", zebra_stripes=False)
        yield table
        yield Static(id="vrrp-notes", classes="notes")

    WIDE = 120
    """From this many columns on, the table also shows the last transition."""

    _shown: object = None
    """What the table shows (`rows_key`), so an unchanged sweep leaves it alone."""

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _: self.watch_state(self.state))

    def _style(self, var: str | None) -> Style:
        if var is None:
            return Style()
        color = self._vars.get(var.lstrip("$"))
        return Style(color=color, bold=True) if color else Style(bold=True)

    def _cell(self, text: str, var: str | None = None) -> Text:
        return Text(text, style=self._style(var))

    def render_state(self, state: ClusterState) -> None:
        self._vars = self.app.get_css_variables()
        table = self.query_one(DataTable)
        columns = self.COLUMNS if self.app.size.width >= self.WIDE else self.COLUMNS[:-1]
        rows: list[tuple[str, list[Text]]] = []
        notes = []
        for n in state.nodes:
            rows.append((n.name, self.row(state, n)[: len(columns)]))
            if not n.reachable:
                notes.append(f"{n.name} unreachable: {n.unreachable_reason or 'unknown reason'}")
        names = {n.name for n in state.nodes}
        for s in state.spec.nodes:
            if s.name not in names:
                cells = [self._cell(s.name), self._cell("?"), self._cell("not observed")]
                rows.append((s.name, cells + [self._cell("") for _ in columns[3:]]))
        notes_widget = self.query_one("#vrrp-notes", Static)
        update_if_changed(notes_widget, Content("\n".join(notes)))
        notes_widget.display = bool(notes)
        key = rows_key(columns, rows)
        if key == self._shown:
            return  # the same rows: refilling the table would only cost a redraw
        self._shown = key
        cursor = table.cursor_row
        if tuple(str(k.value) for k in table.columns) != columns:
            table.clear(columns=True)
            for name in columns:
                table.add_column(name, key=name)
        table.clear()
        for name, cells in rows:
            table.add_row(*cells, key=name)
        if state.nodes:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    def row(self, state: ClusterState, n: NodeObservation) -> list[Text]:
        v = state.verdicts
        holder = n.name in v.vip_holders
        elect = "yes" if v.expected_master == n.name else ""
        name = self._cell(n.name, "$vip-holder" if holder else None)
        if not n.reachable:
            return [
                name,
                self._cell("DOWN", "$node-unreachable"),
                self._cell("unreachable", "$node-unreachable"),
                *[self._cell("") for _ in range(6)],
            ]
        ssh = self._cell("ok")
        inst = vrrp_instance(state, n)
        ka = n.keepalived.value if n.keepalived else None
        if inst is None:
            err = n.keepalived.error if n.keepalived else None
            text = "no data" if err else ("not running" if ka and not ka.running else "?")
            st = self._cell(text, "$vrrp-fault" if ka and not ka.running else None)
            return [
                name,
                ssh,
                st,
                self._cell("?"),
                self._cell("VIP" if holder else "-"),
                self._cell(elect),
                self._cell(""),
                self._cell(""),
            ]
        prio = f"{_n(inst.base_priority)}/{_n(inst.effective_priority)}"
        scripts = " ".join(str(s.status) for s in inst.track_scripts) or "-"
        statuses = [s.status for s in inst.track_scripts]
        worst = next((s for s in statuses if s != "GOOD"), statuses[0] if statuses else None)
        return [
            name,
            ssh,
            self._cell(str(inst.state), words.VRRP_STYLE.get(inst.state)),
            self._cell(prio),
            self._cell("VIP", "$vip-holder") if holder else self._cell("-"),
            self._cell(elect),
            self._cell(scripts, words.SCRIPT_STYLE.get(worst) if worst else None),
            self._cell(words.clock(inst.last_transition)),
        ]

    def selected_node(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None


def _n(v: int | None) -> str:
    return "?" if v is None else str(v)


# -- load balancers --------------------------------------------------------------------------


class LbPane(StatePane):
    """LB node x backend: UP / DOWN / MAINT as each LB node sees each apiserver."""

    TITLE = "Load balancers"

    def body(self, state: ClusterState) -> Content:
        lb_nodes = [n for n in state.nodes if n.name in state.spec.lb_hosts]
        if not state.spec.lb_hosts:
            return Content(f"no load balancer ({state.spec.lb_kind})")
        per_node = {n.name: backend_statuses(n) for n in lb_nodes}
        backends: list[str] = []
        for statuses in per_node.values():
            backends += [b for b in statuses if b not in backends]
        width = max([6, *(len(b) for b in backends)])
        rows: list[Content] = [
            Content("LB \\ to".ljust(9) + "".join(b.ljust(width + 1) for b in backends))
        ]
        for name in state.spec.lb_hosts:
            n = state.node(name)
            row: list[Content | str] = [name.ljust(9)]
            if n is None or not n.reachable:
                row.append(word("unreachable", "$node-unreachable"))
            elif n.lb is None or n.lb.value is None:
                row.append(
                    word(
                        f"no data: {n.lb.error.message}" if n.lb and n.lb.error else "no data", None
                    )
                )
            else:
                st = per_node.get(name, {})
                for b in backends:
                    s = st.get(b, "?")
                    row += [word(s, words.BACKEND_STYLE.get(s)), " " * (width + 1 - len(s))]
            rows.append(Content.assemble(*row))
        return Content("\n").join(rows)


# -- etcd ------------------------------------------------------------------------------------


class EtcdPane(StatePane):
    """Members, leader, term, health, DB size; and the quorum in words."""

    TITLE = "etcd"

    def body(self, state: ClusterState) -> Content:
        q = state.verdicts.etcd
        if q is None:
            return Content("no etcd data")
        view = next(
            (n.etcd.value for n in state.nodes if n.reachable and n.etcd and n.etcd.value), None
        )
        rows: list[Content] = [Content("member role     term health db")]
        if view is not None:
            for m in view.members:
                role = "leader" if m.is_leader else ("learner" if m.is_learner else "follower")
                health = {True: "ok", False: "FAILED", None: "?"}[m.healthy]
                rows.append(
                    Content.assemble(
                        f"{(m.name or m.id_hex or '?')[:6]:<7}",
                        word(f"{role:<8}", "$vrrp-master" if m.is_leader else None),
                        f"{_n(m.raft_term):>5} ",
                        word(f"{health:<7}", words.OK_STYLE.get(m.healthy))
                        if m.healthy is not None
                        else f"{health:<7}",
                        f" {words.size(m.db_size)}",
                    )
                )
        quorum = f"{q.healthy}/{q.members} healthy, needs {q.needed}, "
        if q.tolerates >= 0:
            quorum += f"tolerates {q.tolerates} more"
            style = "$verdict-healthy" if q.tolerates > 0 else "$verdict-degraded"
        else:
            quorum += "tolerates none"
            style = "$verdict-down"
        rows.append(word(quorum, style))
        rows.append(Content(f"leader: {q.leader or 'none'}"))
        return Content("\n").join(rows)


# -- API -------------------------------------------------------------------------------------


class ApiPane(StatePane):
    """Per-node /readyz and /livez, and whether the API answers through the VIP."""

    TITLE = "API"

    def body(self, state: ClusterState) -> Content:
        rows: list[Content] = []
        via = state.verdicts.api_via_vip
        via_text = {True: "answers", False: "FAILS", None: "not checked"}[via]
        rows.append(
            Content.assemble(
                "via VIP ", word(via_text, words.OK_STYLE.get(via) if via is not None else None)
            )
        )
        for n in state.nodes:
            if not n.reachable:
                rows.append(
                    Content.assemble(f"{n.name:<4}", word("unreachable", "$node-unreachable"))
                )
                continue
            rows.append(
                Content.assemble(
                    f"{n.name:<4}", "ready ", _health(n.readyz), " live ", _health(n.livez)
                )
            )
        rows += _kube_rows(state)
        return Content("\n").join(rows)


def _kube_rows(state: ClusterState) -> list[Content]:
    """Node Ready and the leaders, as the kubeconfig's API says (nothing without one)."""
    probe = state.kube_api
    if probe is None:
        return []
    if probe.value is None:
        message = probe.error.message if probe.error else "no answer"
        return [Content.assemble("k8s ", word(f"FAILS: {message}", "$backend-down"))]
    rows = []
    nodes = probe.value.nodes
    if isinstance(nodes, ProbeError):
        rows.append(Content.assemble("nodes ", word(f"? {nodes.message}", "$backend-down")))
    elif nodes.not_ready:
        names = " ".join(n.name for n in nodes.not_ready)
        rows.append(Content.assemble("nodes ", word(f"NotReady: {names}", "$backend-down")))
    else:
        rows.append(
            Content.assemble("nodes ", word(f"all {len(nodes.nodes)} Ready", "$backend-up"))
        )
    v = state.verdicts
    cm, sched = v.controller_manager_leader, v.scheduler_leader
    rows.append(
        Content.assemble(
            "leaders cm ",
            word(cm, None) if cm else word("NONE", "$backend-down"),
            " sched ",
            word(sched, None) if sched else word("NONE", "$backend-down"),
        )
    )
    return rows


def _health(probe: object) -> Content:
    value = getattr(probe, "value", None)
    if probe is None:
        return Content("-   ")
    if isinstance(value, ApiHealthObservation):
        return word("ok  ", "$backend-up") if value.ok else word("FAIL", "$backend-down")
    return word("DOWN", "$backend-down")


# -- event log -------------------------------------------------------------------------------


SEVERITY_STYLE = {Severity.GOOD: "$backend-up", Severity.BAD: "$backend-down", Severity.INFO: None}


class EventLog(Vertical):
    """Every change noticed, newest sweep first (so the latest is visible without scrolling).

    Within one sweep the order `timeline.diff` gives is kept: the VIP move leads.
    """

    events: reactive[tuple[Event, ...]] = reactive((), always_update=True)

    def compose(self) -> ComposeResult:
        yield Static("Events", classes="pane-title")
        yield Static(id="events-body", classes="pane-body")

    def watch_events(self, events: tuple[Event, ...]) -> None:
        lines = [
            Content.assemble(
                f"{words.clock(e.at)} ",
                word(redact(e.text), SEVERITY_STYLE[e.severity])
                if e.severity is not Severity.INFO
                else redact(e.text),
            )
            for e in sorted(events, key=lambda e: -e.at)  # stable: a sweep's own order kept
        ]
        for body in self.query("#events-body").results(Static):  # none while shutting down
            update_if_changed(
                body, Content("\n").join(lines) if lines else Content("no change yet")
            )
