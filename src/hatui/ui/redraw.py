"""Redraw a widget only when what it shows changed.

A live source sends the whole state every sweep (once a second) and most of it is what the
screen already shows. `Static.update` asks Textual for a refresh and a layout pass each time,
and a DataTable cleared and refilled recomputes every row: on a 2-CPU jump host that kept
the event loop busy and made key presses wait. The panes compare first (text and styles, as
`Content`'s own equality looks at the text only) and leave an unchanged widget alone.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from rich.text import Text
from textual.content import Content
from textual.widgets import Static


def content_key(content: Content) -> Hashable:
    """What a Content shows: its text and every styled span."""
    return (content.plain, tuple(content.spans))


def update_if_changed(widget: Static, content: Content) -> bool:
    """`widget.update(content)` unless it shows exactly that already; True if it redrew."""
    shown = widget.content
    if isinstance(shown, Content) and content_key(shown) == content_key(content):
        return False
    widget.update(content)
    return True


def rows_key(columns: Sequence[str], rows: Sequence[tuple[str, Sequence[Text]]]) -> Hashable:
    """What a table shows: its columns and each row's key, cells' text and styles."""
    return (
        tuple(columns),
        tuple(
            (key, tuple((c.plain, str(c.style), tuple(c.spans)) for c in cells))
            for key, cells in rows
        ),
    )
