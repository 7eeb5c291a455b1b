"""The screens over the main view: help (every key) and one node's detail."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from hatui.model import ClusterState
from hatui.observations import HaproxyObservation, NginxObservation
from hatui.parsers.redact import redact
from hatui.timeline import backend_statuses, vrrp_instance
from hatui.ui import words
from hatui.ui.words import word

LOG_LINES = 15
"""How many of the node's last keepalived log events the detail shows."""


class HelpScreen(ModalScreen[None]):
    """Lists every key binding of the app with what it does."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", tooltip="Close help")]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        lines = [Content.assemble(word("Keys", None))]
        for key, description, tooltip in self.rows:
            lines.append(
                Content.assemble(word(f"{key:<12}", "$accent"), f"{description:<18}", tooltip)
            )
        lines.append(
            Content("\nThe command palette (ctrl+p) reaches every action too. Esc closes.")
        )
        with VerticalScroll(id="help"):
            yield Static(Content("\n").join(lines), id="help-body")


class NodeDetailScreen(ModalScreen[None]):
    """One node: its keepalived instance (redacted), recent keepalived events, its LB view."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close", tooltip="Back to the overview")]

    def __init__(self, state: ClusterState, node: str) -> None:
        super().__init__()
        self.state = state
        self.node = node

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static(self.body(), id="detail-body")

    def body(self) -> Content:
        state, name = self.state, self.node
        n = state.node(name)
        out: list[Content | str] = [word(f"Node {name}", None)]
        if n is None:
            out.append("not observed yet")
            return Content("\n").join(Content(x) if isinstance(x, str) else x for x in out)
        if not n.reachable:
            retry = f", retry at {words.clock(n.retry_at)}" if n.retry_at else ""
            out.append(
                Content.assemble(
                    word("unreachable", "$node-unreachable"),
                    f": {n.unreachable_reason or 'unknown'}{retry}",
                )
            )
            return Content("\n").join(Content(x) if isinstance(x, str) else x for x in out)
        out.append(word("\nkeepalived", "$accent"))
        inst = vrrp_instance(state, n)
        if n.keepalived is not None and n.keepalived.error is not None:
            out.append(f"  error: {n.keepalived.error}")
        if inst is not None:
            out += [
                Content.assemble(
                    f"  instance {inst.name} (VRID {inst.vrid})  state ",
                    word(str(inst.state), words.VRRP_STYLE.get(inst.state)),
                ),
                f"  priority base {inst.base_priority}, effective {inst.effective_priority}"
                + (
                    f", hears master {inst.heard_master_priority} from {inst.master_router}"
                    if inst.heard_master_priority
                    else ""
                ),
                f"  interface {inst.interface}, src {inst.src_ip}, "
                f"nopreempt {inst.nopreempt}, VIP set {inst.vipset}",
                f"  VIPs: {', '.join(inst.vips) or '-'}",
                f"  last transition {words.clock(inst.last_transition)}",
            ]
            if inst.adverts:
                a = inst.adverts
                out.append(
                    f"  adverts received {a.advert_rcvd}, sent {a.advert_sent}, "
                    f"became master {a.become_master}, released {a.release_master}"
                )
            for s in inst.track_scripts:
                out.append(
                    Content.assemble(
                        f"  track script {s.name or '?'}: ",
                        word(str(s.status), words.SCRIPT_STYLE.get(s.status)),
                        f" weight {s.weight} rise {s.rise} fall {s.fall}",
                    )
                )
                if s.command:
                    out.append(f"    {s.command}")
        out.append(word("\nkeepalived log (latest last)", "$accent"))
        log = n.keepalived_log.value if n.keepalived_log else None
        if log is None:
            out.append("  not collected")
        else:
            for e in log.events[-LOG_LINES:]:
                out.append(f"  {e.time_text}  {e.line}")
        out.append(word(f"\nload balancer ({state.spec.lb_kind})", "$accent"))
        lb = n.lb.value if n.lb else None
        if n.lb is not None and n.lb.error is not None:
            out.append(f"  error: {n.lb.error}")
        if lb is None:
            out.append("  not an LB node" if name not in state.spec.lb_hosts else "  no data")
        else:
            for server, status in backend_statuses(n).items():
                extra = ""
                if isinstance(lb, HaproxyObservation):
                    srv = next(s for s in lb.servers if s.server == server)
                    extra = (
                        f"  {srv.proxy} {srv.addr or ''} "
                        f"check {srv.check_status or '-'} {srv.check_desc or ''}"
                    )
                elif isinstance(lb, NginxObservation):
                    c = next(c for c in lb.connects if c.backend == server)
                    extra = f"  {c.error or ''}"
                out.append(
                    Content.assemble(
                        f"  {server:<10}",
                        word(f"{status:<6}", words.BACKEND_STYLE.get(status)),
                        extra,
                    )
                )
        out.append(Content("\nEsc closes."))
        return Content("\n").join(Content(redact(x)) if isinstance(x, str) else x for x in out)
