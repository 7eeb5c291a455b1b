"""etcd quorum on the real 3-member cluster, and the stand-in's /readyz following it."""

from __future__ import annotations

from labkit import Lab, wait_for

ETCDCTL = (
    "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --dial-timeout=1s "
    "--command-timeout=2s --cacert=/etc/kubernetes/pki/etcd/ca.crt "
    "--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt "
    "--key=/etc/kubernetes/pki/etcd/healthcheck-client.key"
)


def test_one_member_down_keeps_quorum(healthy_lab: Lab) -> None:
    lab = healthy_lab
    lab.svc("m3", "stop", "etcd")
    wait_for("m3 not ready", lambda: lab.readyz("m3") != 200, 10)
    assert lab.readyz("m1") == 200 and lab.readyz("m2") == 200
    out = lab.sh("m1", f"{ETCDCTL} put hatui-test ok")
    assert out.strip() == "OK"


def test_two_of_three_members_down_lose_quorum(healthy_lab: Lab) -> None:
    lab = healthy_lab
    lab.svc("m2", "stop", "etcd")
    lab.svc("m3", "stop", "etcd")
    wait_for("m1's /readyz failing", lambda: lab.readyz("m1") == 500, 15)
    assert all(lab.readyz(n) != 200 for n in ("m1", "m2", "m3"))
    status, body = __import__("hatui.lab.lifecycle", fromlist=["readyz"]).readyz(
        lab.cfg, lab.node("m1")
    )
    assert "[-]etcd failed" in body and "readyz check failed" in body
    health = lab.sh("m1", f"{ETCDCTL} endpoint health 2>&1", check=False)
    assert "is unhealthy" in health
    # Seed 003's lesson: every check script fails, priorities fall to their bases, and the
    # VIP stays on m1 while the API is down.
    wait_for("priorities 110/100/100", lambda: lab.priorities() == [110, 100, 100], 20)
    assert lab.vip_holders() == ["m1"]
    lab.svc("m2", "start", "etcd")
    lab.svc("m3", "start", "etcd")
    wait_for("m1 ready again", lambda: lab.readyz("m1") == 200, 20)
