"""`hatui lab up` twice, `status`, and `down` leaving the machine as it was — on a second lab
(nginx stream LB, unicast VRRP) so the session lab is untouched."""

from __future__ import annotations

import os
import re
import subprocess
import urllib.request
from pathlib import Path

from hatui.lab import lifecycle
from hatui.lab.config import LabConfig

NAME, SUBNET = (
    os.environ.get("HATUI_TEST_LAB2", "hatuiu"),
    os.environ.get("HATUI_TEST_SUBNET2", "10.238.0.0/24"),
)


def _netns() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {ln.split()[0] for ln in out.splitlines() if ln.strip()}


def _links() -> set[str]:
    out = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    return {ln.split(": ")[1].split("@")[0] for ln in out.splitlines()}


def _ns_of(kind: str) -> dict[int, str]:
    """pid -> namespace inode of that kind, for every process."""
    found = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                found[int(pid)] = os.readlink(f"/proc/{pid}/ns/{kind}")
            except OSError:
                pass
    return found


def test_up_twice_status_and_down_leave_nothing(tmp_path: Path) -> None:
    inv = tmp_path / "lab2.yaml"
    cfg = LabConfig(name=NAME, subnet=SUBNET, lb="nginx", vrrp="unicast", inventory_path=str(inv))
    netns_before, links_before = _netns(), _links()
    messages: list[str] = []
    try:
        lifecycle.up(cfg, say=messages.append)
        # progress shown, up to the last step
        assert any(re.match(r"\[(\d+)/\1\] .*: ok", m) for m in messages), messages
        st = lifecycle.status(NAME)
        assert st is not None and st.all_running and st.vip_holders == ["m1"]
        assert set(st.nodes["m1"]) >= {"sshd", "etcd", "kube-apiserver", "nginx", "keepalived"}
        keepalived = (cfg.node_dir("m1") / "etc/keepalived/keepalived.conf").read_text()
        assert "unicast_peer" in keepalived
        # nginx stream carries the API through the VIP
        ctx = lifecycle._api_ctx(cfg)
        with urllib.request.urlopen(f"https://{cfg.vip}:16443/readyz", timeout=5, context=ctx) as r:
            assert r.status == 200
        # the lab's namespaces, processes and pid namespaces, to check they all go
        lab_netns = {n.netns for n in cfg.nodes} | {cfg.switch_ns}
        assert lab_netns <= _netns()
        ns_inodes = {
            os.readlink(f"/proc/{h[0]}/ns/pid")
            for h in lifecycle.read_manifest(NAME)["holders"].values()
        }
        net_inodes = {
            os.readlink(f"/proc/{h[0]}/ns/net")
            for h in lifecycle.read_manifest(NAME)["holders"].values()
        }
        # `up` again with the same config: a no-op that keeps the lab
        again: list[str] = []
        lifecycle.up(cfg, say=again.append)
        assert any("already up" in m for m in again)
        assert lifecycle.status(NAME).all_running
    finally:
        removed = lifecycle.down(NAME, say=lambda m: None)
    assert any("node holders" in r for r in removed)
    assert _netns() == netns_before
    assert _links() == links_before
    assert not inv.exists()
    assert not Path(cfg.state_dir).exists()
    pid_ns, net_ns = _ns_of("pid"), _ns_of("net")
    assert not [p for p, ns in pid_ns.items() if ns in ns_inodes], "processes left in a lab pid ns"
    assert not [p for p, ns in net_ns.items() if ns in net_inodes], "processes left in a lab netns"


def test_down_after_a_half_built_up(tmp_path: Path) -> None:
    """A crash midway (here: an `up` interrupted after the network step) leaves a manifest;
    `down` removes what was made."""
    cfg = LabConfig(name=NAME, subnet=SUBNET, masters=2, inventory_path=str(tmp_path / "i.yaml"))
    netns_before = _netns()
    from hatui.lab import network, node_files

    lifecycle._write_manifest(
        cfg,
        {
            "config": {
                "masters": 2,
                "name": NAME,
                "subnet": SUBNET,
                "lb": "haproxy",
                "vrrp": "multicast",
                "etcd_members": 0,
                "inventory_path": cfg.inventory_path,
                "check_interval": 1,
            },
            "holders": {},
            "unshare": {},
        },
    )
    node_files.write_all(cfg, "/usr/bin/python3", "/nonexistent")
    network.build(cfg)
    assert {f"{NAME}-m1", f"{NAME}-m2", f"{NAME}-sw"} <= _netns()
    lifecycle.down(NAME, say=lambda m: None)
    assert _netns() == netns_before
    assert cfg.root_link not in _links()
    assert not Path(cfg.state_dir).exists()


def test_down_without_a_lab_says_so() -> None:
    said: list[str] = []
    assert lifecycle.down("hatuiz", say=said.append) == []
    assert said == ["lab down: removed nothing (no lab found)"]
