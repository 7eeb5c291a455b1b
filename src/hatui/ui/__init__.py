"""The Textual app. Only this package (and `hatui.themes`) imports Textual.

For the CLI: `run_app(source, theme=..., record=..., cluster_name=...)` and
`run_replay(path, theme=..., speed=...)`; a source is anything implementing `StateSource`.
"""

from hatui.ui.app import HatuiApp, run_app, run_replay
from hatui.ui.source import LinkStatus, ReplaySource, StateSource, StaticSource

__all__ = [
    "HatuiApp",
    "LinkStatus",
    "ReplaySource",
    "StateSource",
    "StaticSource",
    "run_app",
    "run_replay",
]
