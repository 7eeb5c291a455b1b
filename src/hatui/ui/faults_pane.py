"""The faults hatui injected and that are still in place, each with its TTL countdown.

Hidden while there are none; read from the manager's journal on the app's 1 s tick.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from hatui.faults.journal import ACTIVE, ARMED, PLANNED, FaultRecord
from hatui.faults.ttl import format_duration
from hatui.ui.redraw import update_if_changed
from hatui.ui.words import word


class FaultsPane(Static):
    """One line: "FAULTS  3f2a apiserver-reject on m1 9m41s · ...  (x clears)"; a fault whose
    node steps are still running shows "injecting…" instead of its countdown."""

    def on_mount(self) -> None:
        self.display = False

    def show(self, records: list[FaultRecord], now: float) -> None:
        self.display = bool(records)
        if not records:
            return
        parts: list[Content | str] = [word(f"FAULTS ({len(records)})", "$verdict-down"), "  "]
        for i, r in enumerate(records):
            if i:
                parts.append("  ·  ")
            left = r.remaining(now)
            if r.status in (PLANNED, ARMED):  # journaled first, the node steps still running
                ttl = "injecting…"
            elif r.status != ACTIVE:  # a failed step or clear: `hatui clear` retries it
                ttl = r.status
            else:
                ttl = format_duration(left) if left > 0 else "TTL over: clear to confirm"
            parts += [f"{r.fault_id} {r.plan.title()} ", word(ttl, "$backend-maint")]
        parts.append("   x: clear")
        update_if_changed(self, Content.assemble(*parts))
