"""Failover figures from the streamed events: what happened after a fault was injected at t0.

`measure_failover(events, t0)` is pure. It replays the VIP's address events to know who held
the VIP at t0 and after, and reads:

- **VIP dropped**: the first time a holder at t0 lost the VIP;
- **VIP added**: when the new holder (a node holding the VIP at the end that did not hold it
  at t0) took it for good; if the holder at t0 got it back, when it did; if nobody holds it
  at the end, the first time another node took it at all;
- **VIP gap**: the first stretch after t0 with no holder at all (0 when the new holder added
  it before the old one dropped it: an overlapping handover);
- **API outage**: from the first failed fast probe after t0 to the first success after it
  (request send times, so at 10 Hz the figure is good to ~0.1 s); 0 if none failed. Failures
  often come in several runs (a load balancer still sending some requests to a dead backend,
  then the VIP move): `api_outages` has every run, `api_disruption` spans from the first
  failure to the success after the last one;
- **time to detection**: t0 to the first sign that anything noticed: a keepalived check
  script failing, an effective priority change or a state transition in a node's log, a
  failed fast probe, or the VIP itself changing hands (`keepalived_reaction`: the first of
  keepalived's own signs alone);
- **split brain**: the longest stretch with two or more holders (a handover where the new
  holder adds the VIP a moment before the old one drops it shows here too, that short).

Each figure keeps the event(s) it was read from. A figure whose end was not seen by `until`
is `open` (its seconds are a lower bound). Times are `event.at` (see `hatui.stream.events`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from hatui.observations import KeepalivedEventKind
from hatui.stream.events import (
    AddressChange,
    AddressEvent,
    ApiProbeEvent,
    Channel,
    StreamState,
    StreamStatus,
    VrrpLogEvent,
    WatchEvent,
)

K = KeepalivedEventKind

DETECTION_KINDS = frozenset(
    {
        K.SCRIPT_FAILED,
        K.SCRIPT_TIMED_OUT,
        K.PRIORITY_CHANGED,
        K.ENTER_STATE,
        K.TRANSITION_TO_STATE,
    }
)
"""keepalived log events that show keepalived reacting (plus a script returning non-zero)."""


class FailoverOutcome(enum.StrEnum):
    """Where the VIP ended up, by `until`."""

    NO_FAILOVER = "no-failover"
    """The holders at the end are those at t0 and none of them ever dropped the VIP."""
    MOVED = "moved"
    """One holder at the end, not the one at t0."""
    RETURNED = "returned"
    """The holder at t0 dropped the VIP and holds it again."""
    VIP_LOST = "vip-lost"
    """No node holds the VIP at the end."""
    SPLIT_BRAIN = "split-brain"
    """Two or more nodes hold the VIP at the end."""


@dataclass(frozen=True)
class Moment:
    """An instant after t0 and the event that shows it."""

    at: float
    after_t0: float
    event: WatchEvent

    @property
    def node(self) -> str | None:
        return self.event.node


@dataclass(frozen=True)
class Span:
    """A stretch of time between two events.

    `start` is None when the stretch was already under way at t0, `end` is None when it
    had not ended by `until` (`open`: `seconds` is then a lower bound), both are None for a
    figure that is 0 because the thing never happened (the API never failed).
    """

    seconds: float
    start: WatchEvent | None = None
    end: WatchEvent | None = None
    open: bool = False


@dataclass(frozen=True)
class FailoverFigures:
    """What `measure_failover` found; None for a figure with nothing to read it from."""

    t0: float
    until: float
    outcome: FailoverOutcome
    old_holders: tuple[str, ...]
    """Who held the VIP at t0, as the address streams told."""
    new_holders: tuple[str, ...]
    """Who holds it at `until`."""
    vip_dropped: Moment | None
    vip_added: Moment | None
    vip_gap: Span | None
    """None when the VIP was held all along and did not change hands."""
    api_outage: Span | None
    """None when no fast probe ran after t0."""
    api_outages: tuple[Span, ...]
    """Every run of failed probes after t0, each ended by the next success."""
    api_disruption: Span | None
    """From the first failure to the success after the last failure (None: no probes)."""
    detection: Moment | None
    keepalived_reaction: Moment | None
    """The first of keepalived's own signs (script failure, priority change, transition)."""
    split_brain: Span | None
    probes: int
    probe_failures: int
    notes: tuple[str, ...] = ()
    """What makes a figure less certain (a stream down in the window, a snapshot time)."""

    @property
    def vip_move_s(self) -> float | None:
        """Seconds from t0 until the new holder added the VIP."""
        return None if self.vip_added is None else self.vip_added.after_t0

    @property
    def detection_s(self) -> float | None:
        return None if self.detection is None else self.detection.after_t0

    @property
    def gap_s(self) -> float | None:
        return None if self.vip_gap is None else self.vip_gap.seconds

    @property
    def outage_s(self) -> float | None:
        return None if self.api_outage is None else self.api_outage.seconds

    @property
    def longest_outage_s(self) -> float | None:
        """The longest run of failed probes (0 if none failed; None without probes)."""
        if self.api_outage is None:
            return None
        return max((s.seconds for s in self.api_outages), default=0.0)

    def summary(self) -> str:
        """One line for a person (plain text: no markup)."""
        old = ",".join(self.old_holders) or "none"
        new = ",".join(self.new_holders) or "none"
        parts = [f"{self.outcome.value}: VIP {old} -> {new}"]
        if self.vip_move_s is not None:
            parts.append(f"added after {self.vip_move_s:.2f}s")
        parts.append(f"gap {_span_text(self.vip_gap)}")
        parts.append(f"API outage {_span_text(self.api_outage)}")
        if len(self.api_outages) > 1:
            parts.append(
                f"{len(self.api_outages)} outages, longest {self.longest_outage_s:.2f}s, "
                f"disrupted {_span_text(self.api_disruption)}"
            )
        if self.detection is not None:
            parts.append(f"detected after {self.detection.after_t0:.2f}s ({_what(self.detection)})")
        else:
            parts.append("nothing detected")
        reaction = self.keepalived_reaction
        if reaction is not None and reaction != self.detection:
            parts.append(f"keepalived reacted after {reaction.after_t0:.2f}s ({_what(reaction)})")
        if self.split_brain is not None:
            parts.append(f"split brain {_span_text(self.split_brain)}")
        return "; ".join(parts)


def measure_failover(
    events: Iterable[WatchEvent], t0: float, until: float | None = None
) -> FailoverFigures:
    """The figures of the failover that followed a fault injected at `t0` (pure).

    `events` in any order; those after `until` (default: the last event) are ignored.
    """
    ordered = sorted(events, key=lambda e: e.at)
    if until is None:
        until = max([t0, *(e.at for e in ordered)])
    before = [e for e in ordered if e.at < t0]
    window = [e for e in ordered if t0 <= e.at <= until]

    holders: set[str] = set()
    for event in before:
        if isinstance(event, AddressEvent) and event.vip:
            _apply(holders, event)
    old = frozenset(holders)
    vip = _follow_vip(window, holders, old, t0, until)

    probes = [e for e in window if isinstance(e, ApiProbeEvent)]
    notes = list(vip.notes) + _stream_notes(before, window)
    previous = [e for e in before if isinstance(e, ApiProbeEvent)]
    if previous and not previous[-1].ok:
        notes.append("the API was already failing before t0")

    detection = next((e for e in window if _is_sign(e, vip.changes)), None)
    reaction = next(
        (e for e in window if isinstance(e, VrrpLogEvent) and _is_sign(e, vip.changes)), None
    )
    outages = _outages(probes)
    final = tuple(sorted(holders))
    return FailoverFigures(
        t0=t0,
        until=until,
        outcome=_outcome(old, final, vip.dropped, bool(vip.changes)),
        old_holders=tuple(sorted(old)),
        new_holders=final,
        vip_dropped=_moment(vip.dropped, t0),
        vip_added=_moment(vip.added, t0),
        vip_gap=vip.gap,
        api_outage=outages[0] if outages else (Span(0.0) if probes else None),
        api_outages=outages,
        api_disruption=_disruption(outages, probes),
        detection=_moment(detection, t0),
        keepalived_reaction=_moment(reaction, t0),
        split_brain=vip.split,
        probes=len(probes),
        probe_failures=sum(1 for p in probes if not p.ok),
        notes=tuple(notes),
    )


# -- the VIP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _VipWalk:
    changes: frozenset[int]
    """ids of the events that really changed who holds the VIP."""
    dropped: AddressEvent | None
    added: AddressEvent | None
    gap: Span | None
    split: Span | None
    notes: tuple[str, ...]


def _follow_vip(
    window: list[WatchEvent], holders: set[str], old: frozenset[str], t0: float, until: float
) -> _VipWalk:
    """Replay the VIP's events after t0 on `holders` (updated in place)."""
    changes: set[int] = set()
    dropped: AddressEvent | None = None
    additions: list[AddressEvent] = []
    gap: Span | None = None
    # while no node holds the VIP: since when, and the event that left it unheld
    unheld: tuple[float, AddressEvent | None] | None = (t0, None) if not holders else None
    splits: list[Span] = []
    split_start: AddressEvent | None = None
    notes: list[str] = []
    for event in window:
        if not (isinstance(event, AddressEvent) and event.vip):
            continue
        had = event.node in holders
        _apply(holders, event)
        if had == event.holds:
            continue  # a repeated add (flags changed) or a snapshot saying what was known
        changes.add(id(event))
        if event.change is AddressChange.HELD:
            notes.append(
                f"{event.node} was found holding the VIP when its stream (re)started: "
                "it took it at that time or earlier"
            )
        if event.holds:
            additions.append(event)
            if unheld is not None and gap is None:
                gap = Span(max(0.0, event.at - unheld[0]), unheld[1], event)
            unheld = None
            if len(holders) >= 2 and split_start is None:
                split_start = event
        else:
            if dropped is None and event.node in old:
                dropped = event
            if not holders and gap is None:
                unheld = (event.at, event)
            if len(holders) <= 1 and split_start is not None:
                splits.append(Span(max(0.0, event.at - split_start.at), split_start, event))
                split_start = None
    if gap is None:
        if unheld is not None:
            gap = Span(max(0.0, until - unheld[0]), unheld[1], None, open=True)
        elif changes:
            gap = Span(0.0)  # the VIP changed hands without a moment unheld
    if split_start is not None:
        splits.append(Span(max(0.0, until - split_start.at), split_start, None, open=True))
    split = max(splits, key=lambda s: s.seconds, default=None)
    return _VipWalk(
        frozenset(changes),
        dropped,
        _new_holder_added(additions, old, holders),
        gap,
        split,
        tuple(notes),
    )


def _new_holder_added(
    additions: list[AddressEvent], old: frozenset[str], final: set[str]
) -> AddressEvent | None:
    """The addition that made the new holder what it is at the end (see the docstring)."""
    last_by = {e.node: e for e in additions}  # each node's last addition
    newcomers = [last_by[n] for n in final - old if n in last_by]
    if newcomers:
        return min(newcomers, key=lambda e: e.at)
    if final and final == old:
        back = [last_by[n] for n in final if n in last_by]
        return min(back, key=lambda e: e.at) if back else None
    return next((e for e in additions if e.node not in old), None)


def _apply(holders: set[str], event: AddressEvent) -> None:
    if event.holds:
        holders.add(event.node)
    else:
        holders.discard(event.node)


def _outcome(
    old: frozenset[str], final: tuple[str, ...], dropped: AddressEvent | None, changed: bool
) -> FailoverOutcome:
    if len(final) >= 2:
        return FailoverOutcome.SPLIT_BRAIN
    if not final:
        return FailoverOutcome.VIP_LOST
    if set(final) == old:
        return FailoverOutcome.RETURNED if dropped is not None else FailoverOutcome.NO_FAILOVER
    return FailoverOutcome.MOVED if changed else FailoverOutcome.NO_FAILOVER


# -- the API and detection -------------------------------------------------------------------


def _outages(probes: list[ApiProbeEvent]) -> tuple[Span, ...]:
    """Every run of failed probes, from its first failure to the next success."""
    runs: list[Span] = []
    first_failure: ApiProbeEvent | None = None
    for probe in probes:
        if not probe.ok and first_failure is None:
            first_failure = probe
        elif probe.ok and first_failure is not None:
            runs.append(Span(probe.at - first_failure.at, first_failure, probe))
            first_failure = None
    if first_failure is not None:
        runs.append(Span(probes[-1].at - first_failure.at, first_failure, None, open=True))
    return tuple(runs)


def _disruption(outages: tuple[Span, ...], probes: list[ApiProbeEvent]) -> Span | None:
    if not probes:
        return None
    if not outages:
        return Span(0.0)
    first, last = outages[0], outages[-1]
    assert first.start is not None
    end_at = last.end.at if last.end is not None else probes[-1].at
    return Span(end_at - first.start.at, first.start, last.end, open=last.open)


def _is_sign(event: WatchEvent, vip_changes: frozenset[int]) -> bool:
    if isinstance(event, ApiProbeEvent):
        return not event.ok
    if isinstance(event, AddressEvent):
        return id(event) in vip_changes
    if isinstance(event, VrrpLogEvent):
        e = event.event
        if e.kind is K.SCRIPT_RETURNED:
            return e.exit_status not in (None, 0)
        return e.kind in DETECTION_KINDS
    return False


def _stream_notes(before: list[WatchEvent], window: list[WatchEvent]) -> list[str]:
    """Nodes whose address stream was not streaming at some point between t0 and `until`."""
    state: dict[str, StreamState] = {}
    for event in before:
        if isinstance(event, StreamStatus) and event.channel is Channel.ADDRESS and event.node:
            state[event.node] = event.state
    blind = {n for n, s in state.items() if s is not StreamState.STREAMING}
    for event in window:
        if isinstance(event, StreamStatus) and event.channel is Channel.ADDRESS and event.node:
            if event.state is not StreamState.STREAMING:
                blind.add(event.node)
    return [
        f"{node}: its address stream was down for part of the window; VIP changes there "
        "may have been missed or be late"
        for node in sorted(blind)
    ]


def _moment(event: WatchEvent | None, t0: float) -> Moment | None:
    return None if event is None else Moment(event.at, event.at - t0, event)


def _span_text(span: Span | None) -> str:
    if span is None:
        return "n/a"
    return f"{'>=' if span.open else ''}{span.seconds:.2f}s"


def _what(moment: Moment) -> str:
    event = moment.event
    if isinstance(event, VrrpLogEvent):
        return f"{event.node}: {event.event.line}"
    if isinstance(event, ApiProbeEvent):
        return f"API probe failed: {event.message or event.status_code}"
    if isinstance(event, AddressEvent):
        return f"{event.node}: VIP {event.change.value}"
    return type(event).__name__
