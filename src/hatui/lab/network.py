"""The lab's wiring: a switch namespace with a bridge, one namespace per master, and a veth
from the root namespace so programs run normally (hatui, ssh, curl) reach the masters."""

from __future__ import annotations

import re
import subprocess

from .config import LabConfig
from .run import sh


def lab_namespaces(name: str) -> list[str]:
    """Namespaces on this machine whose names are the lab's (and only those)."""
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    pattern = re.compile(rf"^{re.escape(name)}-(sw|m\d+)$")
    names = [line.split()[0] for line in out.splitlines() if line.strip()]
    return [n for n in names if pattern.match(n)]


def link_exists(name: str) -> bool:
    return subprocess.run(["ip", "link", "show", "dev", name], capture_output=True).returncode == 0


def build(cfg: LabConfig) -> None:
    sw, br = cfg.switch_ns, cfg.bridge
    sh("ip", "netns", "add", sw)
    sh("ip", "-n", sw, "link", "set", "lo", "up")
    sh("ip", "-n", sw, "link", "add", br, "type", "bridge", "stp_state", "0", "forward_delay", "0")
    sh("ip", "-n", sw, "link", "set", br, "up")
    sh("ip", "link", "add", cfg.root_link, "type", "veth", "peer", "name", cfg.uplink, "netns", sw)
    sh("ip", "-n", sw, "link", "set", cfg.uplink, "master", br, "up")
    sh("ip", "addr", "add", f"{cfg.jump_address}/{cfg.prefixlen}", "dev", cfg.root_link)
    sh("ip", "link", "set", cfg.root_link, "up")
    for node in cfg.nodes:
        sh("ip", "netns", "add", node.netns)
        # A veth named eth0 cannot be made in the root namespace (it has one): create both
        # ends straight into their namespaces.
        sh(
            "ip",
            "link",
            "add",
            node.switch_port,
            "netns",
            sw,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            node.netns,
        )
        sh("ip", "-n", sw, "link", "set", node.switch_port, "master", br, "up")
        sh("ip", "-n", node.netns, "link", "set", "lo", "up")
        sh("ip", "-n", node.netns, "addr", "add", f"{node.address}/{cfg.prefixlen}", "dev", "eth0")
        sh("ip", "-n", node.netns, "link", "set", "eth0", "up")


def remove(names: list[str], root_link: str) -> list[str]:
    """Delete the given lab namespaces and the root-side link; return what was removed."""
    removed = []
    gone = [ns for ns in names if sh("ip", "netns", "del", ns, check=False).returncode == 0]
    if gone:
        removed.append(
            f"{len(gone)} namespaces ({', '.join(sorted(gone)[:4])}"
            + (", ...)" if len(gone) > 4 else ")")
        )
    if link_exists(root_link):
        sh("ip", "link", "del", root_link, check=False)
        removed.append(f"link {root_link}")
    return removed
