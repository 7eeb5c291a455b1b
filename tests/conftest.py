"""Shared fixtures. `lab` brings the real lab up once per session and always takes it down.

The test lab has its own name and subnet (env HATUI_TEST_LAB, HATUI_TEST_SUBNET) so that
running the tests never touches a demo lab of the default name.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

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
        rules = lab.iptables_rules(node.name)
        for line in rules.splitlines():
            if line.startswith("-A ") and ("hatui" in line or REJECT_6443.search(line)):
                lab.sh(node.name, "iptables " + line.replace("-A ", "-D ", 1))
        units = ["sshd", "etcd", "kube-apiserver", lab.cfg.lb, "keepalived"]
        for unit in units:
            if unit == "etcd" and not node.etcd_member:
                continue
            if not lab.running(node.name, unit):
                lab.svc(node.name, "start", unit)
    wait_for("every /readyz ok", lambda: all(lab.readyz(n.name) == 200 for n in lab.cfg.nodes), 40)
    baseline = [121, 112] + [111] * (lab.cfg.masters - 2)
    wait_for(f"priorities {baseline}", lambda: lab.priorities() == baseline, 40)
    wait_for("the VIP on m1 alone", lambda: lab.vip_holders() == ["m1"], 40)
    if lab.api_via_vip() != 200:
        # a healed split brain can leave this host's ARP entry on the loser (see forget_vip_mac)
        lab.forget_vip_mac()
    wait_for("the API through the VIP", lambda: lab.api_via_vip() == 200, 20)
