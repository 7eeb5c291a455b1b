"""The catalog's commands, exactly as they would run on a node, for every fault kind."""

from __future__ import annotations

import shlex
from dataclasses import replace

import pytest

from faultkit import FID, SVC, drain_facts, inventory, plan
from hatui.faults.catalog import (
    build_plan,
    check_fault_id,
    check_request,
    new_fault_id,
    parked_manifest,
)
from hatui.faults.errors import NotApplicable
from hatui.faults.facts import Facts
from hatui.faults.kinds import FaultKind
from hatui.faults.steps import Shell, SocketSend
from hatui.inventory import Services

TAG = f"hatui:{FID}"


def only_shell(steps: tuple) -> str:
    (step,) = steps
    assert isinstance(step, Shell)
    return step.command


def test_apiserver_reject_is_seed_000_rule_with_the_tag() -> None:
    p = plan(FaultKind.APISERVER_REJECT, "m1")
    (node,) = p.nodes
    assert node.node == "m1"
    assert only_shell(node.inject) == (
        f"iptables -w 5 -I INPUT 1 -p tcp --dport 6443 -m comment --comment {TAG} -j REJECT"
    )
    spec = f"INPUT -p tcp --dport 6443 -m comment --comment {TAG} -j REJECT"
    assert only_shell(node.clear) == (
        f"if iptables -w 5 -C {spec} 2>/dev/null; then iptables -w 5 -D {spec}; fi"
    )
    assert node.check.step == Shell("m1", f"iptables -w 5 -C {spec} 2>/dev/null")
    assert node.check.maint is None


def test_lb_reject_uses_the_lb_port() -> None:
    inject = only_shell(plan(FaultKind.LB_REJECT, "m2").nodes[0].inject)
    assert shlex.split(inject)[6:10] == ["-p", "tcp", "--dport", "16443"]
    assert TAG in inject


def test_vrrp_block_multicast_drops_protocol_112_in_and_out() -> None:
    node = plan(FaultKind.VRRP_BLOCK, "m2", Facts()).nodes[0]
    assert only_shell(node.inject) == (
        f"iptables -w 5 -I INPUT 1 -p 112 -m comment --comment {TAG} -j DROP && "
        f"iptables -w 5 -I OUTPUT 1 -p 112 -m comment --comment {TAG} -j DROP"
    )
    clear = only_shell(node.clear)
    assert clear.index("-D OUTPUT") < clear.index("-D INPUT")  # reverse order


def test_vrrp_block_unicast_drops_vrrp_to_and_from_each_peer_only() -> None:
    facts = Facts(unicast_peers=("10.232.0.11", "10.232.0.13", "fd00::13"))
    inject = only_shell(plan(FaultKind.VRRP_BLOCK, "m2", facts).nodes[0].inject)
    parts = inject.split(" && ")
    assert parts == [
        f"iptables -w 5 -I INPUT 1 -s 10.232.0.11 -p 112 -m comment --comment {TAG} -j DROP",
        f"iptables -w 5 -I INPUT 2 -s 10.232.0.13 -p 112 -m comment --comment {TAG} -j DROP",
        f"ip6tables -w 5 -I INPUT 1 -s fd00::13 -p 112 -m comment --comment {TAG} -j DROP",
        f"iptables -w 5 -I OUTPUT 1 -d 10.232.0.11 -p 112 -m comment --comment {TAG} -j DROP",
        f"iptables -w 5 -I OUTPUT 2 -d 10.232.0.13 -p 112 -m comment --comment {TAG} -j DROP",
        f"ip6tables -w 5 -I OUTPUT 1 -d fd00::13 -p 112 -m comment --comment {TAG} -j DROP",
    ]


def test_isolate_keeps_ssh_on_the_masters_own_port_and_never_drops_before_accepting() -> None:
    node = plan(FaultKind.ISOLATE, "m2").nodes[0]
    inserts = only_shell(node.inject).split(" && ")
    specs = [shlex.split(c)[3:] for c in inserts]  # after "iptables -w 5"
    assert [s[:2] for s in specs] == [
        ["-I", "INPUT"],
        ["-I", "INPUT"],
        ["-I", "INPUT"],
        ["-I", "OUTPUT"],
        ["-I", "OUTPUT"],
        ["-I", "OUTPUT"],
    ]
    assert [s[2] for s in specs] == ["1", "2", "3", "1", "2", "3"]
    assert specs[0][3:] == ["-p", "tcp", "--dport", "2222", "-m", "comment", "--comment", TAG,
                            "-j", "ACCEPT"]  # fmt: skip
    assert specs[1][3:5] == ["-i", "lo"] and specs[4][3:5] == ["-o", "lo"]
    assert specs[2][3:] == ["-m", "comment", "--comment", TAG, "-j", "DROP"]
    assert specs[3][3:7] == ["-p", "tcp", "--sport", "2222"]
    # clearing removes the DROPs before the ACCEPTs that keep this SSH session alive
    deletes = [c for c in only_shell(node.clear).split(" && ")]
    targets = [c.rsplit(" -j ", 1)[1].rstrip("; fi") for c in deletes]
    assert targets == ["DROP", "ACCEPT", "ACCEPT", "DROP", "ACCEPT", "ACCEPT"]
    assert "-D OUTPUT" in deletes[0] and "-D INPUT" in deletes[3]


def test_isolate_uses_port_22_by_default() -> None:
    inject = only_shell(plan(FaultKind.ISOLATE, "m1").nodes[0].inject)
    assert "--dport 22 " in inject and "--sport 22 " in inject


@pytest.mark.parametrize(
    ("kind", "unit"),
    [
        (FaultKind.KEEPALIVED_STOP, "keepalived"),
        (FaultKind.LB_STOP, "haproxy"),
        (FaultKind.KUBELET_STOP, "kube-apiserver"),  # the inventory's unit for kubelet
        (FaultKind.ETCD_STOP, "etcd"),
    ],
)
def test_service_faults_use_the_inventory_services_command(kind: FaultKind, unit: str) -> None:
    node = plan(kind, "m3").nodes[0]
    assert node.inject == (Shell("m3", f"{SVC} stop {unit}"),)
    assert node.clear == (Shell("m3", f"{SVC} start {unit}"),)
    assert node.check.step == Shell("m3", f"! {SVC} status {unit} >/dev/null 2>&1")


def test_lb_stop_stops_nginx_when_the_lb_is_nginx() -> None:
    node = plan(FaultKind.LB_STOP, "m1", inv=inventory("nginx")).nodes[0]
    assert node.inject == (Shell("m1", f"{SVC} stop nginx"),)


def test_default_services_command_is_systemctl_with_quoted_units() -> None:
    inv = replace(inventory(), services=Services())
    node = plan(FaultKind.KUBELET_STOP, "m1", inv=inv).nodes[0]
    assert node.inject == (Shell("m1", "systemctl stop kubelet"),)
    assert node.clear == (Shell("m1", "systemctl start kubelet"),)


@pytest.mark.parametrize("running", [False, None])
def test_a_service_that_is_not_known_to_run_is_never_stopped(running: bool | None) -> None:
    with pytest.raises(NotApplicable, match="hatui stops only a running service"):
        plan(FaultKind.KEEPALIVED_STOP, "m1", Facts(service_running=running))


def test_static_pod_etcd_parks_its_manifest_and_puts_it_back() -> None:
    node = plan(FaultKind.ETCD_STOP, "m2", Facts(service_running=True, etcd_static_pod=True))
    (n,) = node.nodes
    parked = f"/etc/kubernetes/etcd.yaml.hatui-{FID}"
    manifest = "/etc/kubernetes/manifests/etcd.yaml"
    assert parked_manifest(FID) == parked
    assert only_shell(n.inject) == (
        f"[ -f {manifest} ] && [ ! -e {parked} ] && mv {manifest} {parked}"
    )
    clear = only_shell(n.clear)
    assert clear.startswith(f"if [ -e {parked} ]; then if [ -e {manifest} ]; then ")
    assert clear.endswith(f"false; else mv {parked} {manifest}; fi; fi")
    assert n.check.step == Shell("m2", f"[ -e {parked} ]")
    assert "hatui-lab-svc" not in clear + only_shell(n.inject)


def test_backend_drain_disables_the_server_on_every_lb_node() -> None:
    p = plan(FaultKind.BACKEND_DRAIN, "m2")
    assert p.node_names == ("m1", "m2", "m3")
    assert p.title() == "backend-drain of m2 on m1, m2, m3"
    for node in p.nodes:
        sock = "/run/haproxy/admin.sock"
        assert node.inject == (
            SocketSend(node.node, sock, "disable server kubernetes-apiserver/m2"),
        )
        assert node.clear == (SocketSend(node.node, sock, "enable server kubernetes-apiserver/m2"),)
        assert node.check.step == SocketSend(node.node, sock, "show stat")
        assert node.check.maint == "kubernetes-apiserver/m2"


def test_backend_drain_leaves_a_server_an_operator_put_in_maint_alone() -> None:
    p = plan(FaultKind.BACKEND_DRAIN, "m2", drain_facts({"m1": "MAINT"}))
    assert p.node_names == ("m2", "m3")
    with pytest.raises(NotApplicable, match="already in MAINT on every LB node"):
        plan(FaultKind.BACKEND_DRAIN, "m2", drain_facts(dict.fromkeys(("m1", "m2", "m3"), "MAINT")))


def test_backend_drain_needs_the_server_on_every_lb_node_and_one_backend() -> None:
    partial = Facts(drain=drain_facts().drain[:2])
    with pytest.raises(NotApplicable, match="not a server of any backend in HAProxy on m3"):
        plan(FaultKind.BACKEND_DRAIN, "m2", partial)
    two = drain_facts()
    other = Facts(drain=two.drain + (type(two.drain[0])("m1", "api-b", "m2", "UP"),))
    with pytest.raises(NotApplicable, match=r"several HAProxy backends \(api-b, kube.*--backend"):
        plan(FaultKind.BACKEND_DRAIN, "m2", other)


def test_lb_hosts_limit_backend_drain_and_lb_faults() -> None:
    inv = inventory(lb_hosts="m1, m2")
    p = plan(FaultKind.BACKEND_DRAIN, "m3", Facts(drain=drain_facts(server="m3").drain[:2]), inv)
    assert p.node_names == ("m1", "m2")
    with pytest.raises(NotApplicable, match="m3 runs no load balancer"):
        check_request(inv, FaultKind.LB_STOP, "m3")


@pytest.mark.parametrize(
    ("kind", "target", "backend", "lb", "message"),
    [
        (FaultKind.ISOLATE, "m9", None, "haproxy", "no master 'm9'"),
        (FaultKind.ISOLATE, "m1", "be", "haproxy", "--backend applies to backend-drain only"),
        (FaultKind.BACKEND_DRAIN, "m1", "be;rm -rf /", "haproxy", "--backend: expected"),
        (FaultKind.BACKEND_DRAIN, "m1", None, "nginx", "needs HAProxy's runtime API"),
        (FaultKind.LB_STOP, "m1", None, "lvs", "only stop haproxy or nginx"),
        (FaultKind.LB_REJECT, "m1", None, "none", "only stop haproxy or nginx"),
    ],
)
def test_requests_that_cannot_apply(
    kind: FaultKind, target: str, backend: str | None, lb: str, message: str
) -> None:
    with pytest.raises(NotApplicable, match=message):
        check_request(inventory(lb), kind, target, backend)


def test_fault_ids_are_8_hex_digits_and_checked() -> None:
    ids = {new_fault_id() for _ in range(50)}
    assert len(ids) == 50 and all(check_fault_id(i) == i for i in ids)
    for bad in ("", "0A1B2C3D", "0a1b2c3", "0a1b2c3d;", "../../x1"):
        with pytest.raises(ValueError):
            check_fault_id(bad)
    with pytest.raises(ValueError):
        build_plan(
            inventory(), FaultKind.ISOLATE, "m1", fault_id="x; reboot", ttl=60, facts=Facts()
        )


def test_every_iptables_fault_tags_every_rule_it_adds() -> None:
    for kind in (FaultKind.APISERVER_REJECT, FaultKind.LB_REJECT, FaultKind.VRRP_BLOCK,
                 FaultKind.ISOLATE):  # fmt: skip
        node = plan(kind, "m1", Facts()).nodes[0]
        for command in only_shell(node.inject).split(" && "):
            args = shlex.split(command)
            assert args[args.index("--comment") + 1] == TAG, command


def test_the_watchdog_runs_the_clear_steps() -> None:
    p = plan(FaultKind.APISERVER_REJECT, "m1", ttl=90.2)
    arm = p.arm_command(p.nodes[0])
    assert only_shell(p.nodes[0].clear) in arm
    assert 'hatui-watchdog "$b" 91 ' in arm  # the TTL rounded up: never early
    drain = plan(FaultKind.BACKEND_DRAIN, "m2")
    script = drain.nodes[0].clear_script
    assert "enable server kubernetes-apiserver/m2" in script and "/run/haproxy/admin.sock" in script
