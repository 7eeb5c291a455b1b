"""The kubeconfig probe's async wrapper against a small local HTTP server (loopback only):
what it asks, what it makes of answers, refusals, silence and bad kubeconfigs. Never raises."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hatui.observations import KubeApiObservation, KubeNodeList, LeaderLease, ProbeError
from hatui.probes.kube_api import KubeApi, default_kubeconfig

KUBE = Path(__file__).parent / "fixtures" / "kube"
LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/"


class FakeApi(ThreadingHTTPServer):
    """Answers like an apiserver from the fixtures; `answers` maps a path to (code, file)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str | None]] = []
        self.answers: dict[str, tuple[int, str]] = {
            "/api/v1/nodes": (200, "kube-nodelist-healthy.json"),
            LEASES + "kube-controller-manager": (200, "kube-lease-controller-manager.json"),
            LEASES + "kube-scheduler": (200, "kube-lease-scheduler.json"),
        }


class _Handler(BaseHTTPRequestHandler):
    server: FakeApi

    def log_message(self, fmt: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.requests.append((self.path, self.headers.get("Authorization")))
        code, name = self.server.answers.get(self.path.split("?")[0], (404, ""))
        body = (KUBE / name).read_bytes() if name else b""
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def api() -> Iterator[FakeApi]:
    server = FakeApi()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def kubeconfig(tmp_path: Path, server: str, name: str = "config") -> str:
    path = tmp_path / name
    path.write_text(
        f"""apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {{server: "{server}"}}
contexts:
- name: admin@c
  context: {{cluster: c, user: admin}}
current-context: admin@c
users:
- name: admin
  user: {{token: s3cr3t-token}}
"""
    )
    return str(path)


def observe(kube: KubeApi, timeout: float = 2.0) -> KubeApiObservation | ProbeError:
    probe = asyncio.run(kube.observe(timeout))
    assert probe is not None
    return probe.result


def test_nodes_and_both_leases(api: FakeApi, tmp_path: Path) -> None:
    port = api.server_address[1]
    kube = KubeApi(kubeconfig(tmp_path, f"http://127.0.0.1:{port}"))
    got = observe(kube)
    assert isinstance(got, KubeApiObservation), got
    assert got.server == f"http://127.0.0.1:{port}"
    assert isinstance(got.nodes, KubeNodeList) and len(got.nodes.nodes) == 3
    assert isinstance(got.controller_manager, LeaderLease)
    assert got.controller_manager.holder == "master"
    assert isinstance(got.scheduler, LeaderLease) and got.scheduler.holder == "node1"
    paths = sorted(p for p, _ in api.requests)
    assert paths == sorted(
        [
            "/api/v1/nodes?labelSelector=node-role.kubernetes.io/control-plane",
            LEASES + "kube-controller-manager",
            LEASES + "kube-scheduler",
        ]
    )
    # the kubeconfig's credentials went with every request
    assert {auth for _, auth in api.requests} == {"Bearer s3cr3t-token"}
    # the client is kept: a second sweep reuses it
    client = kube._client
    assert isinstance(observe(kube), KubeApiObservation) and kube._client is client
    kube.close()


def test_error_answers_are_per_part(api: FakeApi, tmp_path: Path) -> None:
    api.answers["/api/v1/nodes"] = (403, "kube-status-403-nodes-forbidden.json")
    del api.answers[LEASES + "kube-scheduler"]
    got = observe(KubeApi(kubeconfig(tmp_path, f"http://127.0.0.1:{api.server_address[1]}")))
    assert isinstance(got, KubeApiObservation), got
    assert isinstance(got.nodes, ProbeError)
    assert got.nodes.message.startswith("HTTP 403: nodes is forbidden")
    assert isinstance(got.controller_manager, LeaderLease)
    assert isinstance(got.scheduler, ProbeError) and got.scheduler.message == "HTTP 404"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_refused_is_one_error_for_the_whole_probe(tmp_path: Path) -> None:
    port = free_port()
    began = time.monotonic()
    got = observe(KubeApi(kubeconfig(tmp_path, f"https://127.0.0.1:{port}")))
    assert got == ProbeError("kube-api", f"https://127.0.0.1:{port}: connection refused")
    assert time.monotonic() - began < 2


def test_a_silent_server_is_bounded_by_the_timeout(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        server = f"http://127.0.0.1:{silent.getsockname()[1]}"
        began = time.monotonic()
        got = observe(KubeApi(kubeconfig(tmp_path, server)), timeout=0.5)
        took = time.monotonic() - began
    assert isinstance(got, ProbeError) and got.source == "kube-api", got
    assert got.message in (f"{server}: read timed out", f"{server}: no answer within 0.5s")
    assert took < 5  # bounded by the 0.5 s timeout (margin for a loaded machine)


def test_bad_kubeconfigs_are_error_values(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope")
    assert observe(KubeApi(missing)) == ProbeError(
        "kube-api", f"kubeconfig {missing}: No such file or directory"
    )
    broken = tmp_path / "broken"
    broken.write_text("clusters: [\n")
    got = observe(KubeApi(str(broken)))
    assert isinstance(got, ProbeError) and got.message.startswith(f"kubeconfig {broken}: ")
    empty = tmp_path / "empty"
    empty.write_text("apiVersion: v1\nkind: Config\nclusters: []\n")
    got = observe(KubeApi(str(empty)))
    assert isinstance(got, ProbeError) and "current-context" in got.message


def test_a_changed_kubeconfig_is_reloaded(api: FakeApi, tmp_path: Path) -> None:
    path = kubeconfig(tmp_path, f"http://127.0.0.1:{free_port()}")
    kube = KubeApi(path)
    assert isinstance(observe(kube), ProbeError)
    kubeconfig(tmp_path, f"http://127.0.0.1:{api.server_address[1]}")  # same file, new server
    assert isinstance(observe(kube), KubeApiObservation)


def test_default_kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    assert default_kubeconfig({}) is None
    assert asyncio.run(KubeApi(None).observe()) is None  # nothing to probe: not an error
    (home / ".kube" / "config").write_text("x")
    assert default_kubeconfig({}) == str(home / ".kube" / "config")
    other = tmp_path / "other"
    other.write_text("x")
    env = {"KUBECONFIG": f"{tmp_path / 'absent'}:{other}"}
    assert default_kubeconfig(env) == str(other)
    assert default_kubeconfig({"KUBECONFIG": str(tmp_path / "absent")}) is None
