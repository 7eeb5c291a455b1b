"""Every fault of the catalog on the real lab, through `hatui fault inject|clear|list`:
it has the effect it names, and clearing it leaves every node exactly as before (iptables
rules without counters, which services run, HAProxy MAINT flags, no watchdog left)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from faultlab import FaultCli, assert_restored, snapshots, tcp
from hatui.inventory import load_inventory
from labkit import Lab, wait_for

pytestmark = pytest.mark.lab


@pytest.fixture
def cli(healthy_lab: Lab, tmp_path: Path) -> FaultCli:
    return FaultCli(healthy_lab, tmp_path / "state")


def address(lab: Lab, node: str) -> str:
    return lab.node(node).address


def curl_from(lab: Lab, node: str, target: str) -> str:
    """The HTTP status of target's /readyz as `node` sees it ("000": no answer)."""
    url = f"https://{address(lab, target)}:6443/readyz"
    cmd = f"curl -sk --max-time 2 -o /dev/null -w '%{{http_code}}' {url}"
    return lab.sh(node, cmd, check=False).strip()


def haproxy_status(lab: Lab, lb_node: str, server: str) -> str:
    row = next(r for r in lab.haproxy_stat(lb_node) if r["svname"] == server)
    return row["status"]


# ---- the effect each fault names, checked on the lab while it is in place --------------------


def vip_moves_to_m2(lab: Lab) -> None:
    wait_for("the VIP on m2", lambda: lab.vip_holders() == ["m2"], 25)


def lb_port_rejected(lab: Lab) -> None:
    assert lab.vip_holders() == ["m1"]  # keepalived watches the apiserver, not the LB
    wait_for("no API through the VIP", lambda: lab.api_via_vip() == 0, 10)
    assert tcp(address(lab, "m1"), 16443) == "refused"
    assert tcp(address(lab, "m2"), 16443) == "open"


def keepalived_stopped(lab: Lab) -> None:
    assert not lab.running("m1", "keepalived")
    vip_moves_to_m2(lab)


def haproxy_stopped(lab: Lab) -> None:
    assert not lab.running("m2", "haproxy")
    assert tcp(address(lab, "m2"), 16443) == "refused"


def kubelet_stopped(lab: Lab) -> None:
    unit = load_inventory(lab.inventory).services.unit("kubelet")
    assert not lab.running("m3", unit)


def etcd_stopped(lab: Lab) -> None:
    assert not lab.running("m3", "etcd")
    wait_for("m3's apiserver not ready", lambda: lab.readyz("m3") != 200, 15)
    assert lab.readyz("m1") == 200


def split_brain(lab: Lab) -> None:
    wait_for("the VIP on m1 and m2", lambda: lab.vip_holders() == ["m1", "m2"], 25)


def isolated(lab: Lab) -> None:
    wait_for("no API of m3 from m1", lambda: curl_from(lab, "m1", "m3") == "000", 10)
    assert curl_from(lab, "m1", "m2") == "200"
    assert tcp(address(lab, "m3"), 6443, timeout=1) == "timeout"  # dropped, not refused
    assert tcp(address(lab, "m3"), 22) == "open"  # SSH still works


def drained(lab: Lab) -> None:
    for lb in ("m1", "m2", "m3"):
        assert haproxy_status(lab, lb, "m2").startswith("MAINT"), lb
        assert haproxy_status(lab, lb, "m1") == "UP", lb


CASES: dict[str, tuple[str, Callable[[Lab], None]]] = {
    "apiserver-reject": ("m1", vip_moves_to_m2),
    "lb-reject": ("m1", lb_port_rejected),
    "keepalived-stop": ("m1", keepalived_stopped),
    "lb-stop": ("m2", haproxy_stopped),
    "kubelet-stop": ("m3", kubelet_stopped),
    "etcd-stop": ("m3", etcd_stopped),
    "vrrp-block": ("m2", split_brain),
    "isolate": ("m3", isolated),
    "backend-drain": ("m2", drained),
}


def test_every_fault_is_covered() -> None:
    from hatui.faults import FaultKind

    assert set(CASES) == {k.value for k in FaultKind}


@pytest.mark.parametrize("fault", list(CASES))
def test_fault_has_its_effect_and_clears_exactly(cli: FaultCli, fault: str) -> None:
    lab = cli.lab
    node, effect = CASES[fault]
    before = snapshots(lab)
    assert all(not s["watchdogs"] and not s["watchdog files"] for s in before.values())

    fault_id = cli.inject(node, fault)
    listing = cli.list()
    assert fault_id in listing and "in place, watchdog armed" in listing, listing
    if fault not in ("backend-drain",):
        rules = lab.hatui_rules(node)
        iptables_fault = fault in ("apiserver-reject", "lb-reject", "vrrp-block", "isolate")
        assert bool(rules) == iptables_fault, rules
        assert all(f'"hatui:{fault_id}"' in r for r in rules), rules
    effect(lab)

    out = cli.clear(fault_id)
    assert out.strip().endswith(": cleared"), out
    assert cli.list().startswith("no fault in place")
    assert_restored(lab, before)
    (record,) = cli.journal.records()
    assert (record.status, record.cleared_by) == ("cleared", "hatui")
    actions = [line for line in (cli.state_dir / "audit.jsonl").read_text().splitlines()]
    assert len(actions) == 2 and all('"result": "ok"' in a for a in actions)
