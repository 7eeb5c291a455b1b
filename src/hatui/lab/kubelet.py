"""A PLACEHOLDER for the kubelet in a hatui lab node: a process to stop, nothing more.

The lab runs no containers, so it has no kubelet. What hatui reads of a kubelet is the
Node's Ready condition, which the real kubelet keeps fresh by posting heartbeats to the
API. This placeholder stands for that: it only answers `GET /healthz` with `ok` (the real
kubelet's healthz port, 10248, here bound to the node's address instead of 127.0.0.1 so the
apiserver stand-ins can ask it), and the stand-ins (`hatui.lab.standin`) report a node Ready
while its placeholder answers. So `hatui-lab-svc stop kubelet` (issue 5's `kubelet-stop`
fault) turns the node NotReady, as stopping a real kubelet does, and nothing else changes.
"""

from __future__ import annotations

import argparse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = 10248


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5
    server_version = "hatui-lab-kubelet-placeholder"

    def log_message(self, fmt: str, *args: object) -> None:  # quiet: the stand-ins ask often
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        code, body = (200, b"ok") if self.path.split("?")[0] == "/healthz" else (404, b"")
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    p = argparse.ArgumentParser(prog="hatui.lab.kubelet", description=__doc__)
    p.add_argument("--address", required=True, help="the node's address to listen on")
    p.add_argument("--port", type=int, default=PORT)
    a = p.parse_args()
    server = ThreadingHTTPServer((a.address, a.port), Handler)
    server.daemon_threads = True
    print(
        f"hatui lab kubelet PLACEHOLDER (not a kubelet) on {a.address}:{a.port}/healthz",
        flush=True,
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
