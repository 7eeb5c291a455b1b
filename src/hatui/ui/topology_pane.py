"""The request path drawn: clients -> VIP -> the holder's LB -> apiservers, dead hops marked.

One line per path on a small terminal; on a roomy one, a tree with every backend on its own
line and the standby LB nodes under it. Dead hops are drawn `─X─` and named in words, so
colour is never the only signal.
"""

from __future__ import annotations

from textual.content import Content

from hatui.model import ClusterState
from hatui.topology import Backend, LbNode, Path, Topology, topology
from hatui.ui import words
from hatui.ui.panes import StatePane
from hatui.ui.words import word

ALIVE = " ─▶ "
DEAD = " ─X─ "


class TopologyPane(StatePane):
    """VIP -> LB nodes -> apiservers, the VIP holder marked, dead paths visibly dead."""

    TITLE = "Path of a request"

    def body(self, state: ClusterState) -> Content:
        topo = topology(state)
        roomy = self.screen.has_class("-roomy")
        return tree(topo) if roomy else compact(topo)


def _arrow(alive: bool) -> Content:
    return word(ALIVE, None) if alive else word(DEAD, "$backend-down")


def _vip(topo: Topology) -> Content:
    return Content(f"VIP {topo.vip}")


def _lb(topo: Topology, lb: LbNode) -> Content:
    label = f"{lb.node} {topo.lb_kind}"
    if lb.problem:
        return Content.assemble(label, " ", word(lb.problem, "$backend-down"))
    return Content.assemble(
        word(label, "$vip-holder" if lb.active else None), f" {lb.up}/{lb.total}"
    )


def _backend(b: Backend) -> Content:
    if b.lb_status is None:
        text = {True: "ready", False: "NOT READY", None: "?"}[b.ready]
    elif b.lb_status == "UP" and b.ready is False:
        text = "UP, NOT READY"
    else:
        text = b.lb_status
    style = "$backend-up" if b.alive else words.BACKEND_STYLE.get(text, "$backend-down")
    return Content.assemble(f"{b.node or b.name} ", word(text, style))


def _end(topo: Topology) -> Content:
    via = topo.api_via_vip
    text = {True: "API answers", False: "API FAILS", None: "API not checked"}[via]
    return word(text, words.OK_STYLE.get(via) if via is not None else None)


def _path_line(topo: Topology, path: Path) -> Content:
    parts: list[Content | str] = [_vip(topo), " on ", word(path.holder, "$vip-holder")]
    if path.lb is not None:
        parts += [_arrow(path.lb.problem is None), _lb(topo, path.lb)]
    if path.backends:
        parts.append(_arrow(path.cut is None))
        parts.append(Content("  ").join(_backend(b) for b in path.backends))
    return Content.assemble(*parts)


def compact(topo: Topology) -> Content:
    """One line per path, ending with the end-to-end check."""
    if not topo.paths:
        return Content.assemble(
            _vip(topo), _arrow(False), word("no node holds it", "$verdict-down"), "  ", _end(topo)
        )
    lines = [_path_line(topo, p) for p in topo.paths]
    lines[-1] = Content.assemble(lines[-1], "  ", _end(topo))
    return Content("\n").join(lines)


def tree(topo: Topology) -> Content:
    """Every backend on its own line; standby LB nodes and the end-to-end check below."""
    lines: list[Content] = []
    if not topo.paths:
        lines.append(
            Content.assemble(
                "clients",
                ALIVE,
                _vip(topo),
                _arrow(False),
                word("no node holds it", "$verdict-down"),
            )
        )
    for path in topo.paths:
        head: list[Content | str] = ["clients", ALIVE, _vip(topo), ALIVE]
        head.append(word(f"{path.holder} (VIP here)", "$vip-holder"))
        if path.lb is not None:
            head += [_arrow(path.lb.problem is None), _lb(topo, path.lb)]
        lead = Content.assemble(*head)
        indent = " " * (lead.cell_length + 1)
        if not path.backends:
            lines.append(lead)
        for i, b in enumerate(path.backends):
            joint = "┬" if i == 0 else ("└" if i == len(path.backends) - 1 else "├")
            if len(path.backends) == 1:
                joint = "─"
            arrow = word(f"{joint}─▶ ", None) if b.alive else word(f"{joint}─X ", "$backend-down")
            ready = {True: "readyz ok", False: "readyz FAIL", None: ""}[b.ready]
            row = Content.assemble(arrow, _backend(b), f"  {ready}" if ready else "")
            lines.append(
                Content.assemble(lead, " ", row) if i == 0 else Content.assemble(indent, row)
            )
        if path.cut:
            lines.append(Content.assemble("  ", word(f"cut: {path.cut}", "$backend-down")))
    if topo.standby:
        standby = Content("  ·  ").join(_lb(topo, lb) for lb in topo.standby)
        lines.append(Content.assemble("standby LB: ", standby))
    lines.append(Content.assemble("through the VIP from here: ", _end(topo)))
    return Content("\n").join(lines)
