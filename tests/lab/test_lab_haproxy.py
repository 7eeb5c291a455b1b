"""HAProxy on every master marks a rejected apiserver DOWN on its admin socket."""

from __future__ import annotations

from labkit import Lab, wait_for


def _server_status(lab: Lab, lb_node: str) -> dict[str, str]:
    return {
        r["svname"]: r["status"]
        for r in lab.haproxy_stat(lb_node)
        if r["pxname"] == "kubernetes-apiserver" and r["svname"] not in ("FRONTEND", "BACKEND")
    }


def test_rejected_backend_goes_down_then_up(healthy_lab: Lab) -> None:
    lab = healthy_lab
    for n in lab.cfg.nodes:
        assert _server_status(lab, n.name) == {"m1": "UP", "m2": "UP", "m3": "UP"}, n.name
    lab.sh("m2", "iptables -I INPUT -p tcp --dport 6443 -j REJECT")
    for lb in ("m1", "m2", "m3"):
        wait_for(
            f"m2 DOWN on {lb}'s HAProxy",
            lambda lb=lb: _server_status(lab, lb) == {"m1": "UP", "m2": "DOWN", "m3": "UP"},
            20,
        )
    lab.sh("m2", "iptables -D INPUT -p tcp --dport 6443 -j REJECT")
    wait_for("m2 UP again on m1's HAProxy", lambda: _server_status(lab, "m1")["m2"] == "UP", 20)


def test_the_api_answers_through_the_vip(healthy_lab: Lab) -> None:
    import urllib.request

    from hatui.lab.lifecycle import _api_ctx

    url = f"https://{healthy_lab.cfg.vip}:16443/readyz"
    with urllib.request.urlopen(url, timeout=5, context=_api_ctx(healthy_lab.cfg)) as r:
        assert r.status == 200 and r.read() == b"ok"
