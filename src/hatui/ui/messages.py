"""The one message that carries data to the widgets."""

from __future__ import annotations

from textual.message import Message

from hatui.model import ClusterState


class StateUpdated(Message):
    """A new cluster state arrived; a newer one waiting in the queue replaces this one.

    Coalescing keeps a slow terminal from drawing stale frames. The event log does not
    depend on every message being handled: events are computed where states arrive.
    """

    def __init__(self, state: ClusterState) -> None:
        super().__init__()
        self.state = state

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StateUpdated)
