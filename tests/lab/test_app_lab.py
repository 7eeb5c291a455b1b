"""The app (Pilot) on the real lab: what the panes show healthy and after each real fault.

The app runs its real live source (SSH pool + collector) against the lab; faults are made by
hand in the nodes (labkit), as an operator would, and the `healthy_lab` fixture restores.
"""

from __future__ import annotations

import asyncio

from hatui.inventory import load_inventory
from hatui.model import Verdict
from hatui.ui import HatuiApp
from hatui.ui.live import LiveSource
from labkit import Lab
from ui.harness import until_shown as until

TAG = "hatui:test"
SIZE = (100, 30)


def live_app(lab: Lab) -> HatuiApp:
    inventory = load_inventory(lab.inventory)
    return HatuiApp(LiveSource(inventory, interval=0.5), cluster_name=inventory.cluster)


async def sh(lab: Lab, node: str, cmd: str) -> str:
    return await asyncio.to_thread(lab.sh, node, cmd)


def row(text: str, node: str) -> list[str]:
    """The VRRP table row of `node` (its first line starting with the node name)."""
    return next(ln.split() for ln in text.splitlines() if ln.split()[:1] == [node])


async def test_healthy_lab_and_the_keys(healthy_lab: Lab) -> None:
    app = live_app(healthy_lab)
    async with app.run_test(size=SIZE) as pilot:
        text = await until(pilot, app, "HEALTHY", lambda t: "HEALTHY" in t and "MASTER" in t, 30)
        assert f"VIP {healthy_lab.cfg.vip} on m1" in text
        assert row(text, "m1")[:6] == ["m1", "ok", "MASTER", "110/121", "VIP", "yes"]
        assert row(text, "m2")[:4] == ["m2", "ok", "BACKUP", "100/112"]
        assert "─▶ m1 haproxy 3/3 ─▶ m1 UP  m2 UP  m3 UP  API answers" in text
        assert "3/3 healthy, needs 2, tolerates 1 more" in text
        assert app.state is not None and app.state.verdict is Verdict.HEALTHY
        # Enter on the first row: m1's detail, its keepalived dump redacted
        await pilot.press("enter")
        detail = await until(
            pilot, app, "m1's detail", lambda t: "keepalived" in t and "m1" in t, 10
        )
        secret = healthy_lab.sh("m1", "sed -n 's/.*auth_pass *//p' /etc/keepalived/keepalived.conf")
        assert secret.strip() and secret.strip() not in detail
        await pilot.press("escape")
        await pilot.press("question_mark")
        await until(pilot, app, "help", lambda t: "List every key" in t, 10)
        await pilot.press("escape")


async def test_rejected_apiserver_moves_the_vip_on_screen(healthy_lab: Lab) -> None:
    app = live_app(healthy_lab)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, app, "HEALTHY", lambda t: "HEALTHY" in t, 30)
        await sh(
            healthy_lab,
            "m1",
            f"iptables -I INPUT -p tcp --dport 6443 -j REJECT -m comment --comment {TAG}",
        )
        text = await until(
            pilot,
            app,
            "the VIP on m2 with m1's backend DOWN",
            lambda t: f"VIP {healthy_lab.cfg.vip} on m2" in t and "m2 haproxy 2/3 ─▶ m1 DOWN" in t,
            40,
        )
        assert "DEGRADED" in text
        assert row(text, "m1")[:4] == ["m1", "ok", "BACKUP", "110/110"]
        assert row(text, "m2")[:6] == ["m2", "ok", "MASTER", "100/112", "VIP", "yes"]
        assert "VIP moved from m1 to m2" in text
        # the priority change may be a sweep older, below the fold of a small event log
        assert any(e.text == "m1 priority 121 -> 110" for e in app.timeline)


async def test_split_brain_on_screen(healthy_lab: Lab) -> None:
    app = live_app(healthy_lab)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, app, "HEALTHY", lambda t: "HEALTHY" in t, 30)
        for chain in ("INPUT", "OUTPUT"):
            await sh(
                healthy_lab, "m2", f"iptables -I {chain} -p vrrp -j DROP -m comment --comment {TAG}"
            )
        text = await until(pilot, app, "SPLIT-BRAIN", lambda t: "SPLIT-BRAIN" in t, 30)
        assert f"VIP {healthy_lab.cfg.vip} on m1 + m2" in text
        assert row(text, "m1")[2] == "MASTER" and row(text, "m2")[2] == "MASTER"


async def test_quorum_lost_on_screen(healthy_lab: Lab) -> None:
    app = live_app(healthy_lab)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, app, "HEALTHY", lambda t: "HEALTHY" in t, 30)
        for n in ("m2", "m3"):
            await asyncio.to_thread(healthy_lab.svc, n, "stop", "etcd")
        text = await until(pilot, app, "QUORUM-LOST", lambda t: "QUORUM-LOST" in t, 40)
        assert "tolerates none" in text
        assert "API FAILS" in text or "NOT READY" in text


async def test_unreachable_node_on_screen_while_the_others_update(healthy_lab: Lab) -> None:
    app = live_app(healthy_lab)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, app, "HEALTHY", lambda t: "HEALTHY" in t, 30)
        await asyncio.to_thread(healthy_lab.svc, "m3", "stop", "sshd")
        await asyncio.to_thread(healthy_lab.kill_ssh_sessions, "m3")
        text = await until(
            pilot, app, "m3 unreachable", lambda t: "m3 unreachable: connection refused" in t, 30
        )
        assert row(text, "m3")[:3] == ["m3", "DOWN", "unreachable"]
        assert "DEGRADED" in text
        # the others keep updating: a fault on m1 still shows while m3 stays unreachable
        await sh(
            healthy_lab,
            "m1",
            f"iptables -I INPUT -p tcp --dport 6443 -j REJECT -m comment --comment {TAG}",
        )
        text = await until(
            pilot, app, "m1's script BAD", lambda t: row(t, "m1")[3] == "110/110", 30
        )
        assert row(text, "m3")[1] == "DOWN"
