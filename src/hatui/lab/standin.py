"""A STAND-IN for kube-apiserver — the one fake part of the hatui lab.

kube-apiserver is not packaged for Debian, so each lab master runs this small HTTPS server
on :6443 instead. It is *not* Kubernetes: it serves just what hatui and the kubernetes
client read — `/readyz` (with `?verbose`), `/livez`, `/healthz`, `/version`, a NodeList at
`/api/v1/nodes` and the controller-manager / scheduler leases — and, like the real one,
turns not ready when its etcd (the local member, over TLS with the apiserver-etcd-client
cert) is unreachable or has lost quorum. Everything else in the lab is the real daemon.
"""

from __future__ import annotations

import argparse
import json
import ssl
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PKI = "/etc/kubernetes/pki"
STANDIN_VERSION = "v1.28.15-hatui-lab-standin"


class EtcdWatch:
    """Polls etcd's /health once a second so a probe of /readyz answers at once."""

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


def _status(code: int, reason: str, message: str) -> dict:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def node_list(names: list[str]) -> dict:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    items = [
        {
            "metadata": {
                "name": n,
                "labels": {"node-role.kubernetes.io/control-plane": ""},
                "creationTimestamp": now,
            },
            "status": {
                "conditions": [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "KubeletReady",
                        "lastHeartbeatTime": now,
                        "lastTransitionTime": now,
                        "message": "hatui lab stand-in",
                    }
                ]
            },
        }
        for n in names
    ]
    return {
        "kind": "NodeList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "1"},
        "items": items,
    }


def lease(name: str, holder: str) -> dict:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    return {
        "kind": "Lease",
        "apiVersion": "coordination.k8s.io/v1",
        "metadata": {"name": name, "namespace": "kube-system"},
        "spec": {
            "holderIdentity": f"{holder}_hatui-lab",
            "leaseDurationSeconds": 15,
            "acquireTime": now,
            "renewTime": now,
            "leaseTransitions": 0,
        },
    }


def make_handler(node: str, nodes: list[str], etcd: EtcdWatch) -> type[BaseHTTPRequestHandler]:
    leases = ("kube-controller-manager", "kube-scheduler")
    lease_path = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 10  # seconds a connection may stay idle
        server_version = "hatui-lab-apiserver-standin"

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

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            url = urlsplit(self.path)
            path = url.path.rstrip("/") or "/"
            verbose = "verbose" in parse_qs(url.query, keep_blank_values=True)
            if path in ("/readyz", "/livez", "/healthz"):
                code, body = health_body(path[1:], etcd.ok, verbose)
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
            if path == "/":
                return self._send(
                    403,
                    _status(
                        403, "Forbidden", 'forbidden: User "system:anonymous" cannot get path "/"'
                    ),
                )
            if not etcd.ok:
                return self._send(
                    503,
                    _status(
                        503, "ServiceUnavailable", f"etcdserver: request timed out ({etcd.reason})"
                    ),
                )
            if path == "/api/v1/nodes":
                return self._send(200, node_list(nodes))
            if path == lease_path:
                return self._send(
                    200,
                    {
                        "kind": "LeaseList",
                        "apiVersion": "coordination.k8s.io/v1",
                        "metadata": {},
                        "items": [lease(n, nodes[0]) for n in leases],
                    },
                )
            if path.startswith(lease_path + "/") and path.rsplit("/", 1)[1] in leases:
                return self._send(200, lease(path.rsplit("/", 1)[1], nodes[0]))
            return self._send(
                404,
                _status(
                    404,
                    "NotFound",
                    "the server could not find the requested resource (hatui lab stand-in)",
                ),
            )

    return Handler


def main() -> None:
    p = argparse.ArgumentParser(prog="hatui.lab.standin", description=__doc__)
    p.add_argument("--node", required=True)
    p.add_argument("--address", default="0.0.0.0")
    p.add_argument("--port", type=int, default=6443)
    p.add_argument("--etcd-endpoints", required=True)
    p.add_argument("--nodes", required=True)
    a = p.parse_args()
    etcd = EtcdWatch(a.etcd_endpoints.split(","))
    threading.Thread(target=etcd.run, daemon=True).start()
    server = ThreadingHTTPServer(
        ("0.0.0.0", a.port), make_handler(a.node, a.nodes.split(","), etcd)
    )
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{PKI}/apiserver.crt", f"{PKI}/apiserver.key")
    # Handshake in the handler thread, not in accept(): a TCP health check (HAProxy's
    # `check`) or a slow client must never hold up other clients.
    server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    print(
        f"hatui lab kube-apiserver STAND-IN (not Kubernetes) on :{a.port}, node {a.node}",
        flush=True,
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
