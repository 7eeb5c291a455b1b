"""A STAND-IN for kube-apiserver — the one fake part of the hatui lab.

kube-apiserver is not packaged for Debian, so each lab master runs this small HTTPS server
on :6443 instead. It is *not* Kubernetes: it serves just what hatui and the kubernetes
client read — `/readyz` (with `?verbose`), `/livez`, `/healthz`, `/version`, the Nodes at
`/api/v1/nodes` and the controller-manager / scheduler leases — and, like the real one,
turns not ready when its etcd (the local member, over TLS with the apiserver-etcd-client
cert) is unreachable or has lost quorum. Everything else in the lab is the real daemon.

What it makes up, and how, so that the lab's faults still have their real effects:

- **Nodes**: one control-plane Node per lab master. The real Ready condition comes from the
  kubelet's heartbeats; the lab has no kubelet, so each node runs a placeholder
  (`hatui.lab.kubelet`, unit `kubelet`) and every stand-in asks each placeholder once a
  second. A node whose placeholder has not answered for `NODE_GRACE_S` is Ready=Unknown,
  "Kubelet stopped posting node status." — what the node lifecycle controller writes for a
  real stopped kubelet, after 40 s instead of 3.
- **Leader leases** (`kube-system/kube-controller-manager`, `kube-system/kube-scheduler`):
  each stand-in also plays both components' leader election, with their defaults (lease
  15 s, retry 2 s), holder identity `<node>_<uuid>` as the real ones write it. The Lease is
  kept in etcd (as JSON under `/registry/leases/...`, through etcd's v3 JSON gateway), so
  every stand-in serves the same holder. A candidate only renews or takes a lease while its
  own apiserver answers on the node's address (the real components reach their apiserver
  there), so a stopped or rejected apiserver loses its leases; an expired lease is taken by
  the first master in inventory order that can, each master waiting `TAKEOVER_STEP_S` per
  rank, so who takes over is predictable, and a holder keeps its lease as long as it renews.
- **Authentication**: like a real apiserver, requests under `/api` and `/apis` need a client
  certificate signed by the cluster CA (the lab's kubeconfig has one); anonymous requests get
  403, while the health endpoints stay open to anonymous clients (curl, HAProxy, keepalived).
"""

from __future__ import annotations

import argparse
import base64
import json
import platform
import ssl
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PKI = "/etc/kubernetes/pki"
STANDIN_VERSION = "v1.28.15-hatui-lab-standin"

KUBELET_PORT = 10248
"""Where the kubelet placeholders answer `/healthz` (see `hatui.lab.kubelet`)."""
NODE_GRACE_S = 3.0
"""A node is NotReady when its kubelet has not answered for this long (real: 40 s; longer
in labs of more than 10 masters, see `KubeletWatch`)."""
LEASES = ("kube-controller-manager", "kube-scheduler")
LEASE_DURATION_S = 15
"""--leader-elect-lease-duration of both components (their default)."""
RETRY_PERIOD_S = 2.0
"""--leader-elect-retry-period (their default): how often a candidate tries."""
TAKEOVER_STEP_S = 2.5
"""How much longer than the lease each later master waits before taking an expired lease:
more than one retry period, so the first master in order that can take it always does."""
LEASE_PATH = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases"


def _rfc3339(t: float, micro: bool = False) -> str:
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ"
    return datetime.fromtimestamp(t, UTC).strftime(fmt)


def _epoch(text: object) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


# ---- etcd: health for /readyz, and a tiny KV client for the leases ----------------------------


class Etcd:
    """The stand-in's etcd: polls /health once a second (so /readyz answers at once), and
    reads and compare-and-swaps Lease objects through etcd's v3 JSON gateway."""

    def __init__(self, endpoints: list[str]) -> None:
        self.endpoints = endpoints
        self.ok = False
        self.reason = "not checked yet"
        ctx = ssl.create_default_context(cafile=f"{PKI}/etcd/ca.crt")
        ctx.load_cert_chain(f"{PKI}/apiserver-etcd-client.crt", f"{PKI}/apiserver-etcd-client.key")
        self._ctx = ctx

    def check_once(self) -> None:
        reasons = []
        for ep in self.endpoints:
            try:
                with urllib.request.urlopen(f"{ep}/health", timeout=2, context=self._ctx) as r:
                    body = json.loads(r.read() or b"{}")
                if body.get("health") == "true":
                    self.ok, self.reason = True, ""
                    return
                reasons.append(f"{ep}: health {body.get('health')}")
            except urllib.error.HTTPError as e:
                reasons.append(f"{ep}: HTTP {e.code}")
            except (OSError, ValueError) as e:
                reasons.append(f"{ep}: {e}")
        self.ok, self.reason = False, "; ".join(reasons)

    def run(self) -> None:
        while True:
            self.check_once()
            time.sleep(1.0)

    def _call(self, path: str, body: dict) -> dict:
        """POST to the first endpoint that answers; raises OSError/ValueError if none does."""
        error: Exception = OSError("no etcd endpoint")
        for ep in self.endpoints:
            request = urllib.request.Request(
                f"{ep}{path}",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=2, context=self._ctx) as r:
                    return json.loads(r.read() or b"{}")
            except (OSError, ValueError) as e:
                error = e
        raise error

    @staticmethod
    def _b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    def get(self, key: str) -> tuple[dict | None, int]:
        """(the JSON value, its mod_revision), or (None, 0) when the key does not exist."""
        answer = self._call("/v3/kv/range", {"key": self._b64(key)})
        kvs = answer.get("kvs") or []
        if not kvs:
            return None, 0
        value = json.loads(base64.b64decode(kvs[0].get("value", "")) or b"null")
        return value, int(kvs[0].get("mod_revision", 0))

    def put_if(self, key: str, value: dict, mod_revision: int) -> bool:
        """Write `value` if the key is still at `mod_revision` (0: does not exist yet)."""
        compare = (
            {"target": "MOD", "mod_revision": str(mod_revision)}
            if mod_revision
            else {"target": "CREATE", "create_revision": "0"}
        )
        answer = self._call(
            "/v3/kv/txn",
            {
                "compare": [{"key": self._b64(key), "result": "EQUAL", **compare}],
                "success": [
                    {"request_put": {"key": self._b64(key), "value": self._b64(json.dumps(value))}}
                ],
            },
        )
        return bool(answer.get("succeeded"))


# ---- nodes --------------------------------------------------------------------------------


class KubeletWatch:
    """Asks every node's kubelet placeholder, once a second in labs of up to 10 masters (every
    n/10 s in larger ones: each stand-in asks every node); remembers when each answered."""

    def __init__(self, kubelets: dict[str, str]) -> None:
        self.kubelets = kubelets
        self.interval = max(1.0, len(kubelets) / 10)
        self.grace = max(NODE_GRACE_S, 3 * self.interval)
        """How long a node may go unheard before it is NotReady."""
        self.last_ok: dict[str, float] = {}
        self.changed: dict[str, float] = {}
        self._ready: dict[str, bool] = {}
        self.started = time.time()

    def check(self, name: str) -> None:
        url = f"http://{self.kubelets[name]}:{KUBELET_PORT}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.read().strip() == b"ok":
                    self.last_ok[name] = time.time()
        except (OSError, ValueError):
            pass  # no answer: the heartbeat is missed, as with a stopped kubelet
        ready = self.ready(name, time.time())
        if self._ready.get(name) is not ready:
            self._ready[name] = ready
            self.changed[name] = time.time()

    def ready(self, name: str, now: float) -> bool:
        last = self.last_ok.get(name)
        return last is not None and now - last <= self.grace

    def run(self) -> None:
        with ThreadPoolExecutor(max_workers=min(8, len(self.kubelets))) as pool:
            while True:
                began = time.monotonic()
                list(pool.map(self.check, self.kubelets))
                time.sleep(max(0.0, self.interval - (time.monotonic() - began)))

    def start(self) -> None:
        if self.kubelets:
            threading.Thread(target=self.run, daemon=True).start()


_HEALTHY_CONDITIONS = (
    (
        "MemoryPressure",
        "False",
        "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available",
    ),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)


def node_object(name: str, address: str | None, kubelets: KubeletWatch | None, now: float) -> dict:
    """One Node as `kubectl get node -o json` shows a kubeadm control-plane node."""
    taints = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    heartbeat: float | None
    if kubelets is None:  # a lab made before the kubelet placeholders: Ready, as it used to be
        heartbeat, changed, ready = now, now, True
    else:
        heartbeat = kubelets.last_ok.get(name)
        changed = kubelets.changed.get(name, kubelets.started)
        ready = kubelets.ready(name, now)
    conditions: list[dict[str, str | None]]
    if ready:
        conditions = [
            {
                "type": t,
                "status": s,
                "reason": r,
                "message": m,
                "lastHeartbeatTime": _rfc3339(heartbeat or now),
                "lastTransitionTime": _rfc3339(changed),
            }
            for t, s, r, m in _HEALTHY_CONDITIONS
        ]
    else:
        message = (
            "Kubelet stopped posting node status."
            if heartbeat is not None
            else "Kubelet never posted node status."
        )
        conditions = [
            {
                "type": t,
                "status": "Unknown",
                "reason": "NodeStatusNeverUpdated" if heartbeat is None else "NodeStatusUnknown",
                "message": message,
                "lastHeartbeatTime": _rfc3339(heartbeat) if heartbeat is not None else None,
                "lastTransitionTime": _rfc3339(changed),
            }
            for t, _s, _r, _m in _HEALTHY_CONDITIONS
        ]
        taints += [
            {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"},
            {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"},
        ]
    addresses = [{"type": "InternalIP", "address": address}] if address else []
    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "uid": str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.node.hatui-lab")),
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "node-role.kubernetes.io/control-plane": "",
                "node.kubernetes.io/exclude-from-external-load-balancers": "",
            },
            "annotations": {"hatui.lab/stand-in": "not a real Node: made up by the lab"},
        },
        "spec": {"taints": taints},
        "status": {
            "conditions": conditions,
            "addresses": [*addresses, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.boot.hatui-lab")),
                "containerRuntimeVersion": "none://hatui-lab",
                "kernelVersion": platform.release(),
                "kubeProxyVersion": STANDIN_VERSION,
                "kubeletVersion": STANDIN_VERSION,
                "machineID": uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.hatui-lab").hex,
                "operatingSystem": "linux",
                "osImage": "hatui lab node (no containers)",
                "systemUUID": str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.hatui-lab")),
            },
        },
    }


def selector_matches(selector: str, labels: dict[str, str]) -> bool:
    """A label selector's equality/existence terms (`a`, `!a`, `a=b`, `a==b`, `a!=b`)."""
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if "!=" in term:
            key, value = (s.strip() for s in term.split("!=", 1))
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, value = (s.strip() for s in term.replace("==", "=").split("=", 1))
            if labels.get(key) != value:
                return False
        elif term.startswith("!"):
            if term[1:].strip() in labels:
                return False
        elif term not in labels:
            return False
    return True


# ---- leader leases ------------------------------------------------------------------------


def lease_key(name: str) -> str:
    return f"/registry/leases/kube-system/{name}"


class LeaderElection:
    """Both components' leader election on this master, as client-go's leaderelection does
    it (acquire an absent or expired lease, renew it every retry period), with the lease in
    etcd. Only runs while this master's own apiserver answers on the node's address."""

    def __init__(self, node: str, rank: int, address: str, port: int, etcd: Etcd) -> None:
        self.identity = f"{node}_{uuid.uuid4()}"
        self.rank = rank
        self._free_since: dict[str, float] = {}
        """When this candidate first found each lease absent (it waits its rank from then)."""
        self.etcd = etcd
        self._self_url = f"https://{address}:{port}/livez"
        self._ctx: ssl.SSLContext | None = None

    def own_apiserver_answers(self) -> bool:
        try:
            if self._ctx is None:
                self._ctx = ssl.create_default_context(cafile=f"{PKI}/ca.crt")
            with urllib.request.urlopen(self._self_url, timeout=1, context=self._ctx) as r:
                return r.status == 200
        except (OSError, ValueError):
            return False

    def step(self, name: str, now: float) -> None:
        current, revision = self.etcd.get(lease_key(name))
        spec = (current or {}).get("spec") or {}
        holder = spec.get("holderIdentity")
        if current is not None and holder == self.identity:
            new = json.loads(json.dumps(current))
            new["spec"]["renewTime"] = _rfc3339(now, micro=True)
        else:
            renewed = _epoch(spec.get("renewTime"))
            if not holder or renewed is None:  # absent or released: free since we first saw it
                renewed = self._free_since.setdefault(name, now)
                duration = 0
            else:
                self._free_since.pop(name, None)
                duration = spec.get("leaseDurationSeconds") or LEASE_DURATION_S
            if now < renewed + duration + self.rank * TAKEOVER_STEP_S:
                return  # held by someone who renews, or a candidate before us may take it
            transitions = spec.get("leaseTransitions") or 0
            meta = (current or {}).get("metadata") or {}
            new = {
                "kind": "Lease",
                "apiVersion": "coordination.k8s.io/v1",
                "metadata": {
                    "name": name,
                    "namespace": "kube-system",
                    "uid": meta.get("uid") or str(uuid.uuid4()),
                    "creationTimestamp": meta.get("creationTimestamp") or _rfc3339(now),
                },
                "spec": {
                    "holderIdentity": self.identity,
                    "leaseDurationSeconds": LEASE_DURATION_S,
                    "acquireTime": _rfc3339(now, micro=True),
                    "renewTime": _rfc3339(now, micro=True),
                    "leaseTransitions": transitions + 1 if current is not None else 0,
                },
            }
        self.etcd.put_if(lease_key(name), new, revision)

    def run(self) -> None:
        while True:
            began = time.monotonic()
            if self.own_apiserver_answers():
                for name in LEASES:
                    try:
                        self.step(name, time.time())
                    except (OSError, ValueError, KeyError, TypeError):
                        pass  # etcd unreachable or without quorum: try again next period
            time.sleep(max(0.0, RETRY_PERIOD_S - (time.monotonic() - began)))


# ---- HTTP -----------------------------------------------------------------------------------


def _checks(kind: str, etcd_ok: bool) -> list[tuple[str, bool]]:
    checks = [("ping", True), ("log", True), ("etcd", etcd_ok)]
    if kind == "readyz":
        checks += [
            ("etcd-readiness", etcd_ok),
            ("informer-sync", True),
            ("poststarthook/start-apiextensions-controllers", True),
        ]
    return checks


def health_body(kind: str, etcd_ok: bool, verbose: bool) -> tuple[int, str]:
    checks = _checks(kind, etcd_ok)
    passed = all(ok for _, ok in checks)
    if passed and not verbose:
        return 200, "ok"
    lines = [f"[+]{n} ok" if ok else f"[-]{n} failed: reason withheld" for n, ok in checks]
    lines.append(f"{kind} check passed" if passed else f"{kind} check failed")
    return (200 if passed else 500), "\n".join(lines) + "\n"


def _status(code: int, reason: str, message: str, details: dict | None = None) -> dict:
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        status["details"] = details
    return status


class State:
    """What the handlers read: this node, the masters, etcd, the kubelets."""

    def __init__(
        self,
        node: str,
        nodes: list[str],
        addresses: dict[str, str],
        etcd: Etcd,
        kubelets: KubeletWatch | None,
    ) -> None:
        self.node, self.nodes, self.addresses = node, nodes, addresses
        self.etcd, self.kubelets = etcd, kubelets

    def node_list(self, selector: str) -> dict:
        now = time.time()
        items = [node_object(n, self.addresses.get(n), self.kubelets, now) for n in self.nodes]
        items = [i for i in items if selector_matches(selector, i["metadata"]["labels"])]
        return {
            "kind": "NodeList",
            "apiVersion": "v1",
            "metadata": {"resourceVersion": str(int(now))},
            "items": items,
        }

    def lease(self, name: str) -> dict | None:
        value, revision = self.etcd.get(lease_key(name))
        if value is not None:
            value.setdefault("metadata", {})["resourceVersion"] = str(revision)
        return value


def make_handler(state: State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10  # seconds a connection may stay idle
        server_version = "hatui-lab-apiserver-standin"
        # headers and body go out in two writes: without this, a keep-alive client's
        # delayed ACK holds the body back 40 ms (Nagle)
        disable_nagle_algorithm = True

        def log_message(self, fmt: str, *args: object) -> None:  # quiet: one line per error
            pass

        def _send(self, code: int, body: str | dict, ctype: str = "text/plain") -> None:
            if isinstance(body, dict):
                data, ctype = json.dumps(body).encode(), "application/json"
            else:
                data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _user(self) -> str:
            """The client certificate's CN (verified against the cluster CA), or anonymous."""
            try:
                cert = self.connection.getpeercert()  # type: ignore[attr-defined]
            except (AttributeError, ValueError, OSError):
                cert = None
            for rdn in (cert or {}).get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        return value
            return "system:anonymous"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            url = urlsplit(self.path)
            path = url.path.rstrip("/") or "/"
            query = parse_qs(url.query, keep_blank_values=True)
            if path in ("/readyz", "/livez", "/healthz"):
                code, body = health_body(path[1:], state.etcd.ok, "verbose" in query)
                return self._send(code, body)
            if path == "/version":
                return self._send(
                    200,
                    {
                        "major": "1",
                        "minor": "28",
                        "gitVersion": STANDIN_VERSION,
                        "platform": "linux/amd64",
                    },
                )
            user = self._user()
            if user == "system:anonymous":
                return self._send(
                    403,
                    _status(403, "Forbidden", f'forbidden: User "{user}" cannot get path "{path}"'),
                )
            if not state.etcd.ok:
                return self._send(
                    503,
                    _status(
                        503,
                        "ServiceUnavailable",
                        f"etcdserver: request timed out ({state.etcd.reason})",
                    ),
                )
            try:
                return self._resource(path, query)
            except (OSError, ValueError) as e:  # etcd went away between the check and now
                return self._send(
                    503, _status(503, "ServiceUnavailable", f"etcdserver: request failed ({e})")
                )

        def _resource(self, path: str, query: dict[str, list[str]]) -> None:
            selector = (query.get("labelSelector") or [""])[0]
            if path == "/api/v1/nodes":
                return self._send(200, state.node_list(selector))
            if path.startswith("/api/v1/nodes/"):
                name = path.rsplit("/", 1)[1]
                found = [i for i in state.node_list("")["items"] if i["metadata"]["name"] == name]
                if found:
                    return self._send(200, found[0])
                return self._not_found(name, "", "nodes")
            if path == LEASE_PATH:
                items = [x for x in (state.lease(n) for n in LEASES) if x is not None]
                return self._send(
                    200,
                    {
                        "kind": "LeaseList",
                        "apiVersion": "coordination.k8s.io/v1",
                        "metadata": {},
                        "items": items,
                    },
                )
            if path.startswith(LEASE_PATH + "/"):
                name = path.rsplit("/", 1)[1]
                lease = state.lease(name) if name in LEASES else None
                if lease is not None:
                    return self._send(200, lease)
                return self._not_found(name, "coordination.k8s.io", "leases")
            return self._send(
                404,
                _status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource (hatui lab stand-in)",
                ),
            )

        def _not_found(self, name: str, group: str, kind: str) -> None:
            what = f"{kind}.{group}" if group else kind
            details = {"name": name, "group": group, "kind": kind} if group else None
            if details is None:
                details = {"name": name, "kind": kind}
            return self._send(404, _status(404, "NotFound", f'{what} "{name}" not found', details))

    return Handler


def _pairs(text: str) -> dict[str, str]:
    """ "m1=10.0.0.11,m2=10.0.0.12" -> {"m1": "10.0.0.11", ...}."""
    out = {}
    for item in filter(None, text.split(",")):
        name, _, address = item.partition("=")
        out[name] = address
    return out


def main() -> None:
    p = argparse.ArgumentParser(prog="hatui.lab.standin", description=__doc__)
    p.add_argument("--node", required=True)
    p.add_argument("--address", default="0.0.0.0")
    p.add_argument("--port", type=int, default=6443)
    p.add_argument("--etcd-endpoints", required=True)
    p.add_argument("--nodes", required=True, help="the masters' names, in inventory order")
    p.add_argument(
        "--kubelets",
        default=None,
        help="NAME=ADDRESS,... of the kubelet placeholders (without it, every node is Ready)",
    )
    a = p.parse_args()
    nodes = a.nodes.split(",")
    etcd = Etcd(a.etcd_endpoints.split(","))
    threading.Thread(target=etcd.run, daemon=True).start()
    kubelets = None
    addresses: dict[str, str] = {}
    if a.kubelets:
        addresses = _pairs(a.kubelets)
        kubelets = KubeletWatch(addresses)
        kubelets.start()
    server = ThreadingHTTPServer(
        ("0.0.0.0", a.port), make_handler(State(a.node, nodes, addresses, etcd, kubelets))
    )
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{PKI}/apiserver.crt", f"{PKI}/apiserver.key")
    # client certificates are asked for, not required: anonymous clients reach /readyz
    ctx.load_verify_locations(cafile=f"{PKI}/ca.crt")
    ctx.verify_mode = ssl.CERT_OPTIONAL
    # Handshake in the handler thread, not in accept(): a TCP health check (HAProxy's
    # `check`) or a slow client must never hold up other clients.
    server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    if a.address != "0.0.0.0":
        rank = nodes.index(a.node) if a.node in nodes else len(nodes)
        election = LeaderElection(a.node, rank, a.address, a.port, etcd)
        threading.Thread(target=election.run, daemon=True).start()
    print(
        f"hatui lab kube-apiserver STAND-IN (not Kubernetes) on :{a.port}, node {a.node}",
        flush=True,
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
