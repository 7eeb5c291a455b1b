"""The last failover hatui measured after a fault it injected or cleared: VIP gap, API
outage, time to detection (`hatui.failover` via the live source's `Watcher`).

Hidden until the first measurement; updated every second while the fast API probe runs,
then left showing the final figures (each one also goes into the event log).
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from hatui.failover import FailoverFigures
from hatui.ui.redraw import update_if_changed
from hatui.ui.words import word


def figures_text(title: str, f: FailoverFigures, *, running: bool) -> Content:
    """ "last failover (apiserver-reject on m1): moved m1 -> m2 · VIP gap 0.00s · ..."."""
    old = ",".join(f.old_holders) or "none"
    new = ",".join(f.new_holders) or "none"
    parts: list[Content | str] = [
        word("measuring" if running else "last failover", "$accent"),
        f" ({title}): {f.outcome.value} VIP {old} -> {new}",
    ]
    if f.vip_move_s is not None:
        parts.append(f" · VIP on {new} after {f.vip_move_s:.2f}s")
    if f.gap_s is not None:
        parts.append(f" · gap {f.gap_s:.2f}s" + ("+" if f.vip_gap and f.vip_gap.open else ""))
    if f.outage_s is not None:
        outage = f"{f.outage_s:.2f}s" + ("+" if f.api_outage and f.api_outage.open else "")
        parts += [" · API outage ", word(outage, "$backend-down" if f.outage_s else "$backend-up")]
    if f.detection_s is not None:
        parts.append(f" · detected after {f.detection_s:.2f}s")
    return Content.assemble(*parts)


class FailoverPane(Static):
    """One line (two on a narrow terminal) with the last failover's figures."""

    def on_mount(self) -> None:
        self.display = False

    def show(self, title: str, figures: FailoverFigures, *, running: bool) -> None:
        self.display = True
        update_if_changed(self, figures_text(title, figures, running=running))
