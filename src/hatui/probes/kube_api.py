"""The Kubernetes API through the kubeconfig, from this machine: Node Ready and leader leases.

`KubeApi(kubeconfig).observe(timeout)` asks the kubeconfig's server (the VIP and the LB port
in a kubeadm HA setup) for the control-plane Nodes (`labelSelector=node-role.kubernetes.io/
control-plane`, so a large cluster's workers are never listed) and the two leader Leases
(`kube-system/kube-controller-manager`, `kube-system/kube-scheduler`), the three requests at
once. The kubernetes client is synchronous: each request runs in a worker thread
(`asyncio.to_thread`, the one place hatui uses threads), bounded by the client's own
connect/read timeouts and by an overall timeout here. The requests go through the client's
`ApiClient` (kubeconfig loading, client certificates, tokens and exec plugins, TLS, its
urllib3 pool) rather than its generated `CoreV1Api`: building that class costs about a
second of CPU (client 37), more than a whole `hatui status`. The raw JSON goes to the pure parsers
(`hatui.parsers.kube`); every failure is a value (`ProbeError`), never an exception.

The client is built once per kubeconfig and rebuilt when the file changes. Without a
kubeconfig in the inventory, the client's default is used ($KUBECONFIG's first existing file,
else ~/.kube/config); when there is none, nothing is probed (`observe` returns None).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from hatui.model import Probe
from hatui.observations import KubeApiObservation, LeaderLease, ProbeError
from hatui.parsers import parse_lease, parse_node_list, redact
from hatui.probes._common import probe

SOURCE = "kube-api"
CONTROL_PLANE_SELECTOR = "node-role.kubernetes.io/control-plane"
LEASE_NAMESPACE = "kube-system"
LEASE_NAMES = ("kube-controller-manager", "kube-scheduler")
TIMEOUT = 2.0
"""Bounds each request (connect, then read) unless the caller gives another."""
LOAD_TIMEOUT = 10.0
"""Bounds loading the kubeconfig: importing the kubernetes package (about a second), and an
exec credential plugin (`aws eks get-token`...) when the kubeconfig names one."""
MAX_REASON = 200

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

Answer = tuple[int, str] | ProbeError
"""An HTTP answer (status, body) or why there was none."""


def default_kubeconfig(env: dict[str, str] | None = None) -> str | None:
    """The kubernetes client's default kubeconfig if one exists: $KUBECONFIG's first existing
    file, else ~/.kube/config."""
    env = dict(os.environ) if env is None else env
    value = env.get("KUBECONFIG", "")
    candidates = [p for p in value.split(os.pathsep) if p] or ["~/.kube/config"]
    for candidate in candidates:
        path = Path(candidate).expanduser()
        if path.is_file():
            return str(path)
    return None


def describe(exc: BaseException) -> str:
    """A short reason for a request that got no answer ("connection refused", "timed out")."""
    import urllib3

    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    text = str(exc)
    for known in ("Connection refused", "No route to host", "Connection reset"):
        if known.lower() in text.lower():
            return known.lower()
    # (urllib3's NewConnectionError is a ConnectTimeoutError too: refusals are matched first)
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError):
        return "connect timed out"
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError | TimeoutError):
        return "read timed out"
    if isinstance(exc, urllib3.exceptions.SSLError):
        return f"TLS failed: {exc}"
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return f"connection lost: {text}"
    return text or exc.__class__.__name__


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return redact(" ".join(lines))[:MAX_REASON] if lines else ""


def request(
    api: ApiClient,
    source: str,
    path: str,
    query: list[tuple[str, str]],
    timeout: float,
) -> Answer:
    """GET one API path with the client's auth and TLS (blocking); the raw answer.

    An error status (403, 404, 503...) is an answer: the parser reads its Status body.
    """
    import urllib3
    from kubernetes import client as kube_client

    where = str(api.configuration.host)
    try:
        serialized = api.param_serialize(
            method="GET",
            resource_path=path,
            query_params=query,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],  # the generated calls' setting: token, if any
        )
        response = api.call_api(*serialized, _request_timeout=(timeout, timeout))
        data = response.read()
        return int(response.status), (data or b"").decode("utf-8", "replace")
    except kube_client.ApiException as exc:  # the client's wrapping of a TLS failure
        return ProbeError(source, f"{where}: {_first_line(str(exc.reason or exc))}")
    except urllib3.exceptions.HTTPError as exc:
        return ProbeError(source, f"{where}: {describe(exc)}")
    except (OSError, ValueError) as exc:
        return ProbeError(source, f"{where}: {describe(exc)}")


class KubeApi:
    """The kubernetes client for one kubeconfig: built on first use, rebuilt when it changes."""

    def __init__(self, kubeconfig: str | None) -> None:
        self.kubeconfig = kubeconfig
        """The inventory's kubeconfig; None: the client's default, if there is one."""
        self._lock = threading.Lock()
        self._client: ApiClient | None = None
        self._key: tuple[str, int, int] | None = None

    def path(self) -> str | None:
        """The kubeconfig file to use, or None when there is none to use."""
        if self.kubeconfig is not None:
            return self.kubeconfig
        return default_kubeconfig()

    def client(self, path: str) -> ApiClient | ProbeError:
        """The client for `path` (blocking: reads the file, may write cert temp files).

        The kubernetes package is imported here, in the worker thread, on first use: it takes
        about a second, which `hatui status` without a kubeconfig should never pay, and which
        with one overlaps the SSH work on the event loop.
        """
        import urllib3
        from kubernetes import client as kube_client
        from kubernetes import config as kube_config
        from kubernetes.config.config_exception import ConfigException

        try:
            stat = os.stat(path)
        except OSError as exc:
            return ProbeError(SOURCE, f"kubeconfig {path}: {exc.strerror or exc}")
        key = (path, stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if self._client is not None and self._key == key:
                return self._client
            configuration = kube_client.Configuration()
            try:
                kube_config.load_kube_config(
                    config_file=path, client_configuration=configuration, persist_config=False
                )
            except (ConfigException, yaml.YAMLError, OSError, ValueError, TypeError) as exc:
                # not a kubeconfig, no such context, an exec plugin that failed...
                return ProbeError(SOURCE, f"kubeconfig {path}: {_first_line(str(exc))}")
            # One retry, for a pooled keep-alive connection the LB closed; a refused or
            # timed-out connect fails at once (the next sweep is the retry).
            configuration.retries = urllib3.util.Retry(
                total=1, connect=0, status=0, redirect=0, raise_on_status=False
            )
            if self._client is not None:
                self._client.close()
            self._client = kube_client.ApiClient(configuration)
            self._key = key
            return self._client

    def close(self) -> None:
        """Close the client's connections (a new one is built if used again)."""
        with self._lock:
            if self._client is not None:
                self._client.close()
            self._client, self._key = None, None

    async def prepare(self) -> None:
        """Load the kubeconfig and the client now (in a worker thread), e.g. while SSH
        connects, so that the first sweep does not pay for it. Failures wait for `observe`."""
        path = self.path()
        if path is not None:
            try:
                async with asyncio.timeout(LOAD_TIMEOUT):
                    await asyncio.to_thread(self.client, path)
            except TimeoutError:
                pass  # `observe` tries again and reports it

    async def observe(self, timeout: float = TIMEOUT) -> Probe[KubeApiObservation] | None:
        """Nodes and leader leases through the kubeconfig; None when there is no kubeconfig."""
        path = self.path()
        if path is None:
            return None
        try:
            async with asyncio.timeout(LOAD_TIMEOUT):
                api = await asyncio.to_thread(self.client, path)
        except TimeoutError:
            return probe(
                ProbeError(SOURCE, f"kubeconfig {path}: not loaded within {LOAD_TIMEOUT:.0f}s")
            )
        if isinstance(api, ProbeError):
            return probe(api)
        try:
            async with asyncio.timeout(timeout + 0.5):
                return await self._observe(api, timeout)
        except TimeoutError:
            where = api.configuration.host
            return probe(ProbeError(SOURCE, f"{where}: no answer within {timeout:.1f}s"))

    async def _observe(self, api: ApiClient, timeout: float) -> Probe[KubeApiObservation]:
        server = str(api.configuration.host)
        nodes = asyncio.to_thread(
            request,
            api,
            "kube-nodes",
            "/api/v1/nodes",
            [("labelSelector", CONTROL_PLANE_SELECTOR)],
            timeout,
        )
        lease_requests = (
            asyncio.to_thread(
                request,
                api,
                "kube-lease",
                f"/apis/coordination.k8s.io/v1/namespaces/{LEASE_NAMESPACE}/leases/{name}",
                [],
                timeout,
            )
            for name in LEASE_NAMES
        )
        answers = await asyncio.gather(nodes, *lease_requests)
        observed = time.time()
        if all(isinstance(a, ProbeError) for a in answers):
            # no answer at all: one reason for the whole probe, not three copies of it
            first = answers[0]
            assert isinstance(first, ProbeError)
            return probe(ProbeError(SOURCE, first.message), observed)
        node_answer, *lease_answers = answers
        node_list = (
            node_answer
            if isinstance(node_answer, ProbeError)
            else parse_node_list(node_answer[1], node_answer[0])
        )
        leases: list[LeaderLease | ProbeError] = [
            a if isinstance(a, ProbeError) else parse_lease(a[1], a[0]) for a in lease_answers
        ]
        return probe(
            KubeApiObservation(
                server=server,
                nodes=node_list,
                controller_manager=leases[0],
                scheduler=leases[1],
            ),
            observed,
        )


_SHARED: dict[str | None, KubeApi] = {}
_SHARED_LOCK = threading.Lock()


def kube_api_for(kubeconfig: str | None) -> KubeApi:
    """One `KubeApi` per kubeconfig for this process, so that sweeps called one after another
    reuse the client and its connections (it rebuilds itself when the file changes)."""
    with _SHARED_LOCK:
        api = _SHARED.get(kubeconfig)
        if api is None:
            api = _SHARED[kubeconfig] = KubeApi(kubeconfig)
        return api
