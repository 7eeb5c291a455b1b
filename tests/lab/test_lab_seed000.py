"""Seed 000's priority table, reproduced on the real daemons of the lab.

Rejecting each apiserver in turn (`iptables -I INPUT -p tcp --dport 6443 -j REJECT`) walks
the effective priorities 121/112/111 -> 110/112/111 -> 110/100/111 -> 110/100/100 and the
VIP from node 1 -> 2 -> 3 -> 1, read from keepalived's own JSON dumps and from `ip addr`.
"""

from __future__ import annotations

from labkit import Lab, wait_for

REJECT = "iptables -I INPUT -p tcp --dport 6443 -j REJECT"


def test_seed000_priority_walk(healthy_lab: Lab) -> None:
    lab = healthy_lab
    assert lab.priorities() == [121, 112, 111]
    assert lab.vip_holders() == ["m1"]
    walk = [
        ("m1", [110, 112, 111], "m2"),
        ("m2", [110, 100, 111], "m3"),
        ("m3", [110, 100, 100], "m1"),
    ]
    for node, expected, holder in walk:
        lab.sh(node, REJECT)
        wait_for(
            f"priorities {expected} after rejecting {node}",
            lambda e=expected: lab.priorities() == e,
            25,
        )
        wait_for(f"the VIP on {holder} alone", lambda h=holder: lab.vip_holders() == [h], 25)
        dumps = {n.name: lab.keepalived_json(n.name) for n in lab.cfg.nodes}
        assert [d["state"] for d in dumps.values()] == [
            2 if name == holder else 1 for name in dumps
        ], f"keepalived states after rejecting {node}"
        assert dumps[holder]["vipset"] is True


def test_the_vip_follows_a_stopped_keepalived_and_comes_back(healthy_lab: Lab) -> None:
    """Seed 003's first experiment: stop keepalived on the holder, the VIP moves; start it
    again and, with preemption, the VIP comes back."""
    lab = healthy_lab
    lab.svc("m1", "stop", "keepalived")
    wait_for("the VIP on m2", lambda: lab.vip_holders() == ["m2"], 20)
    assert not lab.running("m1", "keepalived")
    lab.svc("m1", "start", "keepalived")
    wait_for("the VIP back on m1", lambda: lab.vip_holders() == ["m1"], 25)
