"""An unchanged sweep leaves the screen alone; a change, even of a style only, redraws."""

from __future__ import annotations

import states
from harness import screen_text, wait_for
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import DataTable, Static

from hatui.ui import HatuiApp, StaticSource
from hatui.ui.redraw import update_if_changed


class OneStatic(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(id="s")


async def test_update_if_changed_compares_styles_too() -> None:
    app = OneStatic()
    async with app.run_test(size=(40, 3)) as pilot:
        widget = app.query_one(Static)
        down = Content.assemble("m1 ", ("DOWN", "bold red"))
        assert update_if_changed(widget, down)
        await pilot.pause()
        assert not update_if_changed(widget, Content.assemble("m1 ", ("DOWN", "bold red")))
        # Content's own == looks at the text only: the same words in another style still redraw
        assert Content.assemble("m1 ", ("DOWN", "green")) == down
        assert update_if_changed(widget, Content.assemble("m1 ", ("DOWN", "green")))
        assert update_if_changed(widget, Content("m1 UP"))
        await pilot.pause()
        assert "m1 UP" in screen_text(app)


async def test_the_same_state_again_does_not_refill_the_vrrp_table() -> None:
    first = states.healthy()
    again = states.healthy()  # equal content, a new object: what every quiet sweep sends
    changed = states.rejected(states.NOW + 5)
    app = HatuiApp(StaticSource([first]), clock=lambda: states.NOW + 2, cluster_name="lab")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state is first)
        table = app.query_one("#vrrp-table", DataTable)
        refills = 0
        clear = table.clear

        def counting_clear(columns: bool = False) -> DataTable:  # type: ignore[type-arg]
            nonlocal refills
            refills += 1
            return clear(columns)

        table.clear = counting_clear  # type: ignore[method-assign]
        table.move_cursor(row=2)
        app.state = again
        await pilot.pause()
        assert refills == 0 and table.cursor_row == 2
        app.state = changed
        await pilot.pause()
        assert refills == 1 and table.cursor_row == 2  # refilled, the cursor kept
        assert "MASTER" in next(
            ln for ln in screen_text(app).splitlines() if ln.strip().startswith("m2 ")
        )
