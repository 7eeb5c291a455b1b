"""What hatui reads before a fault: service states, unicast peers, HAProxy servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from faultkit import SVC, inventory
from hatui.faults.facts import (
    DrainTarget,
    Facts,
    drain_targets,
    parse_service_state,
    service_state_command,
    unicast_peers,
    vrrp_instances,
)
from hatui.lab.config import LabConfig
from hatui.lab.render import keepalived_conf
from hatui.observations import HaproxyObservation
from hatui.parsers import parse_haproxy_stat

CAPTURED = Path(__file__).parent / "fixtures" / "captured"

SEED_002 = """
! Configuration File for keepalived (seed 002, two LB nodes, unicast)
global_defs {
   router_id LVS_DEVEL
}
vrrp_script check_haproxy {
    script "/etc/keepalived/check_haproxy.sh"   # stops keepalived when haproxy is gone
    interval 3
}
vrrp_instance VI_1
{
    state MASTER
    interface eth0
    virtual_router_id 80
    priority 100
    unicast_src_ip 192.168.0.11
    unicast_peer {
        192.168.0.12   # the other LB node
        # 192.168.0.99 commented out
    }
    authentication {
        auth_type PASS
        auth_pass s3cret
    }
    virtual_ipaddress {
        192.168.0.100
    }
}
vrrp_instance VI_INGRESS {
    virtual_router_id 81
    unicast_peer { 192.168.0.50 192.168.0.51 }
}
"""


def test_unicast_peers_of_the_lab_config() -> None:
    cfg = LabConfig(vrrp="unicast", subnet="10.232.0.0/24")
    node = cfg.nodes[1]
    text = keepalived_conf(cfg, node, auth_pass="x")
    assert unicast_peers(text, "VI_1", 51) == ("10.232.0.11", "10.232.0.13")
    multicast = keepalived_conf(LabConfig(subnet="10.232.0.0/24"), node, auth_pass="x")
    assert unicast_peers(multicast, "VI_1", 51) == ()


def test_unicast_peers_by_instance_name_then_vrid_then_all() -> None:
    assert unicast_peers(SEED_002, "VI_1", None) == ("192.168.0.12",)
    assert unicast_peers(SEED_002, None, 81) == ("192.168.0.50", "192.168.0.51")
    assert unicast_peers(SEED_002, None, None) == (
        "192.168.0.12",
        "192.168.0.50",
        "192.168.0.51",
    )
    assert unicast_peers(SEED_002, "VI_9", None) == ()
    names = [(i.name, i.vrid) for i in vrrp_instances(SEED_002)]
    assert names == [("VI_1", 80), ("VI_INGRESS", 81)]


def test_unicast_peers_ignore_ttl_options_and_garbage() -> None:
    text = (
        "vrrp_instance A {\n unicast_peer {\n  10.0.0.2 min_ttl 1 max_ttl 2\n  not-an-ip\n"
        "  fd00::3\n }\n}\n"
    )
    assert unicast_peers(text, "A", None) == ("10.0.0.2", "fd00::3")
    assert unicast_peers("", "A", None) == ()
    assert unicast_peers("vrrp_instance A {\n unicast_peer {\n 10.0.0.2", "A", None) == (
        "10.0.0.2",
    )


def test_service_state_commands_and_answers() -> None:
    services = inventory().services
    assert service_state_command(services, "keepalived") == (
        f"if {SVC} status keepalived >/dev/null 2>&1; then echo running; else echo stopped; fi"
    )
    etcd = service_state_command(services, "etcd", etcd=True)
    assert etcd.startswith("if [ -f /etc/kubernetes/manifests/etcd.yaml ]; then echo static-pod;")
    assert f"elif {SVC} status etcd >/dev/null 2>&1; then echo running;" in etcd
    assert parse_service_state("running\n") == "running"
    assert parse_service_state("noise\nstatic-pod\n") == "static-pod"
    assert parse_service_state("") is None
    assert parse_service_state("maybe") is None


def haproxy(name: str) -> HaproxyObservation:
    obs = parse_haproxy_stat((CAPTURED / f"haproxy-show-stat-{name}.csv").read_text())
    assert isinstance(obs, HaproxyObservation)
    return obs


def test_drain_targets_find_the_apiserver_by_address() -> None:
    found = drain_targets(
        "m1",
        haproxy("m1-rejected"),
        target="m1",
        target_host="10.232.0.11",
        apiserver_port=6443,
        backend=None,
    )
    assert found == [DrainTarget("m1", "kubernetes-apiserver", "m1", "DOWN")]


def test_drain_targets_by_name_when_the_address_does_not_match() -> None:
    found = drain_targets(
        "m3",
        haproxy("healthy"),
        target="m2",
        target_host="m2.example.com",
        apiserver_port=6443,
        backend=None,
    )
    assert found == [DrainTarget("m3", "kubernetes-apiserver", "m2", "UP")]


def test_drain_targets_only_in_the_named_backend() -> None:
    args = dict(target="m2", target_host="10.232.0.12", apiserver_port=6443)
    assert drain_targets("m1", haproxy("healthy"), backend="other", **args) == []
    assert len(drain_targets("m1", haproxy("healthy"), backend="kubernetes-apiserver", **args)) == 1
    assert drain_targets("m1", haproxy("healthy"), backend=None, **{**args, "apiserver_port": 1})


def test_facts_round_trip_and_refuse_bad_values() -> None:
    facts = Facts(
        service_running=True,
        etcd_static_pod=True,
        unicast_peers=("10.0.0.2",),
        drain=(DrainTarget("m1", "be", "m2", "UP"),),
    )
    assert Facts.from_dict(facts.to_dict()) == facts
    with pytest.raises(ValueError):
        Facts.from_dict({"unicast_peers": ["10.0.0.2; reboot"]})
    with pytest.raises(ValueError):
        Facts.from_dict({"drain": [{"node": "m1", "proxy": "b e", "server": "s", "status": "UP"}]})
    with pytest.raises(ValueError):
        Facts.from_dict({"service_running": "yes"})
