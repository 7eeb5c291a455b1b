"""Kubernetes API answers (JSON) -> Node Ready status and leader leases.

`parse_node_list` reads `GET /api/v1/nodes` (a NodeList: each item's Ready condition,
control-plane label, InternalIP, kubelet version, cordon); `parse_lease` reads `GET
/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/NAME` (holder, renew time,
duration, transitions). Both take the HTTP status when known: an error answer carries a
`Status` object (`"reason": "Forbidden"`, `"message": "nodes is forbidden: ..."`) whose
message becomes the `ProbeError`. Times are RFC 3339 (`2021-05-24T09:05:54.355135Z`),
returned as epoch seconds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hatui.observations import (
    ConditionStatus,
    KubeNode,
    KubeNodeList,
    LeaderLease,
    ProbeError,
)
from hatui.parsers._common import as_int, fail, load_json

NODES_SOURCE = "kube-nodes"
LEASE_SOURCE = "kube-lease"

CONTROL_PLANE_LABELS = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")
"""kubeadm labels control-plane nodes with the first since 1.20 (and only it since 1.24)."""


def parse_time(value: object) -> float | None:
    """Epoch seconds of an RFC 3339 time as the API writes it; None for null or junk."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:  # the API always writes UTC with a Z
        return None
    return when.timestamp()


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _error_answer(source: str, doc: Any, status_code: int | None, text: str) -> ProbeError | None:
    """The ProbeError of an error answer (a Status object or a non-2xx code), else None."""
    is_status = isinstance(doc, dict) and doc.get("kind") == "Status"
    code_ok = status_code is None or 200 <= status_code < 300
    if code_ok and not is_status:
        return None
    code = status_code
    message = None
    if isinstance(doc, dict):
        message = _str(doc.get("message"))
        code = code if code is not None else as_int(doc.get("code"))
    if is_status and code_ok and isinstance(doc, dict) and doc.get("status") == "Success":
        return fail(source, "a Status answer where an object was expected", text)
    head = f"HTTP {code}" if code is not None else "error"
    return fail(source, f"{head}: {message}" if message else head, text)


def _document(
    source: str, text: str, status_code: int | None, kind: str
) -> dict[str, Any] | ProbeError:
    doc = load_json(source, text)
    if isinstance(doc, ProbeError):
        if status_code is not None and not 200 <= status_code < 300:
            return fail(source, f"HTTP {status_code}", text)
        return doc
    error = _error_answer(source, doc, status_code, text)
    if error is not None:
        return error
    if not isinstance(doc, dict):
        return fail(source, f"expected a {kind} object, got {type(doc).__name__}", text)
    # the API says "NodeList"; `kubectl get -o json` rewraps lists as kind "List"
    accepted = (kind, None, "List") if kind.endswith("List") else (kind, None)
    if doc.get("kind") not in accepted:
        return fail(source, f"expected a {kind}, got a {doc.get('kind')!r}", text)
    return doc


def parse_node_list(text: str, status_code: int | None = None) -> KubeNodeList | ProbeError:
    """A NodeList's nodes with their Ready condition (pure; an error value on bad input)."""
    doc = _document(NODES_SOURCE, text, status_code, "NodeList")
    if isinstance(doc, ProbeError):
        return doc
    items = doc.get("items")
    if items is None:  # an empty list is written as null by some API versions
        items = []
    if not isinstance(items, list):
        return fail(NODES_SOURCE, "'items' is not a list", text)
    nodes = []
    for n, item in enumerate(items, start=1):
        node = _node(item)
        if isinstance(node, str):
            return fail(NODES_SOURCE, f"item {n}: {node}", text)
        nodes.append(node)
    return KubeNodeList(nodes=tuple(nodes))


def _obj(value: object) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one (a missing part is not an error)."""
    return value if isinstance(value, dict) else {}


def _node(item: object) -> KubeNode | str:
    if not isinstance(item, dict):
        return "not an object"
    meta = _obj(item.get("metadata"))
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        return "no metadata.name"
    labels = _obj(meta.get("labels"))
    status = _obj(item.get("status"))
    conditions = status.get("conditions")
    if conditions is not None and not isinstance(conditions, list):
        return "status.conditions is not a list"
    found = [c for c in conditions or [] if isinstance(c, dict) and c.get("type") == "Ready"]
    ready = found[0] if found else {}
    try:
        state = ConditionStatus(str(ready.get("status")))
    except ValueError:  # no Ready condition (a node still registering), or a foreign value
        state = ConditionStatus.UNKNOWN
    addresses = status.get("addresses")
    internal = [
        a.get("address")
        for a in (addresses if isinstance(addresses, list) else [])
        if isinstance(a, dict) and a.get("type") == "InternalIP"
    ]
    return KubeNode(
        name=name,
        ready=state,
        reason=_str(ready.get("reason")),
        message=_str(ready.get("message")),
        last_heartbeat=parse_time(ready.get("lastHeartbeatTime")),
        last_transition=parse_time(ready.get("lastTransitionTime")),
        control_plane=any(label in labels for label in CONTROL_PLANE_LABELS),
        internal_ip=_str(internal[0]) if internal else None,
        kubelet_version=_str(_obj(status.get("nodeInfo")).get("kubeletVersion")),
        unschedulable=_obj(item.get("spec")).get("unschedulable") is True,
    )


def parse_lease(text: str, status_code: int | None = None) -> LeaderLease | ProbeError:
    """A Lease's holder and times (pure; an error value on bad input).

    A Lease without `holderIdentity` is valid: nobody holds it (released, or never taken).
    """
    doc = _document(LEASE_SOURCE, text, status_code, "Lease")
    if isinstance(doc, ProbeError):
        return doc
    meta = _obj(doc.get("metadata"))
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        return fail(LEASE_SOURCE, "no metadata.name: not a Lease", text)
    namespace = meta.get("namespace")
    spec = doc.get("spec")
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        return fail(LEASE_SOURCE, "'spec' is not an object", text)
    return LeaderLease(
        name=name,
        namespace=namespace if isinstance(namespace, str) else "",
        holder_identity=_str(spec.get("holderIdentity")) or None,
        lease_duration_s=as_int(spec.get("leaseDurationSeconds")),
        acquire_time=parse_time(spec.get("acquireTime")),
        renew_time=parse_time(spec.get("renewTime")),
        transitions=as_int(spec.get("leaseTransitions")),
    )
