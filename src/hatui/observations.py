"""What each probe observes on one node, as frozen values.

The parsers in `hatui.parsers` build these from command output, the probe runners fill in the
few values that are not parsed (a TCP connect result, "keepalived is not running"), and
`hatui.model` derives the cluster verdicts from them. Everything here is a frozen dataclass of
plain values, tuples and enums: no SSH, no UI, no inventory, no markup. A probe that could not
produce an observation yields a `ProbeError` value instead; nothing in this layer raises into
the UI.

Secrets never get here: the keepalived parsers drop `auth_data` / `auth_pass` before building
these values, and every excerpt in a `ProbeError` is redacted (`hatui.parsers.redact`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# --------------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class ProbeError:
    """A probe (or its parser) could not produce an observation; says what was wrong.

    A value, not an exception: parsers return it on empty, truncated or foreign input so one
    broken output is shown as a fact about that node rather than crashing the sweep.
    """

    source: str
    """Which probe or parser, e.g. "keepalived-json", "haproxy-stat", "ssh"."""
    message: str
    """One line for a person: what was expected and what was found."""
    excerpt: str = ""
    """The start of the offending input (redacted, at most a few hundred characters)."""

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


# --------------------------------------------------------------------------------------------
# keepalived


class VrrpState(enum.StrEnum):
    """A VRRP instance's state as keepalived reports it (numbers 0..3, 97, 98 in its JSON).

    STOP is also what the probe runner reports when keepalived is not running at all.
    """

    INIT = "INIT"
    BACKUP = "BACKUP"
    MASTER = "MASTER"
    FAULT = "FAULT"
    STOP = "STOP"
    DELETED = "DELETED"
    UNKNOWN = "UNKNOWN"


class ScriptStatus(enum.StrEnum):
    """A vrrp_script's status as keepalived's DATA dump prints it (`Status = GOOD`)."""

    GOOD = "GOOD"
    BAD = "BAD"
    INIT = "INIT"
    INIT_FAILED = "INIT/FAILED"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class TrackScript:
    """One tracked script: its name, command and, from the DATA dump, its status and weight.

    keepalived's JSON lists an instance's track scripts by command only; the DATA dump names
    them and gives their status, so the parsers merge the two by command.
    """

    name: str | None
    command: str | None
    status: ScriptStatus = ScriptStatus.UNKNOWN
    weight: int | None = None
    """The weight applied to the instance (the instance's own override when it has one)."""
    weight_reverse: bool = False
    rise: int | None = None
    fall: int | None = None
    interval_s: int | None = None
    timeout_s: int | None = None

    @property
    def priority_effect(self) -> int | None:
        """What this script adds to the instance's effective priority now (None if unknown).

        keepalived adds a positive weight while the script is GOOD and a negative one while
        it is BAD; `reverse` swaps the two.
        """
        if self.weight is None or self.status not in (ScriptStatus.GOOD, ScriptStatus.BAD):
            return None
        good = self.status is ScriptStatus.GOOD
        if self.weight_reverse:
            good = not good
        if self.weight > 0:
            return self.weight if good else 0
        return 0 if good else self.weight


@dataclass(frozen=True)
class AdvertCounters:
    """VRRP advertisement counters from keepalived's JSON `stats` object."""

    advert_rcvd: int
    advert_sent: int
    become_master: int
    release_master: int
    pri_zero_rcvd: int = 0
    pri_zero_sent: int = 0


@dataclass(frozen=True)
class VrrpInstance:
    """One vrrp_instance as one keepalived process sees it. None means "this dump did not say"."""

    name: str
    vrid: int | None
    state: VrrpState
    wantstate: VrrpState | None = None
    base_priority: int | None = None
    effective_priority: int | None = None
    master_priority: int | None = None
    """The priority of the master this node hears; meaningful on a BACKUP only (see
    `heard_master_priority`). keepalived's JSON keeps the last value after a transition."""
    master_router: str | None = None
    """The address of the master this node hears (DATA dump, BACKUP only)."""
    nopreempt: bool | None = None
    vipset: bool | None = None
    vips: tuple[str, ...] = ()
    interface: str | None = None
    src_ip: str | None = None
    last_transition: float | None = None
    """Epoch seconds of the last state change."""
    adverts: AdvertCounters | None = None
    track_scripts: tuple[TrackScript, ...] = ()

    @property
    def heard_master_priority(self) -> int | None:
        """The master priority this node hears, only when it is a BACKUP that heard one."""
        if self.state is VrrpState.BACKUP and self.master_priority:
            return self.master_priority
        return None


@dataclass(frozen=True)
class KeepalivedObservation:
    """keepalived on one node: its VRRP instances and (from DATA) its vrrp_scripts.

    `running` False is set by the probe runner when no keepalived process exists; every
    instance then counts as STOP.
    """

    instances: tuple[VrrpInstance, ...]
    scripts: tuple[TrackScript, ...] = ()
    """The DATA dump's `VRRP Scripts` section (every vrrp_script, tracked or not)."""
    source: str = ""
    """Where it came from: "json-v1", "json-v2", "data", or "json-v1+data" when merged."""
    running: bool = True

    @classmethod
    def stopped(cls) -> KeepalivedObservation:
        """keepalived is not running on the node (decided by the probe runner)."""
        return cls(instances=(), source="not running", running=False)

    def instance(self, name: str | None = None, vrid: int | None = None) -> VrrpInstance | None:
        """The instance with this name and/or VRID; with neither, the only (or first) one."""
        for inst in self.instances:
            if (name is None or inst.name == name) and (vrid is None or inst.vrid == vrid):
                return inst
        return None


class KeepalivedEventKind(enum.StrEnum):
    """The keepalived log lines hatui understands, one kind each."""

    STARTING = "starting"
    STOPPING = "stopping"
    ENTER_STATE = "enter-state"
    TRANSITION_TO_STATE = "transition-to-state"
    SCRIPT_FAILED = "script-failed"
    SCRIPT_SUCCEEDED = "script-succeeded"
    SCRIPT_RETURNED = "script-returned"
    SCRIPT_TIMED_OUT = "script-timed-out"
    PRIORITY_CHANGED = "priority-changed"
    HIGHER_PRIO_ADVERT = "higher-prio-advert"
    LOWER_PRIO_ADVERT = "lower-prio-advert"
    ADVERT_TIMEOUT = "advert-timeout"
    FORCING_ELECTION = "forcing-election"
    VIPS_SET = "vips-set"
    VIPS_REMOVED = "vips-removed"


@dataclass(frozen=True)
class KeepalivedEvent:
    """One recognised keepalived log line, with the values it carries (None when absent)."""

    kind: KeepalivedEventKind
    timestamp: float | None
    """Epoch seconds, when the line's time could be read (see the parser about years/zones)."""
    time_text: str
    """The time as written in the log."""
    instance: str | None = None
    state: VrrpState | None = None
    script: str | None = None
    exit_status: int | None = None
    priority_from: int | None = None
    priority_to: int | None = None
    peer: str | None = None
    peer_priority: int | None = None
    own_priority: int | None = None
    """This node's priority when the line states it ("..., ours 110")."""
    line: str = ""
    """The message part of the line, for a detail view."""


@dataclass(frozen=True)
class KeepalivedLog:
    """The recognised events of a keepalived log excerpt, oldest first."""

    events: tuple[KeepalivedEvent, ...]
    skipped_lines: int = 0
    """Lines that were not keepalived events hatui knows (ARP chatter, startup banner...)."""


# --------------------------------------------------------------------------------------------
# Addresses (`ip -o addr`)


@dataclass(frozen=True)
class InterfaceAddress:
    """One address line of `ip -o addr`."""

    index: int
    interface: str
    family: str
    """"inet" or "inet6"."""
    address: str
    prefixlen: int
    scope: str | None = None
    secondary: bool = False
    label: str | None = None
    """The IPv4 label at the end of the line when it differs from the interface (eth0:vip)."""


@dataclass(frozen=True)
class AddressObservation:
    """Every address on one node, as `ip -o addr` lists them."""

    addresses: tuple[InterfaceAddress, ...]


# --------------------------------------------------------------------------------------------
# Load balancers


class ServerStatus(enum.StrEnum):
    """An LB backend server's status, normalised (HAProxy's raw text is kept beside it)."""

    UP = "UP"
    DOWN = "DOWN"
    MAINT = "MAINT"
    NOLB = "NOLB"
    DRAIN = "DRAIN"
    NO_CHECK = "NO CHECK"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class HaproxyServer:
    """One server row of HAProxy's `show stat` (one apiserver behind one LB node)."""

    proxy: str
    server: str
    status: ServerStatus
    status_raw: str
    """As HAProxy wrote it, e.g. "UP 1/3" (up, 1 failed check of 3 towards DOWN)."""
    transition: str | None = None
    """The "1/3" part of a transitional status, None when stable."""
    addr: str | None = None
    check_status: str | None = None
    """E.g. "L4OK", "L4TOUT", "L4CON", "L7STS"; a leading "* " (check running) is dropped."""
    check_desc: str | None = None
    check_duration_ms: int | None = None
    last_change_s: int | None = None
    """Seconds since the last UP/DOWN change."""
    downtime_s: int | None = None
    chkfail: int | None = None
    chkdown: int | None = None
    weight: int | None = None


@dataclass(frozen=True)
class HaproxyBackend:
    """The BACKEND summary row of one proxy: its aggregate status and server counts."""

    proxy: str
    status: ServerStatus
    status_raw: str
    active_servers: int | None = None
    backup_servers: int | None = None
    last_change_s: int | None = None


@dataclass(frozen=True)
class HaproxyObservation:
    """HAProxy `show stat` on one LB node: per-server rows and per-backend summaries."""

    servers: tuple[HaproxyServer, ...]
    backends: tuple[HaproxyBackend, ...]

    def backend(self, proxy: str) -> HaproxyBackend | None:
        """The summary row of one proxy, if HAProxy printed one."""
        return next((b for b in self.backends if b.proxy == proxy), None)


@dataclass(frozen=True)
class BackendConnect:
    """The result of opening a TCP connection to one backend from one LB node.

    Not parsed from text: the probe runner makes it (nginx OSS has no status API for stream
    upstreams, so hatui tries each apiserver from each nginx node).
    """

    backend: str
    """"host:port", as in nginx's `upstream` block."""
    ok: bool
    error: str | None = None
    duration_ms: float | None = None


@dataclass(frozen=True)
class NginxUpstreamFailure:
    """The latest failure nginx logged for one upstream server, and how many it logged."""

    upstream: str
    """"host:port", or the upstream group's name for "no live upstreams"."""
    reason: str
    """E.g. "connect() failed (111: Connection refused)"."""
    last_at: float | None
    time_text: str
    count: int
    disabled: bool = False
    """nginx said "upstream server temporarily disabled" (max_fails reached) at or after it."""
    listen: str | None = None
    """nginx's `server:` field: the listening address the client used."""


@dataclass(frozen=True)
class NginxErrorLog:
    """Per-upstream failures read from nginx's stream error log."""

    failures: tuple[NginxUpstreamFailure, ...]
    skipped_lines: int = 0

    def failure(self, upstream: str) -> NginxUpstreamFailure | None:
        """The failure entry of one upstream, if the log had any."""
        return next((f for f in self.failures if f.upstream == upstream), None)


@dataclass(frozen=True)
class NginxObservation:
    """nginx on one LB node: a TCP connect per backend plus what its error log says."""

    connects: tuple[BackendConnect, ...]
    log: NginxErrorLog | ProbeError | None = None


@dataclass(frozen=True)
class LvsRealServer:
    """One real server line of `ipvsadm -Ln`."""

    address: str
    port: int
    forward: str
    """"Route" (DR), "Masq" (NAT), "Tunnel", "Local"."""
    weight: int
    active_conns: int
    inactive_conns: int


@dataclass(frozen=True)
class LvsVirtualService:
    """One virtual service of `ipvsadm -Ln` with its real servers."""

    protocol: str
    """"TCP", "UDP", "SCTP" or "FWM" (firewall mark)."""
    address: str
    """The virtual address, or the firewall mark's number for FWM."""
    port: int | None
    scheduler: str
    flags: tuple[str, ...]
    real_servers: tuple[LvsRealServer, ...]


@dataclass(frozen=True)
class LvsObservation:
    """The IPVS table on one LB node."""

    services: tuple[LvsVirtualService, ...]


LbObservation = HaproxyObservation | NginxObservation | LvsObservation
"""Whatever the load-balancer probe of one node observed."""


# --------------------------------------------------------------------------------------------
# etcd


@dataclass(frozen=True)
class EtcdEndpointStatus:
    """One entry of `etcdctl endpoint status -w json`."""

    endpoint: str
    member_id: int
    leader_id: int | None
    """None when the member knows no leader (etcd writes no `leader` key then)."""
    raft_term: int | None
    raft_index: int | None
    raft_applied_index: int | None
    db_size: int | None
    db_size_in_use: int | None
    version: str | None
    cluster_id: int | None = None
    errors: tuple[str, ...] = ()
    is_learner: bool = False

    @property
    def member_id_hex(self) -> str:
        """The member id as etcdctl's table prints it (`%x`)."""
        return format(self.member_id, "x")

    @property
    def is_leader(self) -> bool:
        """This endpoint is the leader (its id equals the leader id it reports)."""
        return self.leader_id is not None and self.leader_id == self.member_id


@dataclass(frozen=True)
class EtcdEndpointFailure:
    """An endpoint etcdctl could not query; from its stderr ("Failed to get the status...")."""

    endpoint: str
    error: str


@dataclass(frozen=True)
class EtcdStatusResult:
    """`etcdctl endpoint status`: the endpoints that answered and those that did not."""

    statuses: tuple[EtcdEndpointStatus, ...]
    failures: tuple[EtcdEndpointFailure, ...] = ()


@dataclass(frozen=True)
class EtcdEndpointHealth:
    """One entry of `etcdctl endpoint health -w json`, or etcd's own `/health` answer."""

    endpoint: str
    healthy: bool
    took_ms: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class EtcdMember:
    """One member of `etcdctl member list -w json`."""

    member_id: int
    name: str
    """Empty for a member that was added but has not started yet."""
    peer_urls: tuple[str, ...]
    client_urls: tuple[str, ...]
    is_learner: bool = False

    @property
    def member_id_hex(self) -> str:
        """The member id as etcdctl's table prints it (`%x`)."""
        return format(self.member_id, "x")


@dataclass(frozen=True)
class EtcdMemberList:
    """`etcdctl member list -w json`."""

    members: tuple[EtcdMember, ...]
    cluster_id: int | None = None


@dataclass(frozen=True)
class EtcdAlarm:
    """One line of `etcdctl alarm list` (e.g. NOSPACE, CORRUPT)."""

    member_id_hex: str
    alarm: str


@dataclass(frozen=True)
class EtcdMemberView:
    """One etcd member as seen from one node: identity, raft position, health, errors."""

    id_hex: str | None
    name: str | None
    endpoint: str | None
    is_leader: bool | None
    raft_term: int | None = None
    raft_index: int | None = None
    db_size: int | None = None
    version: str | None = None
    errors: tuple[str, ...] = ()
    """etcd's own errors (e.g. "etcdserver: no leader") and etcdctl's failures to reach it."""
    healthy: bool | None = None
    """From `endpoint health` (or `/health`); else from `endpoint status` (answered without
    errors); None when nothing said."""
    is_learner: bool = False


@dataclass(frozen=True)
class EtcdObservation:
    """The etcd cluster as seen from one node, combined from etcdctl's outputs."""

    members: tuple[EtcdMemberView, ...]
    leader_id_hex: str | None = None
    cluster_id_hex: str | None = None
    alarms: tuple[EtcdAlarm, ...] = ()
    problems: tuple[ProbeError, ...] = ()
    """Parts that failed (e.g. `member list` timed out) while others answered."""


# --------------------------------------------------------------------------------------------
# kube-apiserver


@dataclass(frozen=True)
class ApiHealthObservation:
    """A kube-apiserver health endpoint (`/readyz?verbose`, `/livez?verbose`) answer."""

    endpoint: str
    """"readyz" or "livez" (or whichever path was asked)."""
    ok: bool
    status_code: int | None = None
    failed_checks: tuple[str, ...] = ()
    passed_checks: tuple[str, ...] = ()
    message: str = ""
    """The closing line ("readyz check failed") or the reason of a refusal (HTTP 403...)."""

    @property
    def refused(self) -> bool:
        """The apiserver answered but refused the request (401/403): up, readiness unknown."""
        return self.status_code in (401, 403)


# --------------------------------------------------------------------------------------------
# the Kubernetes API, through the kubeconfig (from the jump host)


class ConditionStatus(enum.StrEnum):
    """A Node condition's status as the API writes it (`"True"`, `"False"`, `"Unknown"`)."""

    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


@dataclass(frozen=True)
class KubeNode:
    """One Node as the API lists it: its Ready condition, and what identifies it.

    `ready` is the Ready condition's status: True while the kubelet posts ready status,
    False when the kubelet says it is not ready (runtime down, network not ready...), Unknown
    when the kubelet stopped posting (the node controller's "Kubelet stopped posting node
    status.") or the node has no Ready condition. kubectl shows both False and Unknown as
    NotReady.
    """

    name: str
    ready: ConditionStatus
    reason: str | None = None
    """The Ready condition's reason: "KubeletReady", "KubeletNotReady", "NodeStatusUnknown"."""
    message: str | None = None
    """The Ready condition's message, e.g. "Kubelet stopped posting node status."."""
    last_heartbeat: float | None = None
    """When the kubelet last posted this condition (epoch seconds)."""
    last_transition: float | None = None
    """When the Ready status last changed (epoch seconds)."""
    control_plane: bool = False
    """Labelled node-role.kubernetes.io/control-plane (or the older .../master)."""
    internal_ip: str | None = None
    kubelet_version: str | None = None
    unschedulable: bool = False
    """Cordoned (`spec.unschedulable`)."""

    @property
    def is_ready(self) -> bool:
        """The Ready condition is True."""
        return self.ready is ConditionStatus.TRUE

    @property
    def status_text(self) -> str:
        """`kubectl get nodes`' STATUS: "Ready", "NotReady", "Ready,SchedulingDisabled"..."""
        text = "Ready" if self.is_ready else "NotReady"
        return text + ",SchedulingDisabled" if self.unschedulable else text


@dataclass(frozen=True)
class KubeNodeList:
    """The Nodes the API listed (hatui asks for control-plane nodes only)."""

    nodes: tuple[KubeNode, ...]

    def node(self, name: str) -> KubeNode | None:
        """The Node of this name, if listed."""
        return next((n for n in self.nodes if n.name == name), None)

    @property
    def not_ready(self) -> tuple[KubeNode, ...]:
        """The Nodes whose Ready condition is not True."""
        return tuple(n for n in self.nodes if not n.is_ready)


@dataclass(frozen=True)
class LeaderLease:
    """A leader-election Lease (kube-system/kube-controller-manager, .../kube-scheduler).

    The holder renews `renew_time` every retry period (2 s by default); a candidate takes the
    lease over once it has not been renewed for `lease_duration_s` (15 s by default).
    """

    name: str
    namespace: str
    holder_identity: str | None
    """As the component writes it: "<hostname>_<uuid>"; None or "" when nobody holds it."""
    lease_duration_s: int | None = None
    acquire_time: float | None = None
    renew_time: float | None = None
    transitions: int | None = None
    """How many times the lease changed holders."""

    @property
    def holder(self) -> str | None:
        """The holder's node (hostname): `holder_identity` up to its first "_"."""
        if not self.holder_identity:
            return None
        return self.holder_identity.split("_", 1)[0] or None

    def expired(self, now: float, grace: float = 0.0) -> bool | None:
        """Not renewed for longer than its duration (+ `grace`); None when that is unknown."""
        if self.renew_time is None or self.lease_duration_s is None:
            return None
        return now > self.renew_time + self.lease_duration_s + grace


@dataclass(frozen=True)
class KubeApiObservation:
    """What the kubernetes client read through the kubeconfig's server (the VIP, normally).

    Each part may fail on its own (a lease not found, nodes forbidden): it is then a
    `ProbeError`. When no request got an answer at all, the probe fails as a whole instead.
    """

    server: str
    """The kubeconfig's server URL, e.g. "https://10.231.0.10:16443"."""
    nodes: KubeNodeList | ProbeError
    controller_manager: LeaderLease | ProbeError
    """kube-system/kube-controller-manager."""
    scheduler: LeaderLease | ProbeError
    """kube-system/kube-scheduler."""

    @property
    def leases(self) -> tuple[tuple[str, LeaderLease | ProbeError], ...]:
        """(lease name, lease or error) for both leader leases."""
        return (
            ("kube-controller-manager", self.controller_manager),
            ("kube-scheduler", self.scheduler),
        )
