"""Steps: how a socket line reaches HAProxy from the node's watchdog (socat, python3, perl),
run for real against a UNIX socket on this machine; and steps in the journal."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from hatui.faults.steps import (
    Shell,
    SocketSend,
    as_shell,
    from_dict,
    haproxy_answer_ok,
    haproxy_command_shell,
    to_dict,
)


class FakeHaproxy:
    """A UNIX socket that records one request (read to EOF) and answers `answer`."""

    def __init__(self, path: Path, answer: bytes) -> None:
        self.path = path
        self.answer = answer
        self.received = b""
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(str(path))
        self.sock.listen(1)
        self.sock.settimeout(10)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.settimeout(10)
            while chunk := conn.recv(4096):
                self.received += chunk
            conn.sendall(self.answer)

    def close(self) -> None:
        self.thread.join(10)
        self.sock.close()


def run(command: str, path_env: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if path_env is not None:
        env["PATH"] = path_env
    return subprocess.run(
        ["/bin/sh", "-c", command], capture_output=True, text=True, timeout=20, env=env
    )


def only(tmp_path: Path, *tools: str) -> str:
    """A PATH holding just these tools (symlinks to the real ones)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in tools:
        real = shutil.which(tool, path="/usr/bin:/bin")  # the system ones, not shims
        assert real, tool
        (bin_dir / tool).symlink_to(real)
    return str(bin_dir)


@pytest.mark.parametrize("tool", ["python3", "perl"])
def test_enable_server_reaches_the_socket(tmp_path: Path, tool: str) -> None:
    server = FakeHaproxy(tmp_path / "admin.sock", b"\n")
    command = haproxy_command_shell(str(server.path), "enable server be/m2")
    result = run(command, only(tmp_path, tool))
    server.close()
    assert result.returncode == 0, result.stderr
    assert server.received == b"enable server be/m2\n"


def test_socat_is_preferred_when_the_node_has_it(tmp_path: Path) -> None:
    path = only(tmp_path, "python3", "cat")
    log = tmp_path / "socat-args"
    fake = Path(path) / "socat"
    fake.write_text(f'#!/bin/sh\necho "$@" > {log}\ncat >/dev/null\n')
    fake.chmod(0o755)
    result = run(haproxy_command_shell("/run/haproxy/admin.sock", "enable server be/m2"), path)
    assert result.returncode == 0, result.stderr
    assert log.read_text() == "- UNIX-CONNECT:/run/haproxy/admin.sock\n"


def test_an_answer_from_haproxy_is_a_failure(tmp_path: Path) -> None:
    server = FakeHaproxy(tmp_path / "admin.sock", b"No such server.\n\n")
    result = run(haproxy_command_shell(str(server.path), "enable server be/m9"))
    server.close()
    assert result.returncode != 0
    assert "haproxy: No such server." in result.stderr
    assert haproxy_answer_ok("\n") and not haproxy_answer_ok("No such server.\n")


def test_a_missing_socket_is_a_failure(tmp_path: Path) -> None:
    result = run(haproxy_command_shell(str(tmp_path / "nope.sock"), "enable server be/m2"))
    assert result.returncode != 0


def test_steps_round_trip_and_show() -> None:
    shell = Shell("m1", "iptables -S")
    sock = SocketSend("m2", "/run/haproxy/admin.sock", "disable server be/m2")
    assert from_dict(to_dict(shell)) == shell and from_dict(to_dict(sock)) == sock
    assert as_shell(shell) == "iptables -S"
    assert as_shell(sock).startswith("( a=$(printf '%s\\n' 'disable server be/m2' | ")
    assert sock.show() == (
        "echo 'disable server be/m2' > /run/haproxy/admin.sock  (over SSH's own socket channel)"
    )
    for bad in ({}, {"node": "m1"}, {"node": 1, "shell": "x"}, ["m1"]):
        with pytest.raises(ValueError):
            from_dict(bad)
