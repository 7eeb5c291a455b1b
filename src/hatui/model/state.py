"""The cluster picture: per-node observations, each timestamped, and the derived verdicts.

Everything is frozen: a `ClusterState` is built once per sweep by `derive` and handed to the
UI, the status command and recordings as is. An unreachable node is a `NodeObservation` with
a reason and a retry time, not an exception; a probe that failed is a `Probe` holding a
`ProbeError`. Times are epoch seconds (`time.time()`), ages are computed against a `now`
passed in, so the model never reads the clock itself. No colours or markup live here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from hatui.model.spec import ClusterSpec
from hatui.observations import (
    AddressObservation,
    ApiHealthObservation,
    EtcdObservation,
    KeepalivedLog,
    KeepalivedObservation,
    KubeApiObservation,
    LbObservation,
    ProbeError,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Probe(Generic[T]):
    """One probe's outcome on one node (an observation or an error) and when it was made."""

    result: T | ProbeError
    observed_at: float

    @property
    def value(self) -> T | None:
        """The observation, or None when the probe failed."""
        return None if isinstance(self.result, ProbeError) else self.result

    @property
    def error(self) -> ProbeError | None:
        """The error, or None when the probe succeeded."""
        return self.result if isinstance(self.result, ProbeError) else None

    def age(self, now: float) -> float:
        """Seconds since the observation was made."""
        return now - self.observed_at


@dataclass(frozen=True)
class NodeObservation:
    """Everything observed on one master in one sweep. A probe left None was not run."""

    name: str
    reachable: bool = True
    unreachable_reason: str | None = None
    """Why SSH to the node failed (refused, timeout, host key...), when it did."""
    retry_at: float | None = None
    """When the transport will try to reconnect (epoch seconds), when unreachable."""
    checked_at: float | None = None
    """When reachability was last decided."""
    addresses: Probe[AddressObservation] | None = None
    keepalived: Probe[KeepalivedObservation] | None = None
    keepalived_log: Probe[KeepalivedLog] | None = None
    lb: Probe[LbObservation] | None = None
    etcd: Probe[EtcdObservation] | None = None
    readyz: Probe[ApiHealthObservation] | None = None
    livez: Probe[ApiHealthObservation] | None = None

    @classmethod
    def unreachable(
        cls, name: str, reason: str, *, retry_at: float | None, checked_at: float
    ) -> NodeObservation:
        """A node SSH could not reach, with why and when it will be tried again."""
        return cls(
            name=name,
            reachable=False,
            unreachable_reason=reason,
            retry_at=retry_at,
            checked_at=checked_at,
        )

    def probes(self) -> tuple[tuple[str, Probe[Any]], ...]:
        """(probe name, probe) for every probe that was run."""
        named: tuple[tuple[str, Probe[Any] | None], ...] = (
            ("addresses", self.addresses),
            ("keepalived", self.keepalived),
            ("keepalived log", self.keepalived_log),
            ("load balancer", self.lb),
            ("etcd", self.etcd),
            ("readyz", self.readyz),
            ("livez", self.livez),
        )
        return tuple((n, p) for n, p in named if p is not None)

    def age(self, now: float) -> float | None:
        """Seconds since the oldest of this node's observations; None when it has none."""
        times = [p.observed_at for _, p in self.probes()]
        if not times and self.checked_at is not None:
            times = [self.checked_at]
        return now - min(times) if times else None


class Verdict(enum.StrEnum):
    """The one-word state of the whole control plane, most severe first in precedence."""

    SPLIT_BRAIN = "SPLIT-BRAIN"
    QUORUM_LOST = "QUORUM-LOST"
    API_DOWN = "API-DOWN"
    DEGRADED = "DEGRADED"
    HEALTHY = "HEALTHY"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class EtcdQuorum:
    """etcd's voting members and how many of them are healthy."""

    members: int
    healthy: int
    unknown: int = 0
    """Members nobody could say anything about (e.g. their node is unreachable)."""
    leader: str | None = None
    """The leader's name (or hex id when the name is unknown); None when there is none."""

    @property
    def needed(self) -> int:
        """Members needed for quorum: n // 2 + 1."""
        return self.members // 2 + 1

    @property
    def tolerates(self) -> int:
        """How many more members may fail before quorum is lost (negative: already lost)."""
        return self.healthy - self.needed

    @property
    def has_quorum(self) -> bool | None:
        """True/False when certain; None when the unknown members decide it."""
        if self.healthy >= self.needed:
            return True
        if self.healthy + self.unknown < self.needed:
            return False
        return None


@dataclass(frozen=True)
class LbBackends:
    """The API backends one LB node can send traffic to."""

    node: str
    kind: str
    proxy: str | None
    """The HAProxy backend or LVS service this is about (None for nginx)."""
    up: int
    total: int
    down: tuple[str, ...] = ()
    """Names (HAProxy server names, addresses) of the backends that are not up."""


@dataclass(frozen=True)
class Verdicts:
    """What `derive` concluded, with the facts behind it."""

    verdict: Verdict
    reasons: tuple[str, ...]
    """Human sentences, most severe first; empty when HEALTHY."""
    vip_holders: tuple[str, ...]
    vip_unknown_on: tuple[str, ...] = ()
    """Nodes whose addresses could not be read (the VIP may be there)."""
    expected_master: str | None = None
    """The node VRRP should elect: highest effective priority, ties to the higher IP."""
    expected_priority: int | None = None
    vrrp_masters: tuple[str, ...] = ()
    """Nodes whose keepalived reports MASTER for the instance."""
    api_via_vip: bool | None = None
    """The API answered through the client endpoint from the jump host (None: not probed)."""
    lb: tuple[LbBackends, ...] = ()
    etcd: EtcdQuorum | None = None
    nodes_not_ready: tuple[str, ...] = ()
    """Control-plane Nodes whose Ready condition is not True (from the kubeconfig's API)."""
    controller_manager_leader: str | None = None
    """The node holding a live kube-controller-manager lease; None: nobody, or not known."""
    scheduler_leader: str | None = None
    """The node holding a live kube-scheduler lease; None: nobody, or not known."""

    @property
    def split_brain(self) -> bool:
        """More than one node holds the VIP."""
        return len(self.vip_holders) > 1

    @property
    def vip_holder(self) -> str | None:
        """The one node holding the VIP, or None (nobody, several, or unknown)."""
        return self.vip_holders[0] if len(self.vip_holders) == 1 else None

    @property
    def vip_outage(self) -> bool:
        """No node holds the VIP, and every node's addresses were read."""
        return not self.vip_holders and not self.vip_unknown_on


@dataclass(frozen=True)
class ClusterState:
    """One sweep's picture of the control plane: observations plus verdicts."""

    spec: ClusterSpec
    nodes: tuple[NodeObservation, ...]
    api_via_vip: Probe[ApiHealthObservation] | None
    verdicts: Verdicts
    derived_at: float
    kube_api: Probe[KubeApiObservation] | None = None
    """Nodes and leader leases through the kubeconfig (None: no kubeconfig, not probed)."""

    @property
    def verdict(self) -> Verdict:
        """Shortcut to `verdicts.verdict`."""
        return self.verdicts.verdict

    def node(self, name: str) -> NodeObservation | None:
        """The observation of one node by name."""
        return next((n for n in self.nodes if n.name == name), None)

    def age(self, now: float) -> float:
        """Seconds since the stalest observation in this picture (or since it was derived)."""
        times = [p.observed_at for n in self.nodes for _, p in n.probes()]
        if self.api_via_vip is not None:
            times.append(self.api_via_vip.observed_at)
        if self.kube_api is not None:
            times.append(self.kube_api.observed_at)
        return now - (min(times) if times else self.derived_at)
