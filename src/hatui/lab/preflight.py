"""Checks `hatui lab up` makes before touching anything: root, packages, a free subnet."""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess

from ..errors import LabError
from .config import LabConfig

APT_LINE = (
    "apt-get install -y keepalived haproxy nginx-full etcd-server etcd-client "
    "openssh-server iptables iproute2 curl"
)

#: program -> Debian package that ships it
PROGRAMS = {
    "keepalived": "keepalived",
    "haproxy": "haproxy",
    "etcd": "etcd-server",
    "etcdctl": "etcd-client",
    "sshd": "openssh-server",
    "iptables": "iptables",
    "ip": "iproute2",
    "curl": "curl",
    "nsenter": "util-linux",
    "unshare": "util-linux",
}
NGINX_STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so"


def require_root(command: str) -> None:
    if os.geteuid() != 0:
        raise LabError(f"hatui lab {command} must run as root (it manages network namespaces).")


def _which(prog: str) -> str | None:
    return shutil.which(prog, path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")


def missing_packages(cfg: LabConfig) -> list[str]:
    missing = {pkg for prog, pkg in PROGRAMS.items() if _which(prog) is None}
    if cfg.lb == "nginx" and (_which("nginx") is None or not os.path.exists(NGINX_STREAM_MODULE)):
        missing.add("nginx-full")
    return sorted(missing)


def require_packages(cfg: LabConfig) -> None:
    missing = missing_packages(cfg)
    if missing:
        raise LabError(f"missing packages: {' '.join(missing)}\ninstall them with:\n  {APT_LINE}")
    if not os.path.isdir("/var/lib/etcd"):
        raise LabError(
            "/var/lib/etcd is missing (the etcd-server package creates it); "
            f"reinstall with:\n  {APT_LINE}"
        )


def subnet_clashes(cfg: LabConfig) -> list[str]:
    """Addresses and routes of the machine (outside the lab) that overlap the lab subnet."""
    lab = cfg.network
    clashes: list[str] = []
    addrs = subprocess.run(["ip", "-o", "addr", "show"], capture_output=True, text=True).stdout
    for line in addrs.splitlines():
        parts = line.split()
        if len(parts) < 4 or parts[1] == cfg.root_link or parts[2] != "inet":
            continue
        net = ipaddress.ip_interface(parts[3]).network
        if net.overlaps(lab):
            clashes.append(f"address {parts[3]} on {parts[1]}")
    routes = subprocess.run(
        ["ip", "-o", "-4", "route", "show", "table", "all"], capture_output=True, text=True
    ).stdout
    for line in routes.splitlines():
        parts = line.split()
        dest = parts[0] if parts[0] not in ("local", "broadcast", "unicast") else parts[1]
        if dest == "default" or f"dev {cfg.root_link}" in line:
            continue
        try:
            net = ipaddress.ip_network(dest, strict=False)
        except ValueError:
            continue
        if net.overlaps(lab):
            clashes.append(f"route {line.strip()}")
    return clashes


def require_free_subnet(cfg: LabConfig) -> None:
    clashes = subnet_clashes(cfg)
    if clashes:
        raise LabError(
            f"the lab subnet {cfg.subnet} clashes with this machine's network: "
            + "; ".join(clashes[:3])
            + "\nchoose another with --subnet (for example --subnet 10.232.0.0/24)"
        )
