"""`hatui lab up | down | status`: build the lab, tear it down without a trace, report on it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import hatui

from ..errors import LabError
from . import network, node_files, preflight, render
from .config import APISERVER_PORT, DEFAULT_NAME, LB_PORT, LabConfig, NodeSpec, state_dir_for
from .procs import alive, start_time, terminate
from .run import in_node, parallel, sh

INVENTORY_HEADER = "# Written by `hatui lab up`"
Progress = Callable[[str], None]


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---- the manifest: what `up` made, so `down` can remove exactly that ----------------------
def read_manifest(name: str) -> dict | None:
    try:
        return json.loads((Path(state_dir_for(name)) / "lab.json").read_text())
    except (OSError, ValueError):
        return None


def _write_manifest(cfg: LabConfig, manifest: dict) -> None:
    cfg.state.mkdir(parents=True, exist_ok=True)
    tmp = cfg.manifest.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2))
    tmp.replace(cfg.manifest)


def _config_of(manifest: dict) -> LabConfig | None:
    """The config a manifest was made with; None for one from another hatui version."""
    try:
        return LabConfig(**manifest["config"])
    except (KeyError, TypeError, ValueError):
        return None


def holders(manifest: dict | None) -> dict[str, tuple[int, int]]:
    if not manifest:
        return {}
    return {n: (h[0], h[1]) for n, h in manifest.get("holders", {}).items()}


# ---- up ----------------------------------------------------------------------------------
class _Steps:
    def __init__(self, say: Progress, total: int) -> None:
        self.say, self.total, self.n = say, total, 0

    def run(self, label: str, fn: Callable[[], object]) -> None:
        self.n += 1
        t0 = time.monotonic()
        self.say(f"[{self.n}/{self.total}] {label} ...")
        fn()
        self.say(f"[{self.n}/{self.total}] {label}: ok ({time.monotonic() - t0:.1f}s)")


def up(cfg: LabConfig, say: Progress = _say, keep_failed: bool = False) -> None:
    preflight.require_root("up")
    preflight.require_packages(cfg)
    old = read_manifest(cfg.name)
    if old and _config_of(old) == cfg and _complete(cfg, old):
        say(f"the lab is already up ({cfg.masters} masters); inventory: {cfg.inventory_path}")
        write_inventory(cfg)
        return
    if old or network.lab_namespaces(cfg.name) or network.link_exists(cfg.root_link):
        say("removing the previous lab first")
        down(cfg.name, say=say)
    preflight.require_free_subnet(cfg)

    manifest: dict = {
        "config": json.loads(cfg.to_json()),
        "holders": {},
        "unshare": {},
        "inventory": None,
        "created": time.time(),
    }
    python = sys.executable
    pythonpath = str(Path(hatui.__file__).resolve().parent.parent)
    steps = _Steps(say, 9)
    try:
        _write_manifest(cfg, manifest)  # first, so a crash from here on is cleaned by `down`
        steps.run(
            "writing keys, certificates and configs",
            lambda: node_files.write_all(cfg, python, pythonpath),
        )
        steps.run(
            f"wiring {cfg.masters} masters to a bridge on {cfg.subnet}", lambda: network.build(cfg)
        )
        steps.run(
            "starting node holders (private mount, pid, uts namespaces)",
            lambda: _start_holders(cfg, manifest, python, pythonpath),
        )
        steps.run("starting sshd", lambda: _start_all(cfg, manifest, "sshd"))
        steps.run("starting the kubelet placeholders", lambda: _start_all(cfg, manifest, "kubelet"))
        steps.run(
            f"starting etcd ({cfg.etcd_count} members) and waiting for quorum",
            lambda: _start_then(cfg, manifest, "etcd", _wait_etcd),
        )
        steps.run(
            "starting the kube-apiserver stand-ins and waiting for /readyz, Ready nodes "
            "and the leader leases",
            lambda: _start_then(cfg, manifest, "kube-apiserver", _wait_api),
        )
        steps.run(f"starting {cfg.lb}", lambda: _start_all(cfg, manifest, cfg.lb))
        steps.run(
            "starting keepalived and waiting for the VIP on m1",
            lambda: _start_then(cfg, manifest, "keepalived", _wait_vip),
        )
        manifest["inventory"] = str(Path(cfg.inventory_path).resolve())
        _write_manifest(cfg, manifest)
        write_inventory(cfg)
    except BaseException as e:
        if keep_failed:
            say(
                f"lab up failed: {e}\nkept as it is for inspection (--keep-failed); "
                "`hatui lab down` removes it"
            )
            raise
        say(f"lab up failed: {e}\nremoving the half-built lab")
        down(cfg.name, say=lambda m: None)
        if isinstance(e, LabError):
            raise
        if isinstance(e, KeyboardInterrupt):
            raise LabError("interrupted; the half-built lab was removed") from None
        raise LabError(f"lab up failed: {e!r}; the half-built lab was removed") from e
    say(
        f"lab up: {cfg.masters} masters on {cfg.subnet}, VIP {cfg.vip} on m1, "
        f"LB {cfg.lb} :{LB_PORT}, VRRP {cfg.vrrp}\ninventory: {cfg.inventory_path}"
    )


def _start_then(
    cfg: LabConfig, manifest: dict, service: str, wait: Callable[[LabConfig], None]
) -> None:
    _start_all(cfg, manifest, service)
    wait(cfg)


def write_inventory(cfg: LabConfig) -> None:
    Path(cfg.inventory_path).write_text(render.inventory_yaml(cfg))


def _start_holders(cfg: LabConfig, manifest: dict, python: str, pythonpath: str) -> None:
    env = dict(os.environ, PYTHONPATH=pythonpath)
    procs = {}
    for node in cfg.nodes:
        log = open(cfg.node_dir(node.name) / "holder.log", "ab")
        procs[node.name] = subprocess.Popen(
            [
                "nsenter",
                f"--net=/run/netns/{node.netns}",
                "--",
                "unshare",
                "--mount",
                "--uts",
                "--pid",
                "--fork",
                "--mount-proc",
                "--propagation",
                "private",
                "--",
                python,
                "-m",
                "hatui.lab.holder",
                "--name",
                node.name,
                "--dir",
                str(cfg.node_dir(node.name)),
                # hatui's python and source stay visible in the node wherever they are
                "--keep",
                str(Path(sys.prefix).resolve()),
                "--keep",
                str(Path(pythonpath).resolve()),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            close_fds=True,
        )
        log.close()
        manifest["unshare"][node.name] = [procs[node.name].pid, start_time(procs[node.name].pid)]
    _write_manifest(cfg, manifest)
    deadline = time.monotonic() + 20
    pending = dict(procs)
    while pending and time.monotonic() < deadline:
        for name, proc in list(pending.items()):
            if proc.poll() is not None:
                tail = (cfg.node_dir(name) / "holder.log").read_text()[-500:]
                raise LabError(f"node {name}'s holder exited ({proc.returncode}):\n{tail}")
            child = _only_child(proc.pid)
            if child and Path(f"/proc/{child}/root/run/hatui-lab/holder.ready").exists():
                manifest["holders"][name] = [child, start_time(child)]
                del pending[name]
        time.sleep(0.05)
    _write_manifest(cfg, manifest)
    if pending:
        raise LabError(f"node holders not ready after 20 s: {', '.join(pending)}")


def _only_child(pid: int) -> int | None:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None


def _svc(manifest: dict, node: str, *args: str, check: bool = True):
    pid = manifest["holders"][node][0]
    cmd = str(LabConfig(**manifest["config"]).svc_command)
    return in_node(pid, cmd, *args, check=check)


def _start_all(cfg: LabConfig, manifest: dict, service: str) -> None:
    nodes = [n for n in cfg.nodes if service != "etcd" or n.etcd_member]
    parallel(lambda n: _svc(manifest, n.name, "start", service), nodes)


def _etcd_ctx(cfg: LabConfig) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(cfg.state / "pki" / "etcd-ca.crt"))
    ctx.load_cert_chain(
        str(cfg.state / "pki" / "etcd-client.crt"), str(cfg.state / "pki" / "etcd-client.key")
    )
    return ctx


def _get(url: str, ctx: ssl.SSLContext, timeout: float = 2.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=ctx) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except OSError as e:
        return 0, str(e)


def _wait(what: str, ok: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ok():
            return
        time.sleep(0.2)
    raise LabError(f"timed out after {timeout:.0f}s waiting for {what}")


def _wait_etcd(cfg: LabConfig) -> None:
    ctx = _etcd_ctx(cfg)
    members = [n for n in cfg.nodes if n.etcd_member]
    _wait(
        "etcd quorum",
        lambda: all(_get(f"https://{n.address}:2379/health", ctx)[0] == 200 for n in members),
        60,
    )


def _api_ctx(cfg: LabConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cfg.state / "pki" / "ca.crt"))


def readyz(cfg: LabConfig, node: NodeSpec) -> tuple[int, str]:
    return _get(f"https://{node.address}:{APISERVER_PORT}/readyz?verbose", _api_ctx(cfg))


def api_via_vip(cfg: LabConfig) -> tuple[int, str]:
    """/readyz through the client endpoint (VIP:LB port), from this (the jump) host."""
    return _get(f"https://{cfg.vip}:{LB_PORT}/readyz?verbose", _api_ctx(cfg))


def forget_vip_mac(cfg: LabConfig) -> None:
    """Drop this host's ARP entry for the VIP on the lab's own link.

    After a healed split brain the entry can still name the node that gave the VIP up
    (the winner sends no gratuitous ARP when it never left MASTER); the kernel only finds
    out after its unicast probes fail, seconds later.
    """
    sh("ip", "neigh", "flush", "to", cfg.vip, "dev", cfg.root_link, check=False)


def _admin_ctx(cfg: LabConfig) -> ssl.SSLContext:
    """TLS with the kubeconfig's client certificate: what /api and /apis ask for."""
    ctx = _api_ctx(cfg)
    ctx.load_cert_chain(str(cfg.state / "pki" / "admin.crt"), str(cfg.state / "pki" / "admin.key"))
    return ctx


def kube_get(cfg: LabConfig, node: NodeSpec, path: str) -> tuple[int, dict | None]:
    """GET an API path of one node's stand-in as the lab's admin: (status, JSON or None)."""
    code, body = _get(f"https://{node.address}:{APISERVER_PORT}{path}", _admin_ctx(cfg))
    try:
        doc = json.loads(body)
    except ValueError:
        return code, None
    return code, doc if isinstance(doc, dict) else None


LEASE_PATH = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases"


def lease_holders(cfg: LabConfig, node: NodeSpec) -> dict[str, str]:
    """Lease name -> holderIdentity, as one node's stand-in serves them ({} on failure)."""
    code, doc = kube_get(cfg, node, LEASE_PATH)
    if code != 200 or doc is None:
        return {}
    out = {}
    for item in doc.get("items") or []:
        name = (item.get("metadata") or {}).get("name")
        holder = (item.get("spec") or {}).get("holderIdentity")
        if name and holder:
            out[name] = holder
    return out


def nodes_ready(cfg: LabConfig, node: NodeSpec) -> dict[str, str]:
    """Node name -> its Ready condition's status, as one node's stand-in serves them."""
    code, doc = kube_get(cfg, node, "/api/v1/nodes")
    if code != 200 or doc is None:
        return {}
    out = {}
    for item in doc.get("items") or []:
        ready = [c for c in item["status"]["conditions"] if c["type"] == "Ready"]
        out[item["metadata"]["name"]] = ready[0]["status"] if ready else "?"
    return out


def _api_settled(cfg: LabConfig) -> bool:
    """Every /readyz ok, every node Ready in every stand-in's eyes, both leases held."""
    every_ready = {n.name: "True" for n in cfg.nodes}
    for node in cfg.nodes:
        if readyz(cfg, node)[0] != 200 or nodes_ready(cfg, node) != every_ready:
            return False
    holders = lease_holders(cfg, cfg.nodes[0])
    return all(holders.get(name) for name in ("kube-controller-manager", "kube-scheduler"))


def _wait_api(cfg: LabConfig) -> None:
    _wait("/readyz, Ready nodes and both leases held", lambda: _api_settled(cfg), 40)


def vip_holders(cfg: LabConfig) -> list[str]:
    """Nodes whose eth0 carries the VIP, read with `ip addr` in each node's namespace."""
    found = []
    for node in cfg.nodes:
        out = sh(
            "ip", "-n", node.netns, "-o", "-4", "addr", "show", "dev", "eth0", check=False
        ).stdout
        if any(f" {cfg.vip}/" in line for line in out.splitlines()):
            found.append(node.name)
    return found


def _wait_vip(cfg: LabConfig) -> None:
    _wait("the VIP on m1", lambda: vip_holders(cfg) == ["m1"], 40)


def _complete(cfg: LabConfig, manifest: dict) -> bool:
    hs = holders(manifest)
    if len(hs) != cfg.masters or not all(alive(p, s) for p, s in hs.values()):
        return False
    if not cfg.kubeconfig.exists():  # made by a hatui without the kubeconfig: build it anew
        return False
    try:
        states = node_states(cfg, manifest)
    except LabError:
        return False
    return all(all(s.values()) for s in states.values())


# ---- status ------------------------------------------------------------------------------
def node_states(cfg: LabConfig, manifest: dict) -> dict[str, dict[str, bool]]:
    def one(node: NodeSpec) -> dict[str, bool]:
        pid, started = holders(manifest).get(node.name, (0, 0))
        if not alive(pid, started):
            return {"holder": False}
        res = _svc(manifest, node.name, "status", "--json", check=False)
        try:
            data = json.loads(res.stdout)
        except ValueError:
            return {"holder": True}
        return {"holder": True, **{k: v["running"] for k, v in data.items()}}

    return dict(zip([n.name for n in cfg.nodes], parallel(one, cfg.nodes), strict=True))


@dataclass(frozen=True)
class LabStatus:
    config: LabConfig
    nodes: dict[str, dict[str, bool]]
    vip_holders: list[str]

    @property
    def all_running(self) -> bool:
        return all(s.get("holder") and all(s.values()) for s in self.nodes.values())


def status(name: str = DEFAULT_NAME) -> LabStatus | None:
    manifest = read_manifest(name)
    if manifest is None:
        return None
    cfg = LabConfig(**manifest["config"])
    return LabStatus(cfg, node_states(cfg, manifest), vip_holders(cfg))


def format_status(st: LabStatus) -> str:
    daemons = [d for d in render.START_ORDER if any(d in s for s in st.nodes.values())]
    head = ["node", "address", "holder", *daemons, "VIP"]
    rows = []
    for node in st.config.nodes:
        s = st.nodes.get(node.name, {})
        cells = [node.name, node.address, "up" if s.get("holder") else "DOWN"]
        for d in daemons:
            cells.append("-" if d not in s else ("running" if s[d] else "STOPPED"))
        cells.append(f"holds {st.config.vip}" if node.name in st.vip_holders else "")
        rows.append(cells)
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [head, *rows]
    ]
    holders_ = st.vip_holders
    verdict = (
        "no node holds the VIP"
        if not holders_
        else f"VIP {st.config.vip} on {', '.join(holders_)}"
        + (" (SPLIT BRAIN)" if len(holders_) > 1 else "")
    )
    return "\n".join(lines) + f"\n{verdict}; LB {st.config.lb}, VRRP {st.config.vrrp}"


# ---- down --------------------------------------------------------------------------------
def down(name: str = DEFAULT_NAME, say: Progress = _say) -> list[str]:
    """Remove everything `up` made — and nothing else — also after a crash or a half `up`."""
    preflight.require_root("down")
    manifest = read_manifest(name)
    removed: list[str] = []
    hs = holders(manifest)
    # 1. SIGTERM every holder at once: each stops its daemons, then exits, and the kernel
    #    kills whatever is left in its pid namespace.
    for pid, started in hs.values():
        if alive(pid, started):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    parallel(lambda h: terminate(h[0], h[1], timeout=12.0), list(hs.values()))
    for pid, started in (manifest or {}).get("unshare", {}).values():
        terminate(pid, started, timeout=2.0)
    if hs:
        removed.append(f"{len(hs)} node holders and their daemons")
    # 2. Anything still inside a lab namespace was started there for the lab: kill it.
    names = network.lab_namespaces(name)
    for ns in names:
        pids = sh("ip", "netns", "pids", ns, check=False).stdout.split()
        for p in pids:
            terminate(int(p), start_time(int(p)), timeout=3.0)
        if pids:
            removed.append(f"{len(pids)} leftover processes in {ns}")
    # 3. Namespaces and the root-side link (only names with the lab's prefix).
    root_link = LabConfig(name=name).root_link
    removed += network.remove(names, root_link)
    # 4. Files: the inventory `up` wrote and the state folder (only if it is ours).
    inv = (manifest or {}).get("inventory")
    if inv and Path(inv).exists() and Path(inv).read_text().startswith(INVENTORY_HEADER):
        Path(inv).unlink()
        removed.append(f"file {inv}")
    state = Path(state_dir_for(name))
    if (state / node_files.MARKER).exists() or (state / "lab.json").exists():
        shutil.rmtree(state)
        removed.append(f"folder {state}")
    say("lab down: removed " + (", ".join(removed) if removed else "nothing (no lab found)"))
    return removed
