"""Probe runners: build each probe group's remote command, run it, hand the text to a parser.

One module per group: `vip` (ip -o addr), `keepalived` (fresh JSON + DATA dumps and the log),
`lb` (HAProxy admin socket, nginx connects + error log, ipvsadm), `etcd` (etcdctl, crictl
or the gRPC gateway), `apiserver` (each master's /readyz and /livez, and the API through
the VIP from this machine) and `kube_api` (with a kubeconfig: Node Ready and the leader
leases, through the kubernetes client from this machine). Each makes at most one round trip
per node, depends only on the `Transport` interface, and returns `Probe` values: a
transport failure or a bad exit is a `ProbeError` in the probe, never an exception.
Commands are built from validated inventory values, shell-quoted
(`hatui.inventory.shell_quote`).

`hatui.collector` runs them all, on all nodes, in parallel.
"""

from hatui.probes.apiserver import check_api_via_vip, probe_apiserver
from hatui.probes.etcd import probe_etcd
from hatui.probes.keepalived import probe_keepalived
from hatui.probes.kube_api import KubeApi, kube_api_for
from hatui.probes.lb import probe_lb
from hatui.probes.vip import probe_addresses

__all__ = [
    "KubeApi",
    "check_api_via_vip",
    "kube_api_for",
    "probe_addresses",
    "probe_apiserver",
    "probe_etcd",
    "probe_keepalived",
    "probe_lb",
]
