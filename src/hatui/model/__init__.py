"""The cluster model: frozen per-node observations and the verdicts derived from them.

`derive(spec, nodes, api_via_vip, now, kube_api=...)` is the one entry point; it is pure and
never touches SSH, the clock or the UI. See `hatui.model.derive` for what it decides and why.
"""

from hatui.model.derive import derive
from hatui.model.spec import ClusterSpec, InventoryLike, NodeSpec
from hatui.model.state import (
    ClusterState,
    EtcdQuorum,
    LbBackends,
    NodeObservation,
    Probe,
    Verdict,
    Verdicts,
)

__all__ = [
    "ClusterSpec",
    "ClusterState",
    "EtcdQuorum",
    "InventoryLike",
    "LbBackends",
    "NodeObservation",
    "NodeSpec",
    "Probe",
    "Verdict",
    "Verdicts",
    "derive",
]
