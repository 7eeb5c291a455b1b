"""Helpers for the Pilot tests: wait on predicates (never fixed sleeps), read the screen."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App
from textual.pilot import Pilot


async def wait_for(
    pilot: Pilot[object], predicate: Callable[[], bool], timeout: float = 5.0
) -> None:
    """Until `predicate()` holds; fails the test after `timeout` seconds."""
    steps = int(timeout / 0.02)
    for _ in range(steps):
        if predicate():
            await pilot.pause()  # let the watchers draw what the predicate saw
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {predicate}")


def screen_text(app: App[object]) -> str:
    """What the terminal shows right now, as plain text (one line per row)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip).rstrip() for strip in strips)


async def until_shown(
    pilot: Pilot[object], app: App[object], what: str, pred: Callable[[str], bool], timeout: float
) -> str:
    """Until the screen's text satisfies `pred`; fails naming `what` and showing the screen."""
    try:
        await wait_for(pilot, lambda: pred(screen_text(app)), timeout)
    except AssertionError:
        raise AssertionError(
            f"{what} not on screen after {timeout}s:\n{screen_text(app)}"
        ) from None
    return screen_text(app)
