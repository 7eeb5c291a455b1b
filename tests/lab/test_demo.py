"""`hatui demo` in a real terminal (tmux): the lab comes up, the app shows it, and the lab is
gone again however the demo ends (q, Ctrl-C, SIGTERM while the lab is still coming up); a
demo killed with SIGKILL leaves its lab for the next demo to adopt and remove.

The demo's lab has its own name and subnet (env HATUI_TEST_DEMO_LAB, HATUI_TEST_DEMO_SUBNET).
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hatui.lab import lifecycle
from labkit import wait_for

NAME = os.environ.get("HATUI_TEST_DEMO_LAB", "hatuitd")
SUBNET = os.environ.get("HATUI_TEST_DEMO_SUBNET", "10.233.0.0/24")


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=10).stdout


def lab_left() -> list[str]:
    """Namespaces and links of the demo's lab still on the machine, and its state folder."""
    netns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    left = [ln.split()[0] for ln in netns.splitlines() if ln.startswith(f"{NAME}-")]
    left += [ln.split(":")[1].strip() for ln in links.splitlines() if f" {NAME}-" in ln]
    if Path(f"/var/lib/{NAME}-lab").exists():
        left.append(f"/var/lib/{NAME}-lab")
    return left


class Demo:
    """One `hatui demo` running in a tmux session; its pane keeps the output after exit."""

    def __init__(self, inventory: Path) -> None:
        self.session = f"hatui-demo-{uuid.uuid4().hex[:6]}"
        argv = [sys.executable, "-m", "hatui", "demo", "--name", NAME, "--subnet", SUBNET]
        argv += ["--inventory", str(inventory)]
        cmd = "exec " + " ".join(shlex.quote(a) for a in argv)
        _tmux("new-session", "-d", "-s", self.session, "-x", "100", "-y", "30", "sh", "-c", cmd)
        _tmux("set-option", "-t", self.session, "remain-on-exit", "on")
        self.pid = int(_tmux("display-message", "-p", "-t", self.session, "#{pane_pid}").strip())

    def text(self) -> str:
        return _tmux("capture-pane", "-t", self.session, "-p", "-S", "-200")

    def wait_text(self, what: str, timeout: float) -> str:
        return wait_for(
            f"{what!r} on the demo's screen",
            lambda: t if what in (t := self.text()) else None,
            timeout,
        )

    def exited(self) -> bool:
        return _tmux("display-message", "-p", "-t", self.session, "#{pane_dead}").strip() == "1"

    def close(self) -> None:
        _tmux("kill-session", "-t", self.session)


@pytest.fixture
def demos(tmp_path: Path) -> Iterator[list[Demo]]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is missing (scripts/install.sh installs it)")
    # a run killed part way (a CI job cancelled mid-demo) may have left this reserved lab up:
    # it is the tests' own name, so take it down rather than measure the next run against it
    lifecycle.down(NAME, say=lambda m: None)
    started: list[Demo] = []
    try:
        yield started
    finally:
        for d in started:
            d.close()
        lifecycle.down(NAME, say=lambda m: None)


def start(demos: list[Demo], tmp_path: Path) -> Demo:
    demo = Demo(tmp_path / "demo-inventory.yaml")
    demos.append(demo)
    return demo


def test_q_and_ctrl_c_end_the_demo_and_take_the_lab_down(demos: list[Demo], tmp_path: Path) -> None:
    assert lab_left() == []
    for key in ("q", "C-c"):
        demo = start(demos, tmp_path)
        screen = demo.wait_text("HEALTHY", 90)
        assert "MASTER" in screen and "110/121" in screen
        assert (tmp_path / "demo-inventory.yaml").exists()
        assert lab_left() != []
        _tmux("send-keys", "-t", demo.session, key)
        wait_for("the demo to end", demo.exited, 60)
        out = demo.text()
        assert f"taking the lab {NAME!r} down" in out and "lab down: removed 3 node holders" in out
        assert lab_left() == [], key
        assert not (tmp_path / "demo-inventory.yaml").exists()


def test_sigterm_while_the_lab_comes_up_still_removes_it(demos: list[Demo], tmp_path: Path) -> None:
    demo = start(demos, tmp_path)
    demo.wait_text("] starting sshd", 60)  # holders and namespaces exist by now
    assert lab_left() != []
    os.kill(demo.pid, signal.SIGTERM)
    wait_for("the demo to end", demo.exited, 60)
    assert "interrupted" in demo.text()
    assert lab_left() == []


def test_a_killed_demos_lab_is_adopted_by_the_next_and_removed(
    demos: list[Demo], tmp_path: Path
) -> None:
    first = start(demos, tmp_path)
    first.wait_text("HEALTHY", 90)
    os.kill(first.pid, signal.SIGKILL)
    wait_for("the first demo to die", first.exited, 10)
    assert lab_left() != []  # SIGKILL cannot be caught: the lab stays, marked as a demo's
    second = start(demos, tmp_path)
    second.wait_text("HEALTHY", 90)
    os.kill(second.pid, signal.SIGTERM)  # the app's own handler: quit cleanly
    wait_for("the second demo to end", second.exited, 60)
    # (the app's screen hid the progress lines; they are back once it ended)
    assert f"adopting the lab {NAME!r} that a killed demo (pid {first.pid})" in second.text()
    assert lab_left() == []
