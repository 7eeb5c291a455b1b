"""Each lab node is its own little machine: SSH with verified host keys, private /tmp and
pid namespace, a hostname, and service control that only touches its own daemons."""

from __future__ import annotations

import subprocess
import sys

from labkit import Lab


def _ssh(lab: Lab, address: str, cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "ssh",
            "-i",
            str(lab.cfg.identity_file),
            "-o",
            f"UserKnownHostsFile={lab.cfg.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=5",
            f"root@{address}",
            cmd,
        ],
        capture_output=True,
        text=True,
        timeout=20,
    )


def test_ssh_key_only_login_with_verified_host_keys(lab: Lab) -> None:
    for node in lab.cfg.nodes:
        res = _ssh(lab, node.address, "hostname")
        assert res.returncode == 0, res.stderr
        assert res.stdout.strip() == node.name
    # through the VIP too (its known_hosts lists every node's key under the VIP)
    assert _ssh(lab, lab.cfg.vip, "hostname").stdout.strip() in {"m1", "m2", "m3"}


def test_a_wrong_host_key_is_refused(lab: Lab, tmp_path) -> None:
    kh = tmp_path / "known_hosts"
    other = lab.cfg.known_hosts.read_text().splitlines()
    m2_key = next(ln for ln in other if ln.startswith(lab.node("m2").address + " "))
    kh.write_text(m2_key.replace(lab.node("m2").address, lab.node("m1").address, 1) + "\n")
    res = subprocess.run(
        [
            "ssh",
            "-i",
            str(lab.cfg.identity_file),
            "-o",
            f"UserKnownHostsFile={kh}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            f"root@{lab.node('m1').address}",
            "true",
        ],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert res.returncode == 255 and "HOST IDENTIFICATION HAS CHANGED" in res.stderr


def test_private_tmp_and_pid_namespace(lab: Lab) -> None:
    lab.sh("m1", "echo m1-only > /tmp/hatui-private-test")
    assert (
        lab.sh("m2", "cat /tmp/hatui-private-test 2>&1 || true")
        .strip()
        .endswith("No such file or directory")
    )
    lab.sh("m1", "rm -f /tmp/hatui-private-test")
    # each node sees only its own daemons: one keepalived parent, not three
    assert lab.sh("m1", "cat /proc/1/cmdline | tr '\\0' ' '").count("hatui.lab.holder") == 1
    assert len(lab.sh("m2", "pidof haproxy").split()) == 2  # master + worker of m2 only


def test_stopping_a_service_on_one_node_leaves_the_others(healthy_lab: Lab) -> None:
    lab = healthy_lab
    lab.svc("m2", "stop", "haproxy")
    assert not lab.running("m2", "haproxy")
    assert lab.running("m1", "haproxy") and lab.running("m3", "haproxy")
    assert lab.sh("m2", "pidof haproxy || echo none").strip() == "none"
    lab.svc("m2", "start", "haproxy")
    assert lab.running("m2", "haproxy")


def test_lab_inventory_loads_with_the_inventory_schema(lab: Lab) -> None:
    from hatui.inventory import load_inventory

    inv = load_inventory(lab.inventory)
    assert [m.host for m in inv.masters] == [n.address for n in lab.cfg.nodes]
    assert inv.vip.address == lab.cfg.vip
    assert inv.api_endpoint == (lab.cfg.vip, 16443)
    cmd = inv.services.command("keepalived", "status")
    assert cmd == f"{lab.cfg.svc_command} status keepalived"
    # and the command it names really is the node's service control
    assert lab.sh("m1", cmd).strip().startswith("keepalived: running")


def test_lab_status_command(lab: Lab) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "hatui", "lab", "status", "--name", lab.cfg.name],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split()[:3] == ["node", "address", "holder"]
    assert "holds " + lab.cfg.vip in lines[1] and lines[1].startswith("m1")
    assert "STOPPED" not in res.stdout
