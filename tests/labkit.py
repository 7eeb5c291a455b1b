"""Test-side access to a running lab: ground truth read straight from the nodes' namespaces
(nsenter into a node's holder), independent of hatui's own SSH transport."""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from hatui.lab import lifecycle
from hatui.lab.config import LabConfig, NodeSpec
from hatui.lab.run import in_node

T = TypeVar("T")
#: seed 000's fault as `iptables -S` prints it back
REJECT_6443 = re.compile(r"^-A INPUT .*--dport 6443 .*-j REJECT")


@dataclass
class Lab:
    cfg: LabConfig

    @property
    def manifest(self) -> dict:
        m = lifecycle.read_manifest(self.cfg.name)
        assert m is not None, "the lab's manifest is gone"
        return m

    @property
    def inventory(self) -> Path:
        return Path(self.cfg.inventory_path)

    def node(self, name: str) -> NodeSpec:
        return next(n for n in self.cfg.nodes if n.name == name)

    def sh(self, node: str, cmd: str, check: bool = True, timeout: float = 30.0) -> str:
        holder = self.manifest["holders"][node][0]
        return in_node(holder, "sh", "-c", cmd, check=check, timeout=timeout).stdout

    def svc(self, node: str, action: str, unit: str) -> str:
        return self.sh(
            node, f"{self.cfg.svc_command} {action} {shlex.quote(unit)}", check=action != "status"
        )

    def running(self, node: str, unit: str) -> bool:
        holder = self.manifest["holders"][node][0]
        return (
            in_node(holder, str(self.cfg.svc_command), "status", unit, check=False).returncode == 0
        )

    def iptables_rules(self, node: str) -> str:
        return self.sh(node, "iptables -S")

    def vip_holders(self) -> list[str]:
        return lifecycle.vip_holders(self.cfg)

    def keepalived_json(self, node: str) -> dict:
        """A fresh JSON dump: remove the old file, signal, wait for a complete parse."""
        self.sh(
            node,
            "rm -f /tmp/keepalived.json; "
            "kill -$(keepalived --signum=JSON) $(cat /run/keepalived.pid)",
        )

        def parsed() -> dict | None:
            try:
                return json.loads(
                    self.sh(node, "cat /tmp/keepalived.json 2>/dev/null", check=False)
                )[0]["data"]
            except (ValueError, IndexError, KeyError):
                return None

        return wait_for(f"keepalived JSON dump on {node}", parsed, 5)

    def effective_priority(self, node: str) -> int:
        return int(self.keepalived_json(node)["effective_priority"])

    def priorities(self) -> list[int]:
        return [self.effective_priority(n.name) for n in self.cfg.nodes]

    def haproxy_stat(self, node: str) -> list[dict[str, str]]:
        out = self.sh(
            node,
            "python3 -c 'import socket;s=socket.socket(socket.AF_UNIX);"
            's.connect("/run/haproxy/admin.sock");s.sendall(b"show stat\\n");'
            'print(s.makefile().read(),end="")\'',
        )
        lines = [ln for ln in out.splitlines() if ln.strip()]
        head = lines[0].lstrip("# ").split(",")
        return [dict(zip(head, ln.split(","), strict=False)) for ln in lines[1:]]

    def readyz(self, node: str) -> int:
        return lifecycle.readyz(self.cfg, self.node(node))[0]

    def kill_ssh_sessions(self, node: str) -> list[int]:
        """End the node's established SSH sessions (stopping sshd leaves them running)."""
        out = self.sh(node, "ss -tnpH state established '( sport = :22 )'")
        pids = sorted({int(p) for p in re.findall(r"pid=(\d+)", out)})
        if pids:
            self.sh(node, "kill " + " ".join(map(str, pids)))
        return pids

    def api_via_vip(self) -> int:
        """HTTP status of /readyz through VIP:LB port from this host (0: no answer)."""
        return lifecycle.api_via_vip(self.cfg)[0]

    def forget_vip_mac(self) -> None:
        lifecycle.forget_vip_mac(self.cfg)

    def hatui_rules(self, node: str) -> list[str]:
        return [r for r in self.iptables_rules(node).splitlines() if re.search(r"hatui", r)]


def wait_for(what: str, fn: Callable[[], T | None], timeout: float, every: float = 0.25) -> T:
    """Poll fn until it returns something truthy; fail naming what did not happen."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")
