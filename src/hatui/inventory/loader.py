"""Read an inventory from YAML into an Inventory, checking every field against the schema.

One function per section: each knows its keys, their checks and their defaults (taken from
the schema's dataclasses). The YAML machinery and the error rules live in nodes.py.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from yaml.nodes import Node

from hatui.errors import InventoryError
from hatui.inventory import checks
from hatui.inventory.checks import shown
from hatui.inventory.nodes import NodeReader, compose
from hatui.inventory.schema import (
    DEFAULT_APISERVER_PORT,
    SERVICE_NAMES,
    ApiServer,
    ApiServerChecks,
    Etcd,
    EtcdMethod,
    Inventory,
    JumpHost,
    Keepalived,
    LbKind,
    LoadBalancer,
    Master,
    Services,
    ServiceUnits,
    SshSettings,
    Vip,
)

_TOP_KEYS = (
    "cluster",
    "masters",
    "ssh",
    "vip",
    "apiserver",
    "load_balancer",
    "etcd",
    "keepalived",
    "apiserver_checks",
    "kubeconfig",
    "services",
)
_MASTER_KEYS = ("name", "host", "port", "user")
_SSH_KEYS = (
    "user",
    "port",
    "identity_files",
    "agent",
    "known_hosts",
    "accept_new_host_keys",
    "jump_host",
    "connect_timeout",
    "command_timeout",
    "sudo",
    "use_ssh_config",
)
_VIP_KEYS = ("address", "interface", "vrrp_instance", "virtual_router_id")
_APISERVER_KEYS = ("port", "endpoint")
_LB_KEYS = ("kind", "port", "hosts", "haproxy_socket", "nginx_error_log")
_ETCD_KEYS = ("endpoint", "method", "ca_cert", "cert", "key")
_KEEPALIVED_KEYS = ("config", "log")
_CHECKS_KEYS = ("insecure_skip_tls_verify",)
_SERVICES_KEYS = ("command", "units")


def load_inventory(path: str | Path) -> Inventory:
    """Read and check the inventory file at `path`; InventoryError if it is unusable."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InventoryError(f"{path}: cannot read the inventory: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InventoryError(
            f"{path}: the inventory is not UTF-8 text (byte {exc.start}: {exc.reason})"
        ) from exc
    return parse_inventory(text, str(path))


def parse_inventory(text: str, source: str = "<string>") -> Inventory:
    """Check inventory YAML text and build the Inventory; `source` names it in errors.

    Pure: reads nothing but `text` (only `~` in local paths is expanded from the environment).
    """
    root = compose(text, source)
    if root is None:
        raise InventoryError(
            f"{source}:1: the inventory is empty; expected at least cluster, masters and vip"
        )
    r = NodeReader(source)
    top = r.mapping(root, "", _TOP_KEYS, nullable=False)
    cluster = top.req("cluster", r.checked(checks.check_cluster))
    ssh = _ssh(r, top.get("ssh"), "ssh")
    masters = _masters(r, top.required("masters"), "masters", ssh)
    vip = _vip(r, top.required("vip"), "vip")
    load_balancer = _load_balancer(r, top.get("load_balancer"), "load_balancer", masters)
    return Inventory(
        source=source,
        cluster=cluster,
        masters=masters,
        ssh=ssh,
        vip=vip,
        apiserver=_apiserver(r, top.get("apiserver"), "apiserver", vip, load_balancer),
        load_balancer=load_balancer,
        etcd=_etcd(r, top.get("etcd"), "etcd"),
        keepalived=_keepalived(r, top.get("keepalived"), "keepalived"),
        apiserver_checks=_apiserver_checks(r, top.get("apiserver_checks"), "apiserver_checks"),
        kubeconfig=top.opt("kubeconfig", r.checked(checks.check_local_path), None),
        services=_services(r, top.get("services"), "services"),
    )


def _ssh(r: NodeReader, node: Node | None, path: str) -> SshSettings:
    m = r.mapping(node, path, _SSH_KEYS)
    d = SshSettings()
    local_path = r.checked(checks.check_local_path)
    return SshSettings(
        user=m.opt("user", r.checked(checks.check_user), d.user),
        port=m.opt("port", r.port, d.port),
        identity_files=m.opt(
            "identity_files", r.tuple_of(local_path, "local file paths"), d.identity_files
        ),
        agent=m.opt("agent", r.boolean, d.agent),
        known_hosts=m.opt("known_hosts", local_path, checks.check_local_path(d.known_hosts)),
        accept_new_host_keys=m.opt("accept_new_host_keys", r.boolean, d.accept_new_host_keys),
        jump_host=m.opt("jump_host", r.checked(_jump_host), d.jump_host),
        connect_timeout=m.opt("connect_timeout", r.seconds, d.connect_timeout),
        command_timeout=m.opt("command_timeout", r.seconds, d.command_timeout),
        sudo=m.opt("sudo", r.boolean, d.sudo),
        use_ssh_config=m.opt("use_ssh_config", r.boolean, d.use_ssh_config),
    )


def _jump_host(text: str) -> JumpHost:
    user, host, port = checks.check_jump_host(text)
    return JumpHost(user=user, host=host, port=port)


def _masters(r: NodeReader, node: Node, path: str, ssh: SshSettings) -> tuple[Master, ...]:
    items = r.sequence(node, path, "masters")
    if not items:
        raise r.error(node, path, "expected at least one master, got an empty list")
    masters: list[Master] = []
    name_lines: dict[str, int] = {}
    host_lines: dict[str, int] = {}
    for i, item in enumerate(items):
        m = r.mapping(item, f"{path}[{i}]", _MASTER_KEYS, nullable=False)
        name = m.req("name", r.checked(checks.check_master_name))
        host = m.req("host", r.checked(checks.check_host))
        for value, key, lines in ((name, "name", name_lines), (host.lower(), "host", host_lines)):
            value_node = m.required(key)
            if value in lines:
                raise r.error(
                    value_node,
                    m.key_path(key),
                    f"duplicate master {key} {shown(value)} (first at line {lines[value]})",
                )
            lines[value] = value_node.start_mark.line + 1
        masters.append(
            Master(
                name=name,
                host=host,
                ssh_user=m.opt("user", r.checked(checks.check_user), ssh.user),
                ssh_port=m.opt("port", r.port, ssh.port),
            )
        )
    return tuple(masters)


def _vip(r: NodeReader, node: Node, path: str) -> Vip:
    m = r.mapping(node, path, _VIP_KEYS, nullable=False)
    return Vip(
        address=m.req("address", r.checked(checks.check_ip)),
        interface=m.opt("interface", r.checked(checks.check_interface), None),
        vrrp_instance=m.opt("vrrp_instance", r.checked(checks.check_vrrp_instance), None),
        virtual_router_id=m.opt("virtual_router_id", r.integer(1, 255), None),
    )


def _load_balancer(
    r: NodeReader, node: Node | None, path: str, masters: tuple[Master, ...]
) -> LoadBalancer:
    m = r.mapping(node, path, _LB_KEYS)
    d = LoadBalancer()
    kind = m.opt("kind", r.choice(LbKind), d.kind)
    names = [master.name for master in masters]
    hosts_node = m.get("hosts")
    if hosts_node is None:
        hosts = () if kind is LbKind.NONE else tuple(names)
    elif kind is LbKind.NONE:
        raise r.error(
            hosts_node, m.key_path("hosts"), "kind is 'none', so no master runs a load balancer"
        )
    else:
        hosts = _lb_hosts(r, hosts_node, m.key_path("hosts"), names)
    remote_path = r.checked(checks.check_remote_path)
    return LoadBalancer(
        kind=kind,
        port=m.opt("port", r.port, d.port),
        hosts=hosts,
        haproxy_socket=m.opt("haproxy_socket", remote_path, d.haproxy_socket),
        nginx_error_log=m.opt("nginx_error_log", remote_path, d.nginx_error_log),
    )


def _lb_hosts(r: NodeReader, node: Node, path: str, names: list[str]) -> tuple[str, ...]:
    """The master names listed under load_balancer.hosts, each one checked to exist."""
    items = r.sequence(node, path, "master names")
    if not items:
        raise r.error(node, path, "expected at least one master name, got an empty list")
    hosts: list[str] = []
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]"
        name = r.string(item, item_path)
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"masters are: {', '.join(names)}"
            raise r.error(
                item, item_path, f"expected the name of a master, got {shown(name)} ({hint})"
            )
        if name in hosts:
            raise r.error(item, item_path, f"{shown(name)} is listed twice")
        hosts.append(name)
    return tuple(hosts)


def _apiserver(
    r: NodeReader, node: Node | None, path: str, vip: Vip, lb: LoadBalancer
) -> ApiServer:
    m = r.mapping(node, path, _APISERVER_KEYS)
    port = m.opt("port", r.port, DEFAULT_APISERVER_PORT)
    # Without an explicit endpoint, clients reach the apiservers through the VIP: on the LB
    # port when a load balancer listens there, else straight on the apiserver port.
    default = (vip.address, port if lb.kind is LbKind.NONE else lb.port)
    host, endpoint_port = m.opt("endpoint", r.checked(checks.check_endpoint), default)
    return ApiServer(port=port, endpoint_host=host, endpoint_port=endpoint_port)


def _etcd(r: NodeReader, node: Node | None, path: str) -> Etcd:
    m = r.mapping(node, path, _ETCD_KEYS)
    d = Etcd()
    remote_path = r.checked(checks.check_remote_path)
    return Etcd(
        endpoint=m.opt("endpoint", r.checked(checks.check_etcd_url), d.endpoint),
        method=m.opt("method", r.choice(EtcdMethod), d.method),
        ca_cert=m.opt("ca_cert", remote_path, d.ca_cert),
        cert=m.opt("cert", remote_path, d.cert),
        key=m.opt("key", remote_path, d.key),
    )


def _keepalived(r: NodeReader, node: Node | None, path: str) -> Keepalived:
    m = r.mapping(node, path, _KEEPALIVED_KEYS)
    d = Keepalived()
    return Keepalived(
        config=m.opt("config", r.checked(checks.check_remote_path), d.config),
        log=m.opt("log", r.checked(checks.check_keepalived_log), d.log),
    )


def _apiserver_checks(r: NodeReader, node: Node | None, path: str) -> ApiServerChecks:
    m = r.mapping(node, path, _CHECKS_KEYS)
    d = ApiServerChecks()
    return ApiServerChecks(
        insecure_skip_tls_verify=m.opt(
            "insecure_skip_tls_verify", r.boolean, d.insecure_skip_tls_verify
        )
    )


def _services(r: NodeReader, node: Node | None, path: str) -> Services:
    m = r.mapping(node, path, _SERVICES_KEYS)
    d = Services()
    units = r.mapping(m.get("units"), m.key_path("units"), SERVICE_NAMES)
    unit = r.checked(checks.check_unit)
    defaults = ServiceUnits()
    return Services(
        command_template=m.opt(
            "command", r.checked(checks.check_command_template), d.command_template
        ),
        units=ServiceUnits(
            **{name: units.opt(name, unit, getattr(defaults, name)) for name in SERVICE_NAMES}
        ),
    )
