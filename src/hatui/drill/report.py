"""A drill's result as a step table, a JSON document and a Markdown report (pure).

Per step: what it did, pass/fail, the time it took, and for an expect step after an inject
the figures hatui measured from its streams since that inject (VIP gap, API outage, time to
detection). Plain text only: no markup, no colour, no secret (the scenario and the model hold
none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hatui.drill.runner import DrillResult, StepResult

if TYPE_CHECKING:
    from hatui.failover import FailoverFigures, Span

HEADERS = ("#", "STEP", "RESULT", "ELAPSED", "VIP GAP", "API OUTAGE", "DETECTION")
DASH = "-"


def _secs(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}s"


def _span(span: Span | None) -> str:
    if span is None:
        return DASH
    return f">={span.seconds:.2f}s" if span.open else f"{span.seconds:.2f}s"


def gap_text(figures: FailoverFigures | None) -> str:
    """The VIP gap: "0.00s" when the VIP was held throughout (no gap), "-" when not measured."""
    if figures is None:
        return DASH
    return "0.00s" if figures.vip_gap is None else _span(figures.vip_gap)


def outage_text(figures: FailoverFigures | None) -> str:
    """The longest API outage (several runs: "1.20s (2 runs)")."""
    if figures is None or figures.longest_outage_s is None:
        return DASH
    open_ = any(s.open for s in figures.api_outages)
    text = f"{'>=' if open_ else ''}{figures.longest_outage_s:.2f}s"
    return text + (f" ({len(figures.api_outages)} runs)" if len(figures.api_outages) > 1 else "")


def detection_text(figures: FailoverFigures | None) -> str:
    return DASH if figures is None else _secs(figures.detection_s)


def _row(r: StepResult) -> tuple[str, ...]:
    return (
        str(r.step.index),
        r.step.text(),
        r.status.value.upper(),
        f"{r.elapsed:.2f}s",
        gap_text(r.figures),
        outage_text(r.figures),
        detection_text(r.figures),
    )


def _rows(result: DrillResult) -> list[tuple[str, ...]]:
    rows = [_row(r) for r in result.steps]
    done = {r.step.index for r in result.steps}
    for step in result.scenario.steps:
        if step.index not in done:
            rows.append((str(step.index), step.text(), "NOT RUN", DASH, DASH, DASH, DASH))
    return rows


def step_line(r: StepResult) -> str:
    """One step as it ends, for live output."""
    cells = _row(r)
    extra = ""
    if r.figures is not None:
        extra = f"  vip gap {cells[4]}, api outage {cells[5]}, detection {cells[6]}"
    line = f"{cells[0]:>2}. {cells[2]:<6} {cells[3]:>7}  {cells[1]}{extra}"
    return line if r.message is None else f"{line}\n    {r.message}"


def table(result: DrillResult) -> str:
    """The step table, aligned, with the outcome and the cleanup below it."""
    rows = [HEADERS, *_rows(result)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.append("")
    lines.append(summary(result))
    return "\n".join(lines)


def summary(result: DrillResult) -> str:
    """The outcome in a few lines: the failure, the cleanup, anything left."""
    took = result.finished_at - result.started_at
    lines = [f"drill {result.scenario.name!r} on {result.cluster}: {result.outcome.value.upper()} "
             f"in {took:.1f}s"]  # fmt: skip
    if result.message and result.outcome.value != "passed":
        lines.append(result.message)
    lines.extend(f"cleanup: {line}" for line in result.cleared)
    if result.left:
        lines.extend(f"LEFT IN PLACE: {line}" for line in result.left)
    elif result.injected:
        lines.append("cleanup: nothing the drill injected is left in place")
    return "\n".join(lines)


def _figures_dict(f: FailoverFigures | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {
        "t0": f.t0,
        "until": f.until,
        "outcome": f.outcome.value,
        "old_holders": list(f.old_holders),
        "new_holders": list(f.new_holders),
        "vip_move_s": f.vip_move_s,
        "vip_gap_s": 0.0 if f.vip_gap is None else f.vip_gap.seconds,
        "vip_gap_open": bool(f.vip_gap and f.vip_gap.open),
        "api_outage_s": f.outage_s,
        "api_longest_outage_s": f.longest_outage_s,
        "api_outages": [{"seconds": s.seconds, "open": s.open} for s in f.api_outages],
        "api_disruption_s": None if f.api_disruption is None else f.api_disruption.seconds,
        "detection_s": f.detection_s,
        "keepalived_reaction_s": (
            None if f.keepalived_reaction is None else f.keepalived_reaction.after_t0
        ),
        "split_brain_s": None if f.split_brain is None else f.split_brain.seconds,
        "probes": f.probes,
        "probe_failures": f.probe_failures,
        "summary": f.summary(),
        "notes": list(f.notes),
    }


def to_dict(result: DrillResult) -> dict[str, Any]:
    """The JSON report."""
    sc = result.scenario
    return {
        "drill": sc.name,
        "scenario": sc.source,
        "cluster": result.cluster,
        "outcome": result.outcome.value,
        "message": result.message,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "ttl_s": sc.ttl,
        "steps": [
            {
                "index": r.step.index,
                "line": r.step.line,
                "kind": r.step.kind,
                "step": r.step.text(),
                "result": r.status.value,
                "started_at": r.started_at,
                "elapsed_s": round(r.elapsed, 3),
                "message": r.message,
                "fault_id": r.fault_id,
                "sweeps": r.sweeps,
                "observed": dict(r.observed),
                "mismatches": [
                    {"field": m.field, "expected": m.expected, "observed": m.observed}
                    for m in r.mismatches
                ],
                "figures_since_step": r.since_step,
                "figures": _figures_dict(r.figures),
            }
            for r in result.steps
        ],
        "not_run": [s.index for s in sc.steps if s.index > len(result.steps)],
        "injected": list(result.injected),
        "cleanup": list(result.cleared),
        "left_in_place": list(result.left),
    }


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(result: DrillResult) -> str:
    """The Markdown report: outcome, step table, observed values and figures per step."""
    sc = result.scenario
    out = [
        f"# Drill: {sc.name}",
        "",
        f"- scenario: `{sc.source}`",
        f"- cluster: {result.cluster}",
        f"- outcome: **{result.outcome.value.upper()}** "
        f"in {result.finished_at - result.started_at:.1f}s",
    ]
    if result.message and result.outcome.value != "passed":
        out.append(f"- {_md_cell(result.message)}")
    out += ["", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in _rows(result)]
    details = [r for r in result.steps if r.observed or r.figures is not None]
    if details:
        out += ["", "## Observed"]
    for r in details:
        out += ["", f"**Step {r.step.index}** ({_md_cell(r.step.text())}): {r.status.value}"]
        out += [f"- {k}: {_md_cell(v)}" for k, v in r.observed]
        out += [f"- MISMATCH {_md_cell(m.text())}" for m in r.mismatches]
        if r.figures is not None:
            out.append(f"- since step {r.since_step}: {_md_cell(r.figures.summary())}")
    out += ["", "## Cleanup", ""]
    out += [f"- {_md_cell(line)}" for line in result.cleared] or ["- nothing to clear"]
    if result.left:
        out += [f"- **LEFT IN PLACE**: {_md_cell(line)}" for line in result.left]
    elif result.injected:
        out.append("- nothing the drill injected is left in place")
    return "\n".join(out) + "\n"
