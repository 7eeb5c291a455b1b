"""The fault dialogs: pick a fault for a node, confirm it (its commands and any guard's
consequence shown), clear one or all, and what to do with active faults when quitting.

The screens only ask; the app runs the `FaultManager` calls in a worker (CONVENTIONS 2:
nothing here talks to a node).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from hatui.fault_cmd import render_plan
from hatui.faults import FaultKind
from hatui.faults.catalog import Plan
from hatui.faults.journal import FaultRecord
from hatui.faults.kinds import EFFECTS
from hatui.faults.ttl import format_duration
from hatui.ui.words import word

ALL = "*all*"
"""The clear menu's choice for every active fault."""


class FaultMenuScreen(ModalScreen[FaultKind | None]):
    """Which fault to inject on `node` (Enter picks, Esc cancels)."""

    BINDINGS = [Binding("escape,q", "dismiss(None)", "Cancel", tooltip="No fault")]

    def __init__(self, node: str) -> None:
        super().__init__()
        self.node = node

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Content.assemble(word(f"Inject a fault on {self.node}", "$accent")),
                classes="dialog-title",
            )
            yield OptionList(
                *(Option(f"{kind:<17} {EFFECTS[kind]}", id=kind.value) for kind in FaultKind),
                id="fault-menu",
            )
            yield Static("Enter: review its commands first · Esc: cancel", classes="dialog-help")

    def on_mount(self) -> None:
        menu = self.query_one("#fault-menu", OptionList)
        menu.highlighted = 0  # the first fault, so Enter and arrows act from a known place
        menu.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(FaultKind(str(event.option.id)))


class FaultConfirmScreen(ModalScreen[bool]):
    """The exact commands of a fault, the guard's consequence if any; `y` injects."""

    BINDINGS = [
        Binding("y", "dismiss(True)", "Inject", tooltip="Run these commands on the masters"),
        Binding("escape,n,q", "dismiss(False)", "Cancel", tooltip="Change nothing"),
    ]

    def __init__(self, plan: Plan, consequence: str | None, *, dry_run: bool) -> None:
        super().__init__()
        self.plan = plan
        self.consequence = consequence
        self.dry_run = dry_run

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(classes="dialog"):
            title = f"{plan.title()}, TTL {format_duration(plan.ttl)} (fault id {plan.fault_id})"
            yield Static(word(title, "$accent"), classes="dialog-title")
            if self.consequence:
                yield Static(word(f"GUARD: {self.consequence}", "$verdict-down"), id="fault-guard")
            with VerticalScroll(id="fault-commands"):
                text = render_plan(plan, None, confirmed=False).split("\n", 1)[-1]
                yield Static(Content(text))
            if self.dry_run:
                ask = "dry run (--dry-run): nothing will be run. Esc closes."
            elif self.consequence:
                ask = "y: inject ANYWAY, accepting the consequence above · Esc: cancel"
            else:
                ask = "y: inject · Esc: cancel"
            yield Static(ask, classes="dialog-help", id="fault-ask")

    def action_dismiss(self, result: bool | None = None) -> None:  # type: ignore[override]
        self.dismiss(bool(result) and not self.dry_run)


class FaultClearScreen(ModalScreen[str | None]):
    """Which active fault to clear (or all of them)."""

    BINDINGS = [Binding("escape,q", "dismiss(None)", "Cancel", tooltip="Clear nothing")]

    def __init__(self, records: list[FaultRecord], now: float) -> None:
        super().__init__()
        self.records = records
        self.now = now

    def compose(self) -> ComposeResult:
        options = [Option(f"all {len(self.records)} active faults", id=ALL)]
        for r in self.records:
            left = format_duration(r.remaining(self.now))
            options.append(Option(f"{r.fault_id}  {r.plan.title()}  ({left} left)", id=r.fault_id))
        with Vertical(classes="dialog"):
            yield Static(word("Clear faults hatui injected", "$accent"), classes="dialog-title")
            yield OptionList(*options, id="clear-menu")
            yield Static("Enter: clear · Esc: cancel", classes="dialog-help")

    def on_mount(self) -> None:
        menu = self.query_one("#clear-menu", OptionList)
        menu.highlighted = 0  # "all"
        menu.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.id))


QUIT_CLEAR, QUIT_KEEP = "clear", "keep"


class QuitScreen(ModalScreen[str | None]):
    """Active faults when quitting: clear them all, keep them (their TTLs run), or stay."""

    BINDINGS = [
        Binding("c", "dismiss('clear')", "Clear all", tooltip="Clear every fault, then quit"),
        Binding("k", "dismiss('keep')", "Keep", tooltip="Quit; the watchdogs clear at TTL"),
        Binding("escape,n", "dismiss(None)", "Cancel", tooltip="Back to hatui"),
    ]

    def __init__(self, records: list[FaultRecord], now: float) -> None:
        super().__init__()
        self.records = records
        self.now = now

    def compose(self) -> ComposeResult:
        lines = [
            f"  {r.fault_id}  {r.plan.title()}  ({format_duration(r.remaining(self.now))} left)"
            for r in self.records
        ]
        with Vertical(classes="dialog"):
            yield Static(
                word(f"{len(self.records)} fault(s) still injected", "$verdict-down"),
                classes="dialog-title",
            )
            yield Static("\n".join(lines))
            yield Static(
                "c: clear them all and quit · k: keep them and quit (each node's watchdog "
                "clears at its TTL; `hatui clear` any time) · Esc: stay",
                classes="dialog-help",
            )
