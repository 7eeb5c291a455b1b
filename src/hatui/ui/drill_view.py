"""A drill run from the app: the scenario's steps to confirm, and a pane where they tick by.

The app starts `hatui.drill.DrillRunner` in a worker with the live source's connections,
fault manager and streams; its callbacks feed `DrillPane` one line per step.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from hatui.drill.report import step_line
from hatui.drill.runner import StepResult
from hatui.drill.scenario import Scenario, Step
from hatui.faults.ttl import format_duration
from hatui.ui.words import word

SHOWN_STEPS = 6
"""Step lines the pane keeps (the latest; the event log and the report have them all)."""


class DrillConfirmScreen(ModalScreen[bool]):
    """The scenario's steps; `y` runs it against the cluster."""

    BINDINGS = [
        Binding("y", "dismiss(True)", "Run", tooltip="Run the drill on the masters"),
        Binding("escape,n,q", "dismiss(False)", "Cancel", tooltip="Change nothing"),
    ]

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        s = self.scenario
        with Vertical(classes="dialog"):
            title = (
                f"drill {s.name!r} ({len(s.steps)} steps, faults with TTL {format_duration(s.ttl)})"
            )
            yield Static(word(title, "$accent"), classes="dialog-title")
            with VerticalScroll(id="drill-steps"):
                yield Static("\n".join(f"{st.index:>2}. {st.text()}" for st in s.steps))
            yield Static(
                "y: run it (it clears what it injected, also on failure or q) · Esc: cancel",
                classes="dialog-help",
            )


class DrillPane(Static):
    """The running (or last) drill: its name, the step under way, the steps done."""

    def on_mount(self) -> None:
        self.display = False
        self.lines: list[Content] = []
        self.title = ""
        self.current = ""

    def begin(self, scenario: Scenario) -> None:
        self.display = True
        self.title = f"drill {scenario.name!r}"
        self.lines = []
        self.current = "starting"
        self._draw()

    def step_started(self, step: Step) -> None:
        self.current = f"step {step.index}: {step.text()} …"
        self._draw()

    def step_done(self, result: StepResult) -> None:
        style = "$backend-up" if result.ok else "$backend-down"
        self.lines.append(word(step_line(result), style))
        del self.lines[:-SHOWN_STEPS]
        self.current = ""
        self._draw()

    def end(self, text: str, ok: bool) -> None:
        self.current = ""
        self.lines.append(word(text, "$verdict-healthy" if ok else "$verdict-down"))
        del self.lines[:-SHOWN_STEPS]
        self._draw()

    def _draw(self) -> None:
        rows: list[Content] = [word(self.title, "$accent"), *self.lines]
        if self.current:
            rows.append(Content(self.current))
        self.update(Content("\n").join(rows))
