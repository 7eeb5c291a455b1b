"""The few facts about the cluster the model needs, as plain values (no inventory class).

The model must be testable without inventory files and must not depend on how the inventory
is loaded, so `derive` takes a `ClusterSpec`. `ClusterSpec.from_inventory` builds one from
anything shaped like `hatui.inventory.Inventory` (duck-typed through small protocols, so this
module imports nothing from the inventory package).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class NodeSpec:
    """One master: its name and the address hatui and VRRP know it by."""

    name: str
    address: str
    """IP address or DNS name. An IP is used to break VRRP priority ties as VRRP does."""

    @property
    def ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        """The address as an IP, or None when it is a DNS name."""
        try:
            return ipaddress.ip_address(self.address)
        except ValueError:
            return None


@dataclass(frozen=True)
class ClusterSpec:
    """What `derive` needs to know about the cluster besides the observations."""

    vip: str
    nodes: tuple[NodeSpec, ...]
    lb_kind: str = "haproxy"
    """"haproxy", "nginx", "lvs" or "none"."""
    lb_hosts: tuple[str, ...] = ()
    """Names of the nodes that run the load balancer (empty: none do)."""
    vrrp_instance: str | None = None
    virtual_router_id: int | None = None

    def node(self, name: str) -> NodeSpec | None:
        """The node of this name, if the spec has one."""
        return next((n for n in self.nodes if n.name == name), None)

    @classmethod
    def from_inventory(cls, inventory: InventoryLike) -> ClusterSpec:
        """A spec from an inventory (e.g. `hatui.inventory.Inventory`)."""
        lb = inventory.load_balancer
        kind = str(lb.kind)
        return cls(
            vip=inventory.vip.address,
            nodes=tuple(NodeSpec(m.name, m.host) for m in inventory.masters),
            lb_kind=kind,
            lb_hosts=tuple(lb.hosts) if kind != "none" else (),
            vrrp_instance=inventory.vip.vrrp_instance,
            virtual_router_id=inventory.vip.virtual_router_id,
        )


class _MasterLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def host(self) -> str: ...


class _VipLike(Protocol):
    @property
    def address(self) -> str: ...
    @property
    def vrrp_instance(self) -> str | None: ...
    @property
    def virtual_router_id(self) -> int | None: ...


class _LbLike(Protocol):
    @property
    def kind(self) -> object: ...
    @property
    def hosts(self) -> tuple[str, ...]: ...


class InventoryLike(Protocol):
    """The parts of an inventory `ClusterSpec.from_inventory` reads."""

    @property
    def masters(self) -> tuple[_MasterLike, ...]: ...
    @property
    def vip(self) -> _VipLike: ...
    @property
    def load_balancer(self) -> _LbLike: ...
