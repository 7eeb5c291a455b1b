"""The faults hatui can inject, by name, with what each one does.

The names are the CLI's and the journal's; `EFFECTS` is the one-line description menus
and `--help` show. How each is injected, cleared and checked is `hatui.faults.catalog`.
"""

from __future__ import annotations

import enum


class FaultKind(enum.StrEnum):
    """One kind of fault; the target is a master named in the inventory."""

    APISERVER_REJECT = "apiserver-reject"
    LB_REJECT = "lb-reject"
    KEEPALIVED_STOP = "keepalived-stop"
    LB_STOP = "lb-stop"
    KUBELET_STOP = "kubelet-stop"
    ETCD_STOP = "etcd-stop"
    VRRP_BLOCK = "vrrp-block"
    ISOLATE = "isolate"
    BACKEND_DRAIN = "backend-drain"


EFFECTS: dict[FaultKind, str] = {
    FaultKind.APISERVER_REJECT: "iptables REJECT of the apiserver port on the node (seed 000)",
    FaultKind.LB_REJECT: "iptables REJECT of the load balancer's port on the node",
    FaultKind.KEEPALIVED_STOP: "stop keepalived on the node (the VIP moves)",
    FaultKind.LB_STOP: "stop the node's load balancer (haproxy or nginx)",
    FaultKind.KUBELET_STOP: "stop the kubelet on the node (seed 000)",
    FaultKind.ETCD_STOP: "stop the node's etcd member (service, or kubeadm static pod)",
    FaultKind.VRRP_BLOCK: "drop VRRP in and out on the node: the classic split brain",
    FaultKind.ISOLATE: "drop everything but SSH: the safe stand-in for powering the node off",
    FaultKind.BACKEND_DRAIN: "HAProxy `disable server` of the node's apiserver on every LB",
}
"""What each fault does, in one line."""

SERVICE_OF: dict[FaultKind, str] = {
    FaultKind.KEEPALIVED_STOP: "keepalived",
    FaultKind.KUBELET_STOP: "kubelet",
    FaultKind.ETCD_STOP: "etcd",
}
"""The inventory service each stop fault stops (lb-stop: the inventory's LB kind)."""

SERVICE_KINDS = frozenset({*SERVICE_OF, FaultKind.LB_STOP})
"""The faults that stop a service (and start it again on clear, if hatui stopped it)."""
