"""The catalog: for a fault kind, an inventory, a target master and what was learned on the
nodes (`Facts`), exactly which commands inject it, clear it and tell whether it is active.

Pure: no I/O, so every command is unit-tested as text. Values from the inventory were
validated when it was loaded and are shell-quoted again here; HAProxy names come from
`show stat` and are checked before use. Per kind:

- apiserver-reject / lb-reject: `iptables -I INPUT -p tcp --dport PORT -j REJECT` (seed 000),
  tagged `hatui:<id>`; cleared by deleting that very rule.
- keepalived-stop / lb-stop / kubelet-stop / etcd-stop: the inventory's services command
  (`stop`, then `start` on clear; only for a service that ran). A kubeadm static-pod etcd
  has its manifest moved out of the kubelet's manifests directory and back.
- vrrp-block: DROP of IP protocol 112 (VRRP) in and out; with unicast VRRP, only to and
  from the instance's unicast peers, so other VRRP instances on the node keep working.
- isolate: ACCEPT SSH (the master's SSH port) and loopback, DROP everything else, in and
  out: the node is "powered off" for the cluster and still reachable to clear it.
- backend-drain: HAProxy runtime API `disable server BACKEND/SERVER` of the target's
  apiserver on every LB node (`enable server` on clear), skipping nodes where an operator
  had already put it in MAINT.
"""

from __future__ import annotations

import ipaddress
import re
import secrets
from dataclasses import dataclass

from hatui.faults import iptables
from hatui.faults.errors import NotApplicable
from hatui.faults.facts import STATIC_POD_MANIFEST, Facts, check_haproxy_name
from hatui.faults.kinds import SERVICE_KINDS, SERVICE_OF, FaultKind
from hatui.faults.steps import Shell, SocketSend, Step, as_shell
from hatui.faults.ttl import watchdog_seconds
from hatui.faults.watchdog import arm_command
from hatui.inventory import Inventory, LbKind, shell_quote

_FAULT_ID = re.compile(r"[0-9a-f]{8}")
VRRP_PROTOCOL = "112"
PARKED_DIR = "/etc/kubernetes"
"""Where a static-pod etcd manifest is parked: outside the kubelet's manifests directory."""


def new_fault_id() -> str:
    """A fresh fault id: 8 hex digits (also the iptables tag's suffix)."""
    return secrets.token_hex(4)


def check_fault_id(text: str) -> str:
    """A fault id as hatui makes them; ValueError otherwise (ids reach remote commands)."""
    if _FAULT_ID.fullmatch(text) is None:
        raise ValueError(f"expected a fault id of 8 hex digits, got {text!r}")
    return text


def parked_manifest(fault_id: str) -> str:
    """Where etcd-stop parks a static pod's manifest for fault `fault_id`."""
    return f"{PARKED_DIR}/etcd.yaml.hatui-{check_fault_id(fault_id)}"


@dataclass(frozen=True)
class Check:
    """How to tell a fault is still in place on one node.

    A shell check exits 0 while it is; a socket check (`show stat`) is active while the
    server `maint` ("backend/server") is in MAINT.
    """

    step: Step
    maint: str | None = None


@dataclass(frozen=True)
class NodePlan:
    """What one fault does on one node."""

    node: str
    inject: tuple[Step, ...]
    clear: tuple[Step, ...]
    """Run in order, stopping at the first failure; each is idempotent."""
    check: Check

    @property
    def clear_script(self) -> str:
        """The clear steps as one shell script: what the node's watchdog runs at TTL."""
        return " && ".join(as_shell(step) for step in self.clear)


@dataclass(frozen=True)
class Plan:
    """One fault, fully planned: every command it runs on every node."""

    fault_id: str
    kind: FaultKind
    target: str
    ttl: float
    """Seconds until the node's watchdog clears it."""
    nodes: tuple[NodePlan, ...]
    facts: Facts
    backend: str | None = None

    def arm_command(self, node: NodePlan) -> str:
        """The command starting `node`'s TTL watchdog (run before anything is injected)."""
        return arm_command(self.fault_id, watchdog_seconds(self.ttl), node.clear_script)

    @property
    def node_names(self) -> tuple[str, ...]:
        return tuple(n.node for n in self.nodes)

    def title(self) -> str:
        """E.g. "apiserver-reject on m1", "backend-drain of m2 on m1, m2, m3"."""
        if self.kind is FaultKind.BACKEND_DRAIN:
            return f"{self.kind} of {self.target} on {', '.join(self.node_names)}"
        return f"{self.kind} on {self.target}"


# --------------------------------------------------------------------------------------------
# what a request needs


def lb_service(inventory: Inventory) -> str:
    """The inventory service that is the load balancer (haproxy or nginx)."""
    kind = inventory.load_balancer.kind
    if kind not in (LbKind.HAPROXY, LbKind.NGINX):
        raise NotApplicable(f"the load balancer is {kind}: hatui can only stop haproxy or nginx")
    return str(kind)


def service_of(inventory: Inventory, kind: FaultKind) -> str:
    """The inventory service a stop fault acts on."""
    if kind is FaultKind.LB_STOP:
        return lb_service(inventory)
    return SERVICE_OF[kind]


def check_request(
    inventory: Inventory, kind: FaultKind, target: str, backend: str | None = None
) -> None:
    """NotApplicable unless `kind` can target the master `target` in this inventory."""
    names = [m.name for m in inventory.masters]
    if target not in names:
        raise NotApplicable(f"no master {target!r} in the inventory (masters: {', '.join(names)})")
    if backend is not None:
        if kind is not FaultKind.BACKEND_DRAIN:
            raise NotApplicable("--backend applies to backend-drain only")
        try:
            check_haproxy_name(backend)
        except ValueError as err:
            raise NotApplicable(f"--backend: {err}") from None
    lb = inventory.load_balancer
    if kind in (FaultKind.LB_REJECT, FaultKind.LB_STOP):
        lb_service(inventory)
        if target not in lb.hosts:
            raise NotApplicable(
                f"{target} runs no load balancer (LB hosts: {', '.join(lb.hosts) or 'none'})"
            )
    if kind is FaultKind.BACKEND_DRAIN:
        if lb.kind is not LbKind.HAPROXY:
            raise NotApplicable(f"backend-drain needs HAProxy's runtime API; the LB is {lb.kind}")
        if not lb.hosts:
            raise NotApplicable("the inventory lists no LB hosts")


# --------------------------------------------------------------------------------------------
# plans


def build_plan(
    inventory: Inventory,
    kind: FaultKind,
    target: str,
    *,
    fault_id: str,
    ttl: float,
    facts: Facts,
    backend: str | None = None,
) -> Plan:
    """Every command of the fault; NotApplicable when the facts say it cannot apply."""
    check_request(inventory, kind, target, backend)
    check_fault_id(fault_id)
    if kind in SERVICE_KINDS:
        nodes: tuple[NodePlan, ...] = (_service_plan(inventory, kind, target, fault_id, facts),)
    elif kind is FaultKind.BACKEND_DRAIN:
        nodes = _drain_plans(inventory, target, facts, backend)
    else:
        rules = _rules(inventory, kind, target, facts)
        nodes = (
            NodePlan(
                node=target,
                inject=(Shell(target, iptables.insert_all(rules, fault_id)),),
                clear=(Shell(target, iptables.delete_all(rules, fault_id)),),
                check=Check(Shell(target, iptables.any_present(rules, fault_id))),
            ),
        )
    return Plan(fault_id, kind, target, ttl, nodes, facts, backend)


def _family(address: str) -> int:
    try:
        return ipaddress.ip_address(address).version
    except ValueError:
        return 4  # a DNS name: hatui's lab and the seeds are IPv4


_REJECT = ("-j", "REJECT")
_DROP = ("-j", "DROP")
_ACCEPT = ("-j", "ACCEPT")


def _rules(
    inventory: Inventory, kind: FaultKind, target: str, facts: Facts
) -> tuple[iptables.Rule, ...]:
    Rule = iptables.Rule
    fam = _family(inventory.vip.address)
    if kind is FaultKind.APISERVER_REJECT:
        port = str(inventory.apiserver.port)
        return (Rule("INPUT", ("-p", "tcp", "--dport", port), _REJECT, fam),)
    if kind is FaultKind.LB_REJECT:
        port = str(inventory.load_balancer.port)
        return (Rule("INPUT", ("-p", "tcp", "--dport", port), _REJECT, fam),)
    if kind is FaultKind.VRRP_BLOCK:
        if not facts.unicast_peers:
            return (
                Rule("INPUT", ("-p", VRRP_PROTOCOL), _DROP, fam),
                Rule("OUTPUT", ("-p", VRRP_PROTOCOL), _DROP, fam),
            )
        peers = facts.unicast_peers
        return tuple(
            Rule("INPUT", ("-s", p, "-p", VRRP_PROTOCOL), _DROP, _family(p)) for p in peers
        ) + tuple(Rule("OUTPUT", ("-d", p, "-p", VRRP_PROTOCOL), _DROP, _family(p)) for p in peers)
    if kind is FaultKind.ISOLATE:
        ssh = str(inventory.master(target).ssh_port)
        return (
            Rule("INPUT", ("-p", "tcp", "--dport", ssh), _ACCEPT, fam),
            Rule("INPUT", ("-i", "lo"), _ACCEPT, fam),
            Rule("INPUT", (), _DROP, fam),
            Rule("OUTPUT", ("-p", "tcp", "--sport", ssh), _ACCEPT, fam),
            Rule("OUTPUT", ("-o", "lo"), _ACCEPT, fam),
            Rule("OUTPUT", (), _DROP, fam),
        )
    raise AssertionError(f"{kind} is not an iptables fault")


def _service_plan(
    inventory: Inventory, kind: FaultKind, target: str, fault_id: str, facts: Facts
) -> NodePlan:
    service = service_of(inventory, kind)
    services = inventory.services
    unit = services.unit(service)
    if kind is FaultKind.ETCD_STOP and facts.etcd_static_pod:
        manifest, parked = shell_quote(STATIC_POD_MANIFEST), shell_quote(parked_manifest(fault_id))
        return NodePlan(
            node=target,
            inject=(
                Shell(target, f"[ -f {manifest} ] && [ ! -e {parked} ] && mv {manifest} {parked}"),
            ),
            clear=(
                Shell(
                    target,
                    f"if [ -e {parked} ]; then if [ -e {manifest} ]; then "
                    f"echo 'hatui: {STATIC_POD_MANIFEST} exists again; {parked} left as is' >&2; "
                    f"false; else mv {parked} {manifest}; fi; fi",
                ),
            ),
            check=Check(Shell(target, f"[ -e {parked} ]")),
        )
    if facts.service_running is not True:
        what = "is not running" if facts.service_running is False else "has an unknown state"
        raise NotApplicable(
            f"{unit} {what} on {target}: hatui stops only a running service "
            "(and starts on clear only what it stopped)"
        )
    status = services.command(service, "status")
    return NodePlan(
        node=target,
        inject=(Shell(target, services.command(service, "stop")),),
        clear=(Shell(target, services.command(service, "start")),),
        check=Check(Shell(target, f"! {status} >/dev/null 2>&1")),
    )


def _drain_plans(
    inventory: Inventory, target: str, facts: Facts, backend: str | None
) -> tuple[NodePlan, ...]:
    hosts = inventory.load_balancer.hosts
    sock = inventory.load_balancer.haproxy_socket
    missing = [h for h in hosts if not any(d.node == h for d in facts.drain)]
    if missing:
        where = f"backend {backend}" if backend else "any backend"
        raise NotApplicable(
            f"{target}'s apiserver is not a server of {where} in HAProxy on {', '.join(missing)}"
        )
    proxies = sorted({d.proxy for d in facts.drain})
    if len(proxies) > 1:
        raise NotApplicable(
            f"{target}'s apiserver is in several HAProxy backends ({', '.join(proxies)}): "
            "name one with --backend"
        )
    plans = []
    for host in hosts:
        mine = [d for d in facts.drain if d.node == host and not d.already_maint]
        if not mine:
            continue
        names = [f"{d.proxy}/{d.server}" for d in mine]
        plans.append(
            NodePlan(
                node=host,
                inject=tuple(SocketSend(host, sock, f"disable server {n}") for n in names),
                clear=tuple(SocketSend(host, sock, f"enable server {n}") for n in names),
                check=Check(SocketSend(host, sock, "show stat"), maint=names[0]),
            )
        )
    if not plans:
        raise NotApplicable(f"{target}'s apiserver is already in MAINT on every LB node")
    return tuple(plans)
