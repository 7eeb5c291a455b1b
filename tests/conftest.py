"""Shared fixtures. `lab` brings the real lab up once per session and always takes it down.

The test lab has its own name and subnet (env HATUI_TEST_LAB, HATUI_TEST_SUBNET) so that
running the tests never touches a demo lab of the default name.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator

import pytest

from hatui.errors import LabError
from hatui.faults.steps import haproxy_command_shell
from labkit import REJECT_6443, Lab, wait_for

LAB_NAME = os.environ.get("HATUI_TEST_LAB", "hatuit")
LAB_SUBNET = os.environ.get("HATUI_TEST_SUBNET", "10.239.0.0/24")


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if os.geteuid() != 0:
        pytest.fail("the lab tests need root (bash .ci/run provides it)")
    from hatui.lab import lifecycle
    from hatui.lab.config import LabConfig

    inv = tmp_path_factory.mktemp("lab") / "lab-inventory.yaml"
    cfg = LabConfig(name=LAB_NAME, subnet=LAB_SUBNET, inventory_path=str(inv))
    try:
        lifecycle.up(cfg, say=lambda m: None)
        yield Lab(cfg)
    finally:
        lifecycle.down(cfg.name, say=lambda m: None)


@pytest.fixture
def healthy_lab(lab: Lab) -> Iterator[Lab]:
    """The lab in its seed-000 baseline before the test, and put back there after it."""
    restore(lab)
    yield lab
    restore(lab)


def restore(lab: Lab) -> None:
    for node in lab.cfg.nodes:
        disarm_fault_watchdogs(lab, node.name)
        rules = lab.iptables_rules(node.name)
        for line in rules.splitlines():
            if line.startswith("-A ") and ("hatui" in line or REJECT_6443.search(line)):
                lab.sh(node.name, "iptables " + line.replace("-A ", "-D ", 1))
        units = ["sshd", "kubelet", "etcd", "kube-apiserver", lab.cfg.lb, "keepalived"]
        for unit in units:
            if unit == "etcd" and not node.etcd_member:
                continue
            if not lab.running(node.name, unit):
                lab.svc(node.name, "start", unit)
        restore_fault_leftovers(lab, node.name)
    wait_for("every /readyz ok", lambda: all(lab.readyz(n.name) == 200 for n in lab.cfg.nodes), 40)
    # a lease whose holder was stopped is taken over 15-20 s later (lease duration + rank)
    wait_for("every node Ready and both leader leases live", lambda: kube_api_settled(lab), 40)
    baseline = [121, 112] + [111] * (lab.cfg.masters - 2)
    wait_for(f"priorities {baseline}", lambda: lab.priorities() == baseline, 40)
    wait_for("the VIP on m1 alone", lambda: lab.vip_holders() == ["m1"], 40)
    if lab.api_via_vip() != 200:
        # a healed split brain can leave this host's ARP entry on the loser (see forget_vip_mac)
        lab.forget_vip_mac()
    wait_for("the API through the VIP", lambda: lab.api_via_vip() == 200, 20)


def disarm_fault_watchdogs(lab: Lab, node: str) -> None:
    """End every hatui fault watchdog on the node (before the rest of the restore, so that
    none fires into it) and remove their files."""
    from hatui.faults.watchdog import WATCHDOG_DIR, disarm_command

    listing = lab.sh(node, f"ls -A {WATCHDOG_DIR} 2>/dev/null", check=False)
    for fault_id in sorted({name.split(".")[0] for name in listing.split()}):
        if re.fullmatch(r"[0-9a-f]{8}", fault_id):
            lab.sh(node, disarm_command(fault_id), check=False)
    lab.sh(node, f"rm -rf {WATCHDOG_DIR}")


def restore_fault_leftovers(lab: Lab, node: str) -> None:
    """What a fault test may leave besides rules and the units above: any other lab service
    it stopped (a kubelet placeholder), HAProxy servers it put in MAINT."""
    states = json.loads(lab.sh(node, f"{lab.cfg.svc_command} status --json"))
    for unit, state in sorted(states.items()):
        if not state["running"]:  # the node runs only its own services (etcd, the LB kind)
            lab.svc(node, "start", unit)
    if lab.cfg.lb != "haproxy":
        return
    wait_for(f"HAProxy's admin socket on {node}", lambda: _stat_or_none(lab, node), 10)
    for row in lab.haproxy_stat(node):
        if row["status"].startswith("MAINT") and row["svname"] not in ("FRONTEND", "BACKEND"):
            line = f"enable server {row['pxname']}/{row['svname']}"
            lab.sh(node, haproxy_command_shell("/run/haproxy/admin.sock", line))


def _stat_or_none(lab: Lab, node: str) -> list[dict[str, str]] | None:
    try:
        return lab.haproxy_stat(node)
    except (LabError, IndexError):  # no socket or no answer yet: HAProxy is starting
        return None


def kube_api_settled(lab: Lab) -> bool:
    """Every node Ready and both leader leases held and renewed within their duration, as
    m1's apiserver stand-in serves them (with the lab's admin certificate)."""
    from hatui.lab import lifecycle
    from hatui.parsers.kube import parse_time

    m1 = lab.cfg.nodes[0]
    if set(lifecycle.nodes_ready(lab.cfg, m1).values()) != {"True"}:
        return False
    code, doc = lifecycle.kube_get(lab.cfg, m1, lifecycle.LEASE_PATH)
    if code != 200 or doc is None:
        return False
    live = set()
    for item in doc.get("items") or []:
        spec = item.get("spec") or {}
        renewed = parse_time(spec.get("renewTime"))
        duration = spec.get("leaseDurationSeconds") or 0
        if spec.get("holderIdentity") and renewed is not None and time.time() < renewed + duration:
            live.add(item["metadata"]["name"])
    return live == {"kube-controller-manager", "kube-scheduler"}
