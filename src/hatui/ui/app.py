"""`HatuiApp`: the live view of the control plane, fed by a `StateSource`.

Data flows one way: a worker iterates the source, computes the change events
(`hatui.timeline.diff`), optionally records, and posts one coalescing `StateUpdated`; the
handler stores the state in a reactive whose watcher hands it to every pane.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.events import Resize
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer
from textual.worker import Worker, WorkerState

from hatui.drill.report import summary
from hatui.drill.runner import DrillRunner
from hatui.drill.scenario import Scenario
from hatui.errors import HatuiError
from hatui.faults import FaultManager
from hatui.inventory import Inventory
from hatui.model import ClusterState
from hatui.recording import Recorder, ReplaySource
from hatui.stream.watcher import Watcher
from hatui.themes import DEFAULT_THEME, ThemeFailure, ThemeFile, load_themes
from hatui.timeline import Event, EventKind, Severity, diff
from hatui.ui.drill_view import DrillConfirmScreen, DrillPane
from hatui.ui.failover_pane import FailoverPane
from hatui.ui.fault_screens import (
    ALL,
    QUIT_CLEAR,
    QUIT_KEEP,
    FaultClearScreen,
    FaultConfirmScreen,
    FaultMenuScreen,
    QuitScreen,
)
from hatui.ui.faults_pane import FaultsPane
from hatui.ui.messages import StateUpdated
from hatui.ui.panes import ApiPane, EtcdPane, EventLog, HeaderPane, LbPane, StatePane, VrrpPane
from hatui.ui.screens import HelpScreen, NodeDetailScreen
from hatui.ui.source import LinkReporting, PlaybackControls, StateSource
from hatui.ui.topology_pane import TopologyPane

ROOMY_HEIGHT = 40
"""From this many rows on, the header lists every reason and the panes get more room."""
MAX_EVENTS = 500
MEASURE_SECONDS = 40.0
"""How long the fast API probe runs after a fault is injected or cleared."""

KEY_NAMES = {"question_mark": "?", "plus": "+", "equals_sign": "=", "minus": "-", "space": "space"}
"""How the help screen writes Textual's key names."""

PLAYBACK_ACTIONS = {"toggle_pause", "faster", "slower", "seek_back", "seek_forward"}


class HatuiApp(App[int]):
    """The control plane at a glance: can users reach the API right now, and if not, why?"""

    CSS_PATH = "app.tcss"
    TITLE = "hatui"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help", tooltip="List every key"),
        Binding(
            "enter",
            "node_detail",
            "Node detail",
            id="node-detail",
            tooltip="Detail of the node under the cursor (keepalived, log, LB)",
        ),
        Binding("t", "cycle_theme", "Theme", id="cycle-theme", tooltip="Next hatui theme"),
        Binding(
            "f",
            "fault",
            "Fault",
            id="fault",
            tooltip="Inject a fault on the node under the cursor (shows its commands first)",
        ),
        Binding("x", "clear_faults", "Clear", id="clear", tooltip="Clear one or all faults"),
        Binding(
            "D",
            "run_drill",
            "Drill",
            id="drill",
            tooltip="Run the --drill scenario, its steps ticking by (shows them first)",
        ),
        Binding(
            "space",
            "toggle_pause",
            "Pause",
            id="pause",
            priority=True,
            tooltip="Replay: pause or resume",
        ),
        Binding(
            "plus,equals_sign",
            "faster",
            "Faster",
            id="faster",
            priority=True,
            tooltip="Replay: play faster",
        ),
        Binding(
            "minus", "slower", "Slower", id="slower", priority=True, tooltip="Replay: play slower"
        ),
        Binding(
            "left",
            "seek_back",
            "Back",
            id="seek-back",
            priority=True,
            tooltip="Replay: previous state",
        ),
        Binding(
            "right",
            "seek_forward",
            "Forward",
            id="seek-forward",
            priority=True,
            tooltip="Replay: next state",
        ),
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave hatui"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, tooltip="Leave hatui"),
    ]

    state: reactive[ClusterState | None] = reactive(None, always_update=True)

    def __init__(
        self,
        source: StateSource,
        *,
        theme: str | None = None,
        record: str | Path | None = None,
        cluster_name: str = "hatui",
        clock: Callable[[], float] = time.time,
        theme_dirs: tuple[Path, ...] | None = None,
        exit_on_signals: bool = False,
        faults: FaultManager | None = None,
        dry_run: bool = False,
        watcher: Watcher | None = None,
        drill: Scenario | None = None,
        inventory: Inventory | None = None,
    ) -> None:
        self.hatui_themes: list[ThemeFile]
        self.theme_failures: list[ThemeFailure]
        self.hatui_themes, self.theme_failures = load_themes(theme_dirs)
        super().__init__()  # reads get_theme_variable_defaults, hence themes first
        self.source = source
        self.clock = clock
        """Where "now" comes from for data ages (tests pin it)."""
        self.cluster_name = cluster_name
        self.faults = faults
        """Injects and clears faults (None: replay, or no cluster to act on)."""
        self.dry_run = dry_run
        """Fault dialogs show the exact commands and run nothing."""
        self.watcher = watcher
        """Streams giving failover figures after a fault is injected or cleared."""
        self._failover: tuple[str, float] | None = None
        """(what, t0) of the failover being measured or shown last."""
        self._failover_logged = True
        self.drill = drill
        """The scenario `D` runs (with `inventory`, the faults' and the streams' cluster)."""
        self.inventory = inventory
        self.exit_on_signals = exit_on_signals
        """SIGTERM and SIGHUP (terminal closed) quit cleanly: SSH closed, recording flushed."""
        self.recorder = Recorder(record) if record else None
        self.timeline: list[Event] = []
        """Every change noticed, oldest first (computed where states arrive)."""
        for t in self.hatui_themes:
            self.register_theme(t.to_textual())
        names = [t.name for t in self.hatui_themes]
        wanted = theme or DEFAULT_THEME
        if wanted not in names:
            if theme is not None:
                self.theme_failures.append(ThemeFailure(Path(wanted), "no such theme"))
            wanted = DEFAULT_THEME if DEFAULT_THEME in names else (names[0] if names else "")
        if wanted:
            self.theme = wanted

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """hatui's semantic variables for non-hatui themes (e.g. picked in the palette)."""
        default = next((t for t in self.hatui_themes if t.name == DEFAULT_THEME), None)
        if default is None and self.hatui_themes:
            default = self.hatui_themes[0]
        return dict(default.variables) if default else {}

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderPane(self.cluster_name, self.clock, id="header")
        yield FaultsPane(id="faults")
        yield FailoverPane(id="failover")
        yield DrillPane(id="drill")
        yield TopologyPane(id="topology")
        with Horizontal(id="row-top"):
            yield VrrpPane(id="vrrp")
            yield ApiPane(id="api")
        with Horizontal(id="row-mid"):
            yield LbPane(id="lb")
            yield EtcdPane(id="etcd")
        yield EventLog(id="events")
        yield Footer()

    @property
    def main(self) -> Screen[object]:
        return self.screen_stack[0]

    def on_mount(self) -> None:
        for failure in self.theme_failures:
            self.notify(str(failure), title="Theme not loaded", severity="warning", timeout=10)
        self.set_interval(1.0, self._tick)
        if self.exit_on_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, self.exit, 128 + sig)
        self._consume()

    def on_resize(self, event: Resize) -> None:
        self.main.set_class(event.size.height >= ROOMY_HEIGHT, "-roomy")
        for pane in self.main.query(StatePane):
            if pane.state is not None:
                pane.render_state(pane.state)

    def _header(self) -> HeaderPane | None:
        """The header, or None while the app is shutting down (its widgets removed)."""
        found = self.main.query(HeaderPane)
        return found.first() if found else None

    def _tick(self) -> None:
        header = self._header()
        if header is None:
            return
        if self.faults is not None:
            for pane in self.main.query(FaultsPane):
                pane.show(self.faults.active(), self.clock())
        self._show_failover()
        if isinstance(self.source, PlaybackControls):
            header.position = self.source.position()
        if self.state is None and isinstance(self.source, LinkReporting):
            header.links = tuple(self.source.link_statuses())
        header.redraw()

    # -- data ------------------------------------------------------------------------------

    @work(exclusive=True, group="source", exit_on_error=False)
    async def _consume(self) -> None:
        previous: ClusterState | None = None
        try:
            async for state in self.source.states():
                self.timeline.extend(diff(previous, state))
                del self.timeline[:-MAX_EVENTS]
                previous = state
                if self.recorder is not None:
                    self.recorder.write(state)
                self.post_message(StateUpdated(state))
        finally:
            if self.recorder is not None:
                self.recorder.close()
        if (header := self._header()) is not None:
            header.ended = True
        self._tick()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A source that fails says so (header and a notification) instead of going quiet."""
        if event.worker.group != "source" or event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        text = f"{type(error).__name__}: {error}" if error else "unknown error"
        if (header := self._header()) is not None:
            header.failure = text
            header.redraw()
        self.notify(text, title="hatui stopped collecting", severity="error", timeout=30)

    def on_state_updated(self, message: StateUpdated) -> None:
        self.state = message.state

    def watch_state(self, state: ClusterState | None) -> None:
        header = self._header()
        if state is None or header is None:
            return
        if isinstance(self.source, PlaybackControls):
            header.position = self.source.position()
        header.state = state
        for pane in self.main.query(StatePane):
            pane.state = state
        for log in self.main.query(EventLog):
            log.events = tuple(self.timeline)

    # -- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in PLAYBACK_ACTIONS:
            return isinstance(self.source, PlaybackControls) and self.screen is self.main
        if action == "run_drill":
            if self.drill is None or self.faults is None or self.inventory is None:
                return False
            return None if self.faults.read_only else True
        if action in ("fault", "clear_faults"):
            # shown but disabled when read-only; hidden where there is nothing to act on
            if self.faults is None:
                return False
            return None if self.faults.read_only else True
        return True

    # -- faults ----------------------------------------------------------------------------

    def _event(self, text: str, severity: Severity = Severity.INFO) -> None:
        self.timeline.append(Event(self.clock(), EventKind.FAULT, text, severity))
        for log in self.main.query(EventLog):
            log.events = tuple(self.timeline)

    def _measure(self, what: str, t0: float) -> None:
        """Measure the failover a fault (or its clearing) at `t0` causes, from the streams."""
        if self.watcher is None:
            return
        try:
            self.watcher.probe_api_fast(True, duration=MEASURE_SECONDS)
        except RuntimeError:  # the streams are not started (no connection yet)
            return
        self._failover, self._failover_logged = (what, t0), False

    def _show_failover(self) -> None:
        if self.watcher is None or self._failover is None:
            return
        what, t0 = self._failover
        figures = self.watcher.measure(t0)
        running = self.watcher.api_probing
        for pane in self.main.query(FailoverPane):
            pane.show(what, figures, running=running)
        if not running and not self._failover_logged:
            self._failover_logged = True
            self._event(f"failover after {what}: {figures.summary()}")

    def action_fault(self) -> None:
        name = self.main.query_one(VrrpPane).selected_node()
        if name is None or self.faults is None:
            self.notify("no node selected", severity="warning")
            return
        self._fault_dialog(name)

    @work(exclusive=True, group="faults", exit_on_error=False)
    async def _fault_dialog(self, node: str) -> None:
        assert self.faults is not None
        kind = await self.push_screen_wait(FaultMenuScreen(node))
        if kind is None:
            return
        state = self.state
        if state is None:
            self.notify("no data yet: the guards need one sweep first", severity="warning")
            return
        try:
            self.notify(f"checking {kind} on {node}…", timeout=2)
            plan = await self.faults.prepare(kind, node)
            consequence = self.faults.consequence(plan, state)
            if not await self.push_screen_wait(
                FaultConfirmScreen(plan, consequence, dry_run=self.dry_run)
            ):
                return
            t0 = time.time()
            record = await self.faults.inject(plan, state=state, confirmed=consequence is not None)
        except HatuiError as e:
            self.notify(str(e), title=e.title, severity="error", timeout=15)
            return
        self._event(f"fault injected: {plan.title()} (id {record.fault_id})", Severity.BAD)
        self._measure(plan.title(), t0)
        self._tick()

    def action_run_drill(self) -> None:
        if self.drill is not None:
            self._drill_worker(self.drill)

    @work(exclusive=True, group="faults", exit_on_error=False)
    async def _drill_worker(self, scenario: Scenario) -> None:
        assert self.faults is not None and self.inventory is not None
        if not await self.push_screen_wait(DrillConfirmScreen(scenario)):
            return
        pane = self.main.query_one(DrillPane)
        pane.begin(scenario)
        self._event(f"drill {scenario.name!r} started")
        try:
            runner = DrillRunner(
                scenario,
                self.inventory,
                self.faults.transport,
                faults=self.faults,
                watcher=self.watcher,
                on_step_start=pane.step_started,
                on_step=pane.step_done,
            )
            result = await runner.run()
        except HatuiError as e:
            pane.end(f"drill could not run: {e}", False)
            self.notify(str(e), title=e.title, severity="error", timeout=15)
            return
        ok = result.outcome.value == "passed"
        head = summary(result).splitlines()[0]
        pane.end(head, ok)
        self._event(summary(result).replace("\n", "; "), Severity.GOOD if ok else Severity.BAD)
        self._tick()

    def action_clear_faults(self) -> None:
        if self.faults is None:
            return
        if not self.faults.active():
            self.notify("no fault to clear")
            return
        self._clear_dialog()

    @work(exclusive=True, group="faults", exit_on_error=False)
    async def _clear_dialog(self) -> None:
        assert self.faults is not None
        choice = await self.push_screen_wait(FaultClearScreen(self.faults.active(), self.clock()))
        if choice is None:
            return
        await self._clear(None if choice == ALL else choice)

    async def _clear(self, fault_id: str | None) -> bool:
        """Clear one fault (or all); True when every one is cleared."""
        assert self.faults is not None
        t0 = time.time()
        try:
            if fault_id is None:
                results = await self.faults.clear_all()
            else:
                results = [await self.faults.clear(fault_id)]
        except HatuiError as e:
            self.notify(str(e), title=e.title, severity="error", timeout=15)
            return False
        for r in results:
            title = f"{r.record.plan.title()} (id {r.record.fault_id})"
            if r.ok:
                self._event(f"fault cleared: {title}", Severity.GOOD)
            else:
                self._event(f"fault NOT cleared: {title}: {r.message}", Severity.BAD)
                self.notify(r.message, title=f"{title} not cleared", severity="error")
        if any(r.ok and r.by == "hatui" for r in results):
            self._measure("clearing " + ", ".join(r.record.plan.title() for r in results), t0)
        self._tick()
        return all(r.ok for r in results)

    async def action_quit(self) -> None:
        active = self.faults.active() if self.faults is not None else []
        if not active or self.faults is None or self.faults.read_only:
            self.exit()
            return
        self._quit_dialog()

    @work(exclusive=True, group="faults", exit_on_error=False)
    async def _quit_dialog(self) -> None:
        assert self.faults is not None
        choice = await self.push_screen_wait(QuitScreen(self.faults.active(), self.clock()))
        if choice == QUIT_KEEP:
            self.exit()
        elif choice == QUIT_CLEAR and await self._clear(None):
            self.exit()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.binding_rows()))

    def binding_rows(self) -> list[tuple[str, str, str]]:
        """(key, description, tooltip) of every app binding, for the help screen."""
        rows = []
        for b in self.BINDINGS:
            assert isinstance(b, Binding)
            keys = ", ".join(KEY_NAMES.get(k, k) for k in b.key.split(","))
            rows.append((keys, b.description, b.tooltip))
        return rows

    def action_node_detail(self) -> None:
        if self.state is None:
            self.notify("no data yet", severity="warning")
            return
        name = self.main.query_one(VrrpPane).selected_node()
        if name is not None:
            self.push_screen(NodeDetailScreen(self.state, name))

    @on(DataTable.RowSelected, "#vrrp-table")
    def _row_selected(self) -> None:
        self.action_node_detail()

    def action_cycle_theme(self) -> None:
        names = [t.name for t in self.hatui_themes]
        if not names:
            return
        i = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(i + 1) % len(names)]
        self.notify(f"theme {self.theme}", timeout=2)

    def _playback(self) -> PlaybackControls | None:
        return self.source if isinstance(self.source, PlaybackControls) else None

    def action_toggle_pause(self) -> None:
        if p := self._playback():
            p.toggle_pause()
            self._tick()

    def action_faster(self) -> None:
        if p := self._playback():
            p.faster()
            self._tick()

    def action_slower(self) -> None:
        if p := self._playback():
            p.slower()
            self._tick()

    def action_seek_back(self) -> None:
        if p := self._playback():
            p.seek(-1)

    def action_seek_forward(self) -> None:
        if p := self._playback():
            p.seek(1)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette offers every binding's action, besides Textual's own commands."""
        yield from super().get_system_commands(screen)
        for b in self.BINDINGS:
            assert isinstance(b, Binding)
            if b.action == "quit" or not self.check_action(b.action, ()):
                continue
            yield SystemCommand(b.description, b.tooltip, getattr(self, f"action_{b.action}"))


def run_app(
    source: StateSource,
    *,
    theme: str | None = None,
    record: str | None = None,
    cluster_name: str = "hatui",
    faults: FaultManager | None = None,
    dry_run: bool = False,
    clock: Callable[[], float] = time.time,
    watcher: Watcher | None = None,
    drill: Scenario | None = None,
    inventory: Inventory | None = None,
) -> int:
    """Run the app on `source` until the person quits; the exit code for the CLI."""
    app = HatuiApp(
        source,
        clock=clock,
        theme=theme,
        record=record,
        cluster_name=cluster_name,
        exit_on_signals=True,
        faults=faults,
        dry_run=dry_run,
        watcher=watcher,
        drill=drill,
        inventory=inventory,
    )
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)


def run_replay(path: str, *, theme: str | None = None, speed: float = 1.0) -> int:
    """Play a recording back in the app (space pauses, +/- speed, left/right seek)."""
    source = ReplaySource(path, speed)

    def recorded_now() -> float:
        """The shown state's own time: data ages read as they were when recorded."""
        states = source.recording
        return states[min(source.index, len(states) - 1)].derived_at if states else time.time()

    return run_app(
        source, theme=theme, cluster_name=f"replay {Path(path).name}", clock=recorded_now
    )
