"""The transport's pure parts: backoff, command wrapping, error naming, known_hosts trust.

No network: the wrapper is run by the local /bin/sh, known_hosts files live in tmp_path.
The SSH behaviour itself is tested against the real lab in tests/lab/test_transport.py.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import asyncssh
import pytest

from hatui.errors import HatuiError, TransportError
from hatui.inventory import parse_inventory
from hatui.transport import (
    AuthFailed,
    Backoff,
    ChannelFailed,
    CommandFailed,
    CommandResult,
    CommandTimeout,
    HostKeyMismatch,
    HostKeyUnknown,
    IdentityFileError,
    LinkDown,
    LinkState,
    NodeLink,
    PoolClosed,
    SshPool,
    Transport,
    UnknownNode,
    Unreachable,
    remote,
)
from hatui.transport.ssh_options import (
    TrustingClient,
    append_known_host,
    connect_options,
    known_hosts_pattern,
    link_failure,
    load_identities,
    read_host_trust,
)

INVENTORY = textwrap.dedent(
    """\
    cluster: unit
    masters:
      - {name: m1, host: 192.0.2.11}
      - {name: m2, host: 192.0.2.12, port: 2222, user: admin}
    ssh:
      user: root
      agent: true
      known_hosts: /nonexistent/known_hosts
      use_ssh_config: false
    vip: {address: 192.0.2.10}
    """
)


# -- backoff ---------------------------------------------------------------------------------


def test_backoff_doubles_up_to_the_cap_and_resets() -> None:
    b = Backoff(base=0.5, factor=2.0, cap=30.0, jitter=0.1, rand=lambda: 0.0)
    delays = [b.next_delay() for _ in range(9)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert b.failures == 9
    b.reset()
    assert b.failures == 0
    assert b.next_delay() == 0.5


def test_backoff_jitter_only_shortens() -> None:
    b = Backoff(base=1.0, cap=30.0, jitter=0.2, rand=lambda: 1.0)
    assert b.next_delay() == pytest.approx(0.8)
    assert b.next_delay() == pytest.approx(1.6)


def test_backoff_survives_days_of_failures() -> None:
    b = Backoff(rand=lambda: 0.5)
    for _ in range(10_000):
        delay = b.next_delay()
    assert 27.0 <= delay <= 30.0


# -- the remote wrapper ----------------------------------------------------------------------


def _sh(line: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "-c", line], capture_output=True, text=True, timeout=10, env=env, check=False
    )


def test_wrapped_command_announces_its_process_group_first() -> None:
    res = _sh(remote.wrap("echo out; echo err >&2; exit 3"))
    first, *rest = res.stderr.splitlines(keepends=True)
    is_mark, pgid = remote.parse_mark(first)
    assert is_mark and pgid is not None and pgid > 1
    assert rest == ["err\n"]
    assert res.stdout == "out\n"
    assert res.returncode == 3


def test_wrapper_keeps_quotes_and_shell_syntax_intact() -> None:
    command = """printf '%s|' "a b" 'c"d' "$(echo e)"; x='$HOME'; echo "$x" | tr a-z A-Z"""
    res = _sh(remote.wrap(command))
    assert res.stdout == 'a b|c"d|e|$HOME\n'


def test_sudo_wrapper_runs_the_whole_command_under_sudo(tmp_path: Path) -> None:
    # a stand-in sudo on PATH: records its options, then runs the rest as given
    fake = tmp_path / "sudo"
    fake.write_text('#!/bin/sh\necho "sudo $1 $2" >&2\nshift 2\nexec "$@"\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    res = _sh(remote.wrap("echo one; echo two | tr a-z A-Z", sudo=True), env)
    assert res.stderr.splitlines()[0] == "sudo -n --"
    assert remote.parse_mark(res.stderr.splitlines()[1])[0]
    assert res.stdout == "one\nTWO\n"
    assert remote.kill_group(4242, sudo=True) == "sudo -n -- kill -s TERM -- -4242"


def test_kill_group_ends_the_announced_group() -> None:
    proc = subprocess.Popen(
        ["sh", "-c", remote.wrap("sleep 30 | cat")],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # as sshd does for every session
    )
    assert proc.stderr is not None
    _, pgid = remote.parse_mark(proc.stderr.readline())
    assert pgid == proc.pid
    assert _sh(remote.kill_group(pgid)).returncode == 0
    assert proc.wait(timeout=5) != 0


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("hatui-pgid:1234\n", (True, 1234)),
        ("hatui-pgid:\n", (True, None)),
        ("hatui-pgid:1\n", (True, None)),
        ("hatui-pgid:12x\n", (True, None)),
        ("bash: warning: setlocale\n", (False, None)),
        ("", (False, None)),
    ],
)
def test_parse_mark(line: str, expected: tuple[bool, int | None]) -> None:
    assert remote.parse_mark(line) == expected


def test_kill_group_refuses_init_and_everything() -> None:
    for pgid in (-1, 0, 1):
        with pytest.raises(ValueError):
            remote.kill_group(pgid)


# -- naming failures -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "host_known", "cls", "reason"),
    [
        (
            asyncssh.HostKeyNotVerifiable("Host key is not trusted"),
            True,
            HostKeyMismatch,
            "host key mismatch",
        ),
        (
            asyncssh.HostKeyNotVerifiable("Host key is not trusted"),
            False,
            HostKeyUnknown,
            "host key unknown (not in known_hosts)",
        ),
        (asyncssh.PermissionDenied("Permission denied"), True, AuthFailed, "auth failed"),
        (TimeoutError(), True, Unreachable, "timeout after 3.0s"),
        (TimeoutError(), True, Unreachable, "timeout after 3.0s"),
        (
            ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
            True,
            Unreachable,
            "connection refused",
        ),
        (OSError(errno.EHOSTUNREACH, "No route to host"), True, Unreachable, "no route to host"),
        (OSError(errno.EACCES, "Permission denied"), True, Unreachable, "permission denied"),
        (
            socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
            True,
            Unreachable,
            "cannot resolve host (Name or service not known)",
        ),
        (asyncssh.ConnectionLost("Connection lost"), True, Unreachable, "connection lost"),
        (asyncssh.ProtocolError("bad packet"), True, Unreachable, "disconnected: bad packet"),
    ],
)
def test_link_failure_names_the_cause(
    exc: BaseException, host_known: bool, cls: type[LinkDown], reason: str
) -> None:
    err = link_failure("m1", exc, timeout=3.0, host_known=host_known)
    assert type(err) is cls
    assert err.reason == reason
    assert err.node == "m1"
    assert str(err) == f"m1: {reason}"


def test_link_failure_marks_the_jump_host() -> None:
    err = link_failure(
        "m2", ConnectionRefusedError(errno.ECONNREFUSED, "x"), timeout=3, prefix="jump host j: "
    )
    assert err.reason == "jump host j: connection refused"


def test_error_hierarchy_and_titles() -> None:
    errors: list[TransportError] = [
        Unreachable("m1", "connection refused"),
        AuthFailed("m1"),
        HostKeyMismatch("m1"),
        HostKeyUnknown("m1"),
        CommandTimeout("m1", 2.0),
        CommandFailed("m1", 2, "first\nlast words\n"),
        ChannelFailed("m1", "/run/x.sock", "open failed"),
        UnknownNode("m9"),
        PoolClosed("closed"),
        IdentityFileError("bad"),
    ]
    for err in errors:
        assert isinstance(err, TransportError) and isinstance(err, HatuiError)
        assert err.title
    assert all(isinstance(e, LinkDown) for e in errors[:4])
    assert AuthFailed("m1").reason == "auth failed"
    assert CommandTimeout("m1", 2.0).reason == "command timed out after 2.0s"
    failed = CommandFailed("m1", 2, "first\nlast words\n")
    assert (failed.exit_status, failed.stderr) == (2, "first\nlast words\n")
    assert failed.reason == "exit status 2: last words"
    assert CommandFailed("m1", 1, "").reason == "exit status 1"


# -- values ----------------------------------------------------------------------------------


def test_command_result_check() -> None:
    ok = CommandResult("m1", "out", "", 0, started=10.0, finished=10.25)
    assert ok.ok and ok.check() is ok and ok.duration == 0.25
    bad = CommandResult("m1", "", "no such file\n", 2, started=1.0, finished=2.0)
    with pytest.raises(CommandFailed) as caught:
        bad.check()
    assert caught.value.exit_status == 2 and caught.value.stderr == "no such file\n"
    with pytest.raises(dataclasses.FrozenInstanceError):
        bad.exit_status = 0  # type: ignore[misc]


def test_node_link_is_frozen() -> None:
    link = NodeLink("m1", "192.0.2.11", LinkState.UNREACHABLE, "connection refused")
    with pytest.raises(dataclasses.FrozenInstanceError):
        link.state = LinkState.UP  # type: ignore[misc]
    assert str(LinkState.UNREACHABLE) == "unreachable"


# -- known_hosts and trust on first use ------------------------------------------------------


@pytest.fixture(scope="module")
def host_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519").convert_to_public()


def test_known_hosts_pattern() -> None:
    assert known_hosts_pattern("10.0.0.1", 22) == "10.0.0.1"
    assert known_hosts_pattern("10.0.0.1", 2222) == "[10.0.0.1]:2222"


def test_read_host_trust(tmp_path: Path, host_key: asyncssh.SSHKey) -> None:
    path = tmp_path / "ssh" / "known_hosts"
    missing = read_host_trust(str(path), "10.0.0.1", 22)
    assert missing.missing_file and not missing.host_known
    append_known_host(str(path), "10.0.0.1", host_key)
    append_known_host(str(path), "[10.0.0.2]:2222", host_key)
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert read_host_trust(str(path), "10.0.0.1", 22).host_known
    # for a non-default port asyncssh falls back to the port-less entry (its documented rule)
    assert read_host_trust(str(path), "10.0.0.1", 2222).host_known
    assert read_host_trust(str(path), "10.0.0.2", 2222).host_known
    assert not read_host_trust(str(path), "10.0.0.2", 22).host_known
    assert not read_host_trust(str(path), "10.0.0.3", 22).host_known


def test_trust_on_first_use_only_for_unknown_hosts(
    tmp_path: Path, host_key: asyncssh.SSHKey
) -> None:
    path = str(tmp_path / "known_hosts")
    other = asyncssh.generate_private_key("ssh-ed25519").convert_to_public()

    refusing = TrustingClient(read_host_trust(path, "10.0.0.1", 22), False, path)
    assert not refusing.validate_host_public_key("10.0.0.1", "10.0.0.1", 22, host_key)
    assert not Path(path).exists()

    tofu = TrustingClient(read_host_trust(path, "10.0.0.1", 22), True, path)
    assert tofu.validate_host_public_key("10.0.0.1", "10.0.0.1", 22, host_key)
    lines = Path(path).read_text().splitlines()
    assert len(lines) == 1 and lines[0].startswith("10.0.0.1 ssh-ed25519 AAAA")

    # now known: a different key is a mismatch even with accept_new
    changed = TrustingClient(read_host_trust(path, "10.0.0.1", 22), True, path)
    assert not changed.validate_host_public_key("10.0.0.1", "10.0.0.1", 22, other)
    assert len(Path(path).read_text().splitlines()) == 1


# -- options and identities ------------------------------------------------------------------


def test_connect_options(monkeypatch: pytest.MonkeyPatch) -> None:
    ssh = parse_inventory(INVENTORY).ssh
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    opts = connect_options(ssh, [])
    assert opts["config"] is None and opts["agent_path"] is None
    assert "client_keys" not in opts
    assert opts["connect_timeout"] == ssh.connect_timeout
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/agent.sock")
    assert connect_options(ssh, [])["agent_path"] == ()
    no_agent = dataclasses.replace(ssh, agent=False, use_ssh_config=True)
    opts = connect_options(no_agent, [])
    assert opts["agent_path"] is None and opts["config"] == ()


def test_identity_files_are_checked_once(tmp_path: Path) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    good = tmp_path / "id_ed25519"
    key.write_private_key(str(good))
    assert len(load_identities([str(good)])) == 1
    with pytest.raises(IdentityFileError, match="missing"):
        load_identities([str(tmp_path / "missing")])
    junk = tmp_path / "junk"
    junk.write_text("not a key\n")
    with pytest.raises(IdentityFileError, match="junk"):
        load_identities([str(junk)])


# -- the pool without a network --------------------------------------------------------------


async def test_pool_refuses_unknown_nodes_and_calls_after_close() -> None:
    pool = SshPool(parse_inventory(INVENTORY))
    assert isinstance(pool, Transport)
    assert list(pool.statuses()) == ["m1", "m2"]
    assert pool.status("m2").state is LinkState.CONNECTING
    with pytest.raises(UnknownNode):
        await pool.run("m9", "true")
    with pytest.raises(UnknownNode):
        pool.status("m9")
    await pool.close()
    with pytest.raises(PoolClosed):
        await pool.run("m1", "true")
    assert pool.status("m1").state is LinkState.UNREACHABLE


def test_transport_imports_no_ui() -> None:
    code = (
        "import sys, hatui.transport; "
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]; "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
