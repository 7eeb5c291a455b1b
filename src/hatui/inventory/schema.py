"""The inventory as typed, frozen values: what hatui watches and how it reaches it.

Field defaults here are the documented defaults (sample-inventory.yaml); the loader reads
them from these classes, so they are written down once. Values are validated by the loader,
not by the constructors: build these directly only in tests or from values already checked.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field, fields
from enum import StrEnum

from hatui.inventory.checks import join_host_port

ACTIONS = ("start", "stop", "status")
"""What `Services.command` can ask a service to do; `status` exits 0 when it runs."""


DEFAULT_APISERVER_PORT = 6443
"""kube-apiserver's secure port as kubeadm sets it."""


def shell_quote(value: str) -> str:
    """Quote one value for a POSIX shell command line (`shlex.quote`).

    Every value that goes into a remote command passes through here even when the loader
    has already limited its characters, so a missed check never becomes an injection.
    """
    return shlex.quote(value)


class LbKind(StrEnum):
    """Which load balancer fronts the apiservers on the masters (`none`: clients use the VIP)."""

    HAPROXY = "haproxy"
    NGINX = "nginx"
    LVS = "lvs"
    NONE = "none"


class EtcdMethod(StrEnum):
    """How etcd health is read on a master; `auto` tries etcdctl, then crictl, then curl."""

    AUTO = "auto"
    ETCDCTL = "etcdctl"
    CRICTL = "crictl"
    CURL = "curl"


@dataclass(frozen=True)
class JumpHost:
    """A ProxyJump host; `user`/`port` are None when not written (ssh config or defaults)."""

    user: str | None
    host: str
    port: int | None = None

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port is not None else ""
        return f"{user}{host}{port}"


@dataclass(frozen=True)
class Master:
    """One control-plane node; `ssh_user`/`ssh_port` are resolved against the ssh section."""

    name: str
    host: str
    """The node's address: SSH target, load-balancer backend and etcd peer."""
    ssh_user: str = "root"
    ssh_port: int = 22


@dataclass(frozen=True)
class SshSettings:
    """How hatui logs in to every master (per-master `user`/`port` override the first two)."""

    user: str = "root"
    port: int = 22
    identity_files: tuple[str, ...] = ()
    """Local key files, `~` expanded; empty means asyncssh's defaults."""
    agent: bool = True
    """Use ssh-agent when SSH_AUTH_SOCK is set."""
    known_hosts: str = "~/.ssh/known_hosts"
    """Host keys are verified against this local file (the loader expands `~`)."""
    accept_new_host_keys: bool = False
    """Trust-on-first-use for hosts not yet in known_hosts; an explicit opt-in."""
    jump_host: JumpHost | None = None
    connect_timeout: float = 5.0
    command_timeout: float = 5.0
    sudo: bool = False
    """Prefix remote commands with `sudo -n` (never prompts; fails if a password is needed)."""
    use_ssh_config: bool = True
    """Honour ~/.ssh/config (Host aliases, ProxyJump, IdentityFile...)."""


@dataclass(frozen=True)
class Vip:
    """The keepalived virtual IP and, optionally, which VRRP instance carries it."""

    address: str
    interface: str | None = None
    vrrp_instance: str | None = None
    virtual_router_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class ApiServer:
    """The kube-apiserver port on each master and the endpoint clients use (resolved)."""

    endpoint_host: str
    endpoint_port: int
    port: int = DEFAULT_APISERVER_PORT

    @property
    def endpoint(self) -> str:
        """The client endpoint as "host:port" ("[v6]:port" for IPv6)."""
        return join_host_port(self.endpoint_host, self.endpoint_port)

    @property
    def url(self) -> str:
        """The client endpoint as an https URL."""
        return f"https://{self.endpoint}"


@dataclass(frozen=True)
class LoadBalancer:
    """The load balancer in front of the apiservers and the masters that run it."""

    kind: LbKind = LbKind.HAPROXY
    port: int = 16443
    hosts: tuple[str, ...] = ()
    """Names of the masters that run it (resolved: all masters, or none for kind `none`)."""
    haproxy_socket: str = "/run/haproxy/admin.sock"
    nginx_error_log: str = "/var/log/nginx/error.log"


@dataclass(frozen=True)
class Etcd:
    """How to reach etcd from each master (kubeadm's paths by default)."""

    endpoint: str = "https://127.0.0.1:2379"
    method: EtcdMethod = EtcdMethod.AUTO
    ca_cert: str = "/etc/kubernetes/pki/etcd/ca.crt"
    cert: str = "/etc/kubernetes/pki/etcd/healthcheck-client.crt"
    key: str = "/etc/kubernetes/pki/etcd/healthcheck-client.key"


@dataclass(frozen=True)
class Keepalived:
    """Where keepalived's configuration and log live on each master."""

    config: str = "/etc/keepalived/keepalived.conf"
    log: str = "journal"
    """"journal" (journalctl -u <keepalived unit>) or an absolute log file path."""

    @property
    def log_is_journal(self) -> bool:
        """True when the log is read from the journal rather than a file."""
        return self.log == "journal"


@dataclass(frozen=True)
class ApiServerChecks:
    """Options of the per-master apiserver /readyz probes."""

    insecure_skip_tls_verify: bool = True
    """The probes dial each master by address, which the serving cert may not name."""


@dataclass(frozen=True)
class ServiceUnits:
    """The unit name of each service hatui can start, stop or query."""

    keepalived: str = "keepalived"
    haproxy: str = "haproxy"
    nginx: str = "nginx"
    kubelet: str = "kubelet"
    etcd: str = "etcd"
    apiserver: str = "kube-apiserver"


SERVICE_NAMES = tuple(f.name for f in fields(ServiceUnits))
"""The services `Services.command` knows, the only keys allowed under services.units."""


@dataclass(frozen=True)
class Services:
    """How to start, stop and query services on a master (YAML key `command` is the template)."""

    command_template: str = "systemctl {action} {unit}"
    units: ServiceUnits = field(default_factory=ServiceUnits)

    def unit(self, service: str) -> str:
        """The unit name of a service; ValueError for a service hatui does not know."""
        if service not in SERVICE_NAMES:
            raise ValueError(f"unknown service {service!r}; expected one of {SERVICE_NAMES}")
        unit: str = getattr(self.units, service)
        return unit

    def command(self, service: str, action: str) -> str:
        """The shell command that does `action` (start|stop|status) to `service`.

        The unit is shell-quoted; the action comes from a fixed set. ValueError for an
        unknown service or action.
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}; expected one of {ACTIONS}")
        return self.command_template.format(action=action, unit=shell_quote(self.unit(service)))


@dataclass(frozen=True, kw_only=True)
class Inventory:
    """Everything hatui knows about one cluster before it connects to anything."""

    source: str
    """The file it was read from ("<string>" when parsed from text)."""
    cluster: str
    masters: tuple[Master, ...]
    ssh: SshSettings = field(default_factory=SshSettings)
    vip: Vip
    apiserver: ApiServer
    load_balancer: LoadBalancer = field(default_factory=LoadBalancer)
    etcd: Etcd = field(default_factory=Etcd)
    keepalived: Keepalived = field(default_factory=Keepalived)
    apiserver_checks: ApiServerChecks = field(default_factory=ApiServerChecks)
    kubeconfig: str | None = None
    """Local kubeconfig for the Kubernetes API view; None: the kubernetes client's default."""
    services: Services = field(default_factory=Services)

    def master(self, name: str) -> Master:
        """The master called `name`; KeyError if there is none."""
        for master in self.masters:
            if master.name == name:
                return master
        raise KeyError(name)

    @property
    def lb_masters(self) -> tuple[Master, ...]:
        """The masters that run the load balancer, in inventory order."""
        return tuple(m for m in self.masters if m.name in self.load_balancer.hosts)

    @property
    def api_endpoint(self) -> tuple[str, int]:
        """(host, port) that Kubernetes clients use: the VIP behind the LB unless configured."""
        return self.apiserver.endpoint_host, self.apiserver.endpoint_port
