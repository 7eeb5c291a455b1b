"""Writes a lab's files: key material, and each node's private /etc and /root layers."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from . import pki, render
from .config import LabConfig, NodeSpec

MARKER = ".hatui-lab"


def _write(path: Path, data: str | bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    os.chmod(path, mode)


def _write_pem(base: Path, pem: pki.Pem) -> None:
    _write(base.with_suffix(".crt"), pem.cert)
    _write(base.with_suffix(".key"), pem.key, 0o600)


def write_all(cfg: LabConfig, python: str, pythonpath: str) -> None:
    state = cfg.state
    state.mkdir(parents=True, exist_ok=True)
    _write(state / MARKER, "made by `hatui lab up`; `hatui lab down` removes this folder\n")
    _write(cfg.svc_command, render.svc_wrapper(python, pythonpath), 0o755)

    k8s_ca, etcd_ca = pki.new_ca("kubernetes"), pki.new_ca("etcd-ca")
    _write_pem(state / "pki" / "ca", k8s_ca.pem)
    _write_pem(state / "pki" / "etcd-ca", etcd_ca.pem)
    # The jump host's own etcd client cert, for `up` to wait on etcd health.
    _write_pem(
        state / "pki" / "etcd-client",
        etcd_ca.issue("hatui-lab-jump", client=True, organization="system:masters"),
    )

    # kubeadm's admin.conf identity (kubeadm before 1.29: O=system:masters).
    admin = k8s_ca.issue("kubernetes-admin", client=True, organization="system:masters")
    _write_pem(state / "pki" / "admin", admin)
    _write(
        cfg.kubeconfig, render.kubeconfig_yaml(cfg, k8s_ca.pem.cert, admin.cert, admin.key), 0o600
    )

    client = pki.new_ssh_key("hatui-lab")
    _write(cfg.identity_file, client.private, 0o600)
    _write(cfg.identity_file.with_suffix(".pub"), client.public + "\n")
    auth_pass = secrets.token_hex(4)  # keepalived reads 8 characters; every node shares it
    known: list[str] = []
    for node in cfg.nodes:
        host_key = pki.new_ssh_key(f"root@{node.name}")
        key_type_and_blob = " ".join(host_key.public.split()[:2])
        known.append(f"{node.address} {key_type_and_blob}")
        # The VIP moves between nodes: each node's key is valid for it.
        known.append(f"{cfg.vip} {key_type_and_blob}")
        write_node(cfg, node, k8s_ca, etcd_ca, host_key, client.public, python, auth_pass)
    _write(cfg.known_hosts, "\n".join(known) + "\n")


def _shadow_with_key_only_root() -> str | None:
    """sshd refuses a key for a locked (`!`) root; `*` (no password, not locked) works."""
    try:
        lines = Path("/etc/shadow").read_text().splitlines()
    except OSError:
        return None
    out, changed = [], False
    for line in lines:
        fields = line.split(":")
        if fields[0] == "root" and fields[1].startswith("!"):
            fields[1] = "*"
            changed = True
        out.append(":".join(fields))
    return "\n".join(out) + "\n" if changed else None


def write_node(
    cfg: LabConfig,
    node: NodeSpec,
    k8s_ca: pki.CA,
    etcd_ca: pki.CA,
    host_key: pki.SshKey,
    authorized: str,
    python: str,
    auth_pass: str,
) -> None:
    d = cfg.node_dir(node.name)
    etc, root = d / "etc", d / "root"
    (d / "log" / "nginx").mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)

    _write(etc / "hostname", f"{node.name}\n")
    hosts = Path("/etc/hosts").read_text() if Path("/etc/hosts").exists() else ""
    hosts += "\n# hatui lab\n" + "".join(f"{n.address} {n.name}\n" for n in cfg.nodes)
    hosts += f"{cfg.vip} k8s-apiserver-vip\n"
    _write(etc / "hosts", hosts)
    shadow = _shadow_with_key_only_root()
    if shadow:
        _write(etc / "shadow", shadow, 0o640)

    _write(etc / "ssh" / "sshd_config", render.sshd_config())
    _write(etc / "ssh" / "ssh_host_ed25519_key", host_key.private, 0o600)
    _write(etc / "ssh" / "ssh_host_ed25519_key.pub", host_key.public + "\n")
    _write(root / ".ssh" / "authorized_keys", authorized + "\n", 0o600)
    os.chmod(root / ".ssh", 0o700)
    _write(root / ".bashrc", render.bashrc())
    _write(root / ".profile", render.bashrc())

    _write(
        etc / "keepalived" / "keepalived.conf", render.keepalived_conf(cfg, node, auth_pass), 0o600
    )
    if cfg.lb == "haproxy":
        _write(etc / "haproxy" / "haproxy.cfg", render.haproxy_cfg(cfg))
    else:
        _write(etc / "nginx" / "nginx.conf", render.nginx_conf(cfg))

    pki_dir = etc / "kubernetes" / "pki"
    names = ("localhost", node.name)
    ips = ("127.0.0.1", "::1", node.address)
    _write_pem(pki_dir / "ca", k8s_ca.pem)
    _write_pem(pki_dir / "etcd" / "ca", etcd_ca.pem)
    _write_pem(
        pki_dir / "apiserver",
        k8s_ca.issue(
            "kube-apiserver",
            server=True,
            dns=(
                node.name,
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local",
                "k8s-apiserver-vip",
                "localhost",
            ),
            ips=(node.address, cfg.vip, "127.0.0.1"),
        ),
    )
    _write_pem(
        pki_dir / "apiserver-etcd-client",
        etcd_ca.issue("kube-apiserver-etcd-client", client=True, organization="system:masters"),
    )
    _write_pem(
        pki_dir / "etcd" / "server",
        etcd_ca.issue(node.name, server=True, client=True, dns=names, ips=ips),
    )
    _write_pem(
        pki_dir / "etcd" / "peer",
        etcd_ca.issue(node.name, server=True, client=True, dns=names, ips=ips),
    )
    _write_pem(
        pki_dir / "etcd" / "healthcheck-client",
        etcd_ca.issue("kube-etcd-healthcheck-client", client=True),
    )

    services = render.services(cfg, node, python)
    _write(etc / "hatui-lab" / "services.json", json.dumps(services, indent=2) + "\n")
