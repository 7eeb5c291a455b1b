"""What a lab is made of: its size, subnet, names and paths. Pure data, no side effects."""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: A lab's name prefixes every namespace and link it creates, and names its state folder
#: (/var/lib/NAME-lab); `down` only ever removes names that match it. Names start with
#: "hatui" so that whatever a lab makes is recognisably hatui's; two labs with different
#: names and subnets can run side by side (tests and a demo, say).
DEFAULT_NAME = "hatui"
NAME_PATTERN = r"hatui[a-z0-9]{0,4}"
DEFAULT_SUBNET = "10.231.0.0/24"
MAX_MASTERS = 60
VRRP_ROUTER_ID = 51
LB_PORT = 16443
APISERVER_PORT = 6443


@dataclass(frozen=True)
class LabConfig:
    """The choices `hatui lab up` was given; everything else is derived from them."""

    masters: int = 3
    lb: str = "haproxy"  # haproxy | nginx
    vrrp: str = "multicast"  # multicast | unicast
    subnet: str = DEFAULT_SUBNET
    name: str = DEFAULT_NAME
    etcd_members: int = 0  # 0 = automatic: every master up to 5, else 5
    inventory_path: str = "lab-inventory.yaml"
    #: keepalived check interval (seed 000 uses 3 s; 1 s keeps a demo and the tests quick
    #: while keeping its fall 3 / rise 2 and weights).
    check_interval: int = 1

    def __post_init__(self) -> None:
        if not re.fullmatch(NAME_PATTERN, self.name):
            raise ValueError(f"--name must match {NAME_PATTERN} (e.g. hatui2), got {self.name!r}")
        if not 1 <= self.masters <= MAX_MASTERS:
            raise ValueError(f"--masters must be between 1 and {MAX_MASTERS}, got {self.masters}")
        if self.lb not in ("haproxy", "nginx"):
            raise ValueError(f"--lb must be haproxy or nginx, got {self.lb!r}")
        if self.vrrp not in ("multicast", "unicast"):
            raise ValueError(f"--vrrp must be multicast or unicast, got {self.vrrp!r}")
        net = ipaddress.ip_network(self.subnet, strict=True)
        if net.version != 4 or net.prefixlen > 26:
            raise ValueError(
                f"--subnet must be an IPv4 network of /26 or larger, got {self.subnet}"
            )
        if net.num_addresses - 2 < self.masters + 11:
            raise ValueError(f"--subnet {self.subnet} is too small for {self.masters} masters")

    # ---- derived names and addresses -------------------------------------------------
    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.subnet)

    @property
    def prefixlen(self) -> int:
        return self.network.prefixlen

    @property
    def jump_address(self) -> str:
        """The root namespace's address on the lab bridge: where hatui runs from."""
        return str(self.network.network_address + 1)

    @property
    def vip(self) -> str:
        return str(self.network.network_address + 10)

    @property
    def switch_ns(self) -> str:
        return f"{self.name}-sw"

    @property
    def bridge(self) -> str:
        return f"{self.name}-br"

    @property
    def root_link(self) -> str:
        """The veth end in the root namespace (its peer in the switch is `uplink`)."""
        return f"{self.name}-lab0"

    @property
    def uplink(self) -> str:
        return f"{self.name}-up"

    @property
    def nodes(self) -> tuple[NodeSpec, ...]:
        net = self.network
        count = self.etcd_count
        return tuple(
            NodeSpec(
                index=i,
                name=f"m{i}",
                netns=f"{self.name}-m{i}",
                switch_port=f"{self.name}-m{i}",
                address=str(net.network_address + 10 + i),
                etcd_member=i <= count,
            )
            for i in range(1, self.masters + 1)
        )

    @property
    def etcd_count(self) -> int:
        if self.etcd_members:
            return min(self.etcd_members, self.masters)
        return min(self.masters, 5)

    @property
    def state_dir(self) -> str:
        return state_dir_for(self.name)

    @property
    def state(self) -> Path:
        return Path(self.state_dir)

    def node_dir(self, name: str) -> Path:
        return self.state / "nodes" / name

    @property
    def ssh_dir(self) -> Path:
        return self.state / "ssh"

    @property
    def identity_file(self) -> Path:
        return self.ssh_dir / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.ssh_dir / "known_hosts"

    @property
    def kubeconfig(self) -> Path:
        """The lab's admin kubeconfig (kubeadm's admin.conf): the API through the VIP."""
        return self.state / "admin.conf"

    @property
    def svc_command(self) -> Path:
        return self.state / "bin" / "hatui-lab-svc"

    @property
    def manifest(self) -> Path:
        return self.state / "lab.json"

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> LabConfig:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class NodeSpec:
    """One master of the lab."""

    index: int
    name: str
    netns: str
    switch_port: str
    address: str
    etcd_member: bool = field(default=True)

    @property
    def base_priority(self) -> int:
        """Seed 000: 110 on the first master, 100 on the others."""
        return 110 if self.index == 1 else 100

    @property
    def check_weight(self) -> int:
        """Seed 000: weights 11/12/11 (the second master 12, every other 11)."""
        return 12 if self.index == 2 else 11


def state_dir_for(name: str) -> str:
    return f"/var/lib/{name}-lab"
