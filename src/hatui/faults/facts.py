"""What hatui learns on the nodes before a fault, so that clearing undoes exactly it.

Pure: the read-only commands, and the parsers of their answers. The facts are stored in
the journal with the fault:

- a stop fault: whether the service ran (hatui refuses to "stop" what is not running, so
  it never starts on clear what it did not stop), and for etcd whether it is a kubeadm
  static pod (its manifest in the kubelet's manifests directory) or a service;
- vrrp-block: the unicast peers of the VIP's vrrp_instance in keepalived.conf (empty for
  multicast VRRP);
- backend-drain: on every LB node, which HAProxy backend/server is the target's apiserver
  and its status before (a server an operator already put in MAINT is left alone).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hatui.inventory import Services, shell_quote
from hatui.observations import HaproxyObservation, ServerStatus

STATIC_POD_MANIFEST = "/etc/kubernetes/manifests/etcd.yaml"
"""kubeadm's etcd static pod manifest; when it exists, etcd-stop parks it instead."""

_HAPROXY_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,100}")


def check_haproxy_name(text: str) -> str:
    """A HAProxy backend or server name, as allowed in a runtime API command."""
    if _HAPROXY_NAME.fullmatch(text) is None:
        raise ValueError(f"expected a HAProxy name of letters, digits, _ . : -, got {text!r}")
    return text


@dataclass(frozen=True)
class DrainTarget:
    """The target's apiserver as one LB node's HAProxy knows it."""

    node: str
    """The LB node."""
    proxy: str
    server: str
    status_before: str
    """The server's status before the fault (a `ServerStatus` value)."""

    @property
    def already_maint(self) -> bool:
        return self.status_before == ServerStatus.MAINT.value


@dataclass(frozen=True)
class Facts:
    """Everything learned before injecting; what is not relevant to the fault stays default."""

    service_running: bool | None = None
    etcd_static_pod: bool = False
    unicast_peers: tuple[str, ...] = ()
    drain: tuple[DrainTarget, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "service_running": self.service_running,
            "etcd_static_pod": self.etcd_static_pod,
            "unicast_peers": list(self.unicast_peers),
            "drain": [
                {"node": d.node, "proxy": d.proxy, "server": d.server, "status": d.status_before}
                for d in self.drain
            ],
        }

    @classmethod
    def from_dict(cls, data: object) -> Facts:
        """Facts from the journal; ValueError if they are malformed."""
        if not isinstance(data, dict):
            raise ValueError("facts are not a mapping")
        running = data.get("service_running")
        if running is not None and not isinstance(running, bool):
            raise ValueError("service_running is not a boolean")
        peers = data.get("unicast_peers", [])
        if not isinstance(peers, list):
            raise ValueError("unicast_peers is not a list")
        drain = data.get("drain", [])
        if not isinstance(drain, list):
            raise ValueError("drain is not a list")
        return cls(
            service_running=running,
            etcd_static_pod=bool(data.get("etcd_static_pod", False)),
            unicast_peers=tuple(str(ipaddress.ip_address(p)) for p in peers),
            drain=tuple(
                DrainTarget(
                    node=str(d["node"]),
                    proxy=check_haproxy_name(str(d["proxy"])),
                    server=check_haproxy_name(str(d["server"])),
                    status_before=str(d["status"]),
                )
                for d in drain
            ),
        )


# --------------------------------------------------------------------------------------------
# services


def service_state_command(services: Services, service: str, *, etcd: bool = False) -> str:
    """Prints "running" or "stopped" (exit status of the services command's `status`);
    for etcd, "static-pod" first when kubeadm's manifest is there."""
    status = f"{services.command(service, 'status')} >/dev/null 2>&1"
    if etcd:
        manifest = shell_quote(STATIC_POD_MANIFEST)
        return (
            f"if [ -f {manifest} ]; then echo static-pod; "
            f"elif {status}; then echo running; else echo stopped; fi"
        )
    return f"if {status}; then echo running; else echo stopped; fi"


def parse_service_state(text: str) -> str | None:
    """ "running", "stopped" or "static-pod"; None for anything else."""
    word = text.strip().splitlines()[-1].strip() if text.strip() else ""
    return word if word in ("running", "stopped", "static-pod") else None


# --------------------------------------------------------------------------------------------
# keepalived unicast peers


def keepalived_config_command(config_path: str) -> str:
    """The command printing keepalived's configuration (read in memory only, never kept:
    it holds auth_pass)."""
    return f"cat {shell_quote(config_path)}"


_NEWLINE = "\n"


def _tokens(text: str) -> Iterator[str]:
    """Words, braces and line ends of a keepalived config, comments (# and !) removed."""
    for line in text.splitlines():
        line = re.split(r"[#!]", line, maxsplit=1)[0]
        yield from re.findall(r"[{}]|[^\s{}]+", line)
        yield _NEWLINE


@dataclass
class _Instance:
    name: str
    vrid: int | None = None
    peers: list[str] | None = None


def _is_ip(word: str) -> bool:
    try:
        ipaddress.ip_address(word)
    except ValueError:
        return False
    return True


def vrrp_instances(text: str) -> list[_Instance]:
    """Each vrrp_instance's name, virtual_router_id and unicast peers (None: multicast)."""
    instances: list[_Instance] = []
    stack: list[list[str]] = []  # the header words of each open block
    words: list[str] = []
    last: list[str] = []  # the previous statement, for a "{" on a line of its own

    def current() -> _Instance | None:
        for header in reversed(stack):
            if header[:1] == ["vrrp_instance"]:
                return instances[-1] if instances else None
        return None

    def statement(ws: list[str]) -> None:
        inst = current()
        if inst is None or not ws:
            return
        if stack and stack[-1][:1] == ["unicast_peer"]:
            # one peer a line, maybe with options (min_ttl 1); or several on one line
            assert inst.peers is not None
            inst.peers.extend(str(ipaddress.ip_address(w)) for w in ws if _is_ip(w))
        elif stack and stack[-1][:1] == ["vrrp_instance"]:
            if ws[0] == "virtual_router_id" and len(ws) > 1 and ws[1].isdigit():
                inst.vrid = int(ws[1])

    for tok in _tokens(text):
        if tok == "{":
            header = words or last
            words = []
            stack.append(header)
            if header[:1] == ["vrrp_instance"]:
                instances.append(_Instance(header[1] if len(header) > 1 else ""))
            elif header[:1] == ["unicast_peer"]:
                inst = current()
                if inst is not None and inst.peers is None:
                    inst.peers = []
        elif tok == "}":
            statement(words)
            words = []
            last = []
            if stack:
                stack.pop()
        elif tok == _NEWLINE:
            if words:
                statement(words)
                last = words
            words = []
        else:
            words.append(tok)
    return instances


def unicast_peers(text: str, instance: str | None, vrid: int | None) -> tuple[str, ...]:
    """The unicast peers of the VIP's instance (by name, else VRID, else every instance);
    empty when its VRRP is multicast."""
    found = vrrp_instances(text)
    if instance is not None:
        found = [i for i in found if i.name == instance]
    elif vrid is not None:
        found = [i for i in found if i.vrid == vrid]
    peers: list[str] = []
    for inst in found:
        peers.extend(p for p in inst.peers or [] if p not in peers)
    return tuple(peers)


# --------------------------------------------------------------------------------------------
# HAProxy servers


def _addr_host_port(addr: str) -> tuple[str, str]:
    host, _, port = addr.rpartition(":")
    return host.strip("[]"), port


def drain_targets(
    lb_node: str,
    observation: HaproxyObservation,
    *,
    target: str,
    target_host: str,
    apiserver_port: int,
    backend: str | None,
) -> list[DrainTarget]:
    """The servers on `lb_node`'s HAProxy that are `target`'s apiserver: by address
    (host:apiserver port), else by server name; only in `backend` when one is given."""
    servers = [s for s in observation.servers if backend is None or s.proxy == backend]

    def by_addr(addr: str | None) -> bool:
        if not addr:
            return False
        host, port = _addr_host_port(addr)
        return host == target_host and port == str(apiserver_port)

    chosen = [s for s in servers if by_addr(s.addr)] or [s for s in servers if s.server == target]
    return [
        DrainTarget(
            lb_node, check_haproxy_name(s.proxy), check_haproxy_name(s.server), s.status.value
        )
        for s in chosen
    ]
