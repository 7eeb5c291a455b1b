"""A person's view: `hatui <lab inventory>` in a real terminal (tmux), keys sent, screen read."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import uuid

import pytest

from labkit import Lab, wait_for


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=10).stdout


@pytest.fixture
def screen(healthy_lab: Lab):
    if shutil.which("tmux") is None:
        pytest.fail("tmux is missing (scripts/install.sh installs it)")
    session = f"hatui-test-{uuid.uuid4().hex[:6]}"
    cmd = f"{shlex.quote(sys.executable)} -m hatui {shlex.quote(str(healthy_lab.inventory))}"
    _tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", cmd)
    try:
        yield session
    finally:
        _tmux("kill-session", "-t", session)


def _text(session: str) -> str:
    return _tmux("capture-pane", "-t", session, "-p")


def test_the_app_shows_the_lab_and_answers_keys(screen: str, healthy_lab: Lab) -> None:
    text = wait_for(
        "the healthy lab on screen",
        lambda: t if "HEALTHY" in (t := _text(screen)) and "MASTER" in t else None,
        30,
    )
    assert f"VIP {healthy_lab.cfg.vip} on m1" in text
    assert "110/121" in text and "100/112" in text and "100/111" in text
    _tmux("send-keys", "-t", screen, "?")
    help_text = wait_for(
        "the help screen", lambda: t if "List every key" in (t := _text(screen)) else None, 10
    )
    assert "Theme" in help_text and "Quit" in help_text
    _tmux("send-keys", "-t", screen, "Escape")
    wait_for("help closed", lambda: "List every key" not in _text(screen), 10)
    _tmux("send-keys", "-t", screen, "q")
    wait_for("the app to quit", lambda: screen not in _tmux("list-sessions"), 10)
