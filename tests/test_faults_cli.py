"""`hatui fault ...` and `hatui clear` without a lab: arguments, exit statuses, read-only,
the --dry-run text and the list's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from faultkit import plan
from hatui.cli import main
from hatui.fault_cmd import EXIT_REFUSED, EXIT_USAGE, describe, render_plan
from hatui.faults import FaultKind, FaultStatus, NodeStatus
from hatui.faults.journal import Journal
from hatui.faults.watchdog import WatchdogState

INVENTORY = """
cluster: nowhere
masters:
  - {name: m1, host: 192.0.2.11}
vip: {address: 192.0.2.10}
ssh: {connect_timeout: 0.5, known_hosts: /dev/null, use_ssh_config: false, agent: false}
"""


@pytest.fixture
def inv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("HATUI_STATE_DIR", str(tmp_path / "state"))
    path = tmp_path / "inv.yaml"
    path.write_text(INVENTORY)
    return str(path)


@pytest.mark.parametrize(
    "argv",
    [
        ["fault"],
        ["fault", "inject", "INV", "m1"],
        ["fault", "inject", "INV", "m1", "reboot"],
        ["fault", "inject", "INV", "m1", "isolate", "--ttl", "1s"],
        ["fault", "inject", "INV", "m1", "isolate", "--ttl", "forever"],
        ["fault", "clear", "INV"],
        ["fault", "clear", "INV", "xyz"],
        ["fault", "clear", "INV", "0a1b2c3d", "--all"],
        ["clear"],
        ["fault", "list", "INV", "--yes"],
    ],
)
def test_usage_errors_exit_4(argv: list[str], inv: str, capsys: pytest.CaptureFixture) -> None:
    argv = [inv if a == "INV" else a for a in argv]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == EXIT_USAGE
    assert "error:" in capsys.readouterr().err


def test_an_inventory_error_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["fault", "list", str(tmp_path / "missing.yaml")]) == EXIT_USAGE
    assert "cannot read the inventory" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["fault", "inject", "INV", "m1", "isolate", "--read-only"],
        ["fault", "inject", "INV", "m1", "isolate", "--read-only", "--dry-run"],
        ["fault", "clear", "INV", "--all", "--read-only"],
        ["clear", "INV", "--read-only"],
    ],
)
def test_read_only_refuses_without_touching_a_node(
    argv: list[str], inv: str, capsys: pytest.CaptureFixture
) -> None:
    """192.0.2.0/24 is TEST-NET-1: nothing answers there, and nothing is tried."""
    assert main([inv if a == "INV" else a for a in argv]) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert "refused: hatui runs read-only" in err


def test_list_and_clear_with_an_empty_journal(inv: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["fault", "list", inv]) == 0
    assert capsys.readouterr().out == "no fault in place in nowhere\n"
    assert main(["clear", inv]) == 0
    assert capsys.readouterr().out == "nothing to clear in nowhere\n"


def test_clear_of_an_unknown_fault_is_refused(inv: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["fault", "clear", inv, "0a1b2c3d"]) == EXIT_REFUSED
    assert "no fault '0a1b2c3d' in the journal for nowhere" in capsys.readouterr().err


def test_a_node_not_in_the_inventory_is_refused(inv: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["fault", "inject", inv, "m7", "isolate", "--dry-run"]) == EXIT_REFUSED
    assert "no master 'm7' in the inventory (masters: m1)" in capsys.readouterr().err


def test_dry_run_text_shows_every_command() -> None:
    p = plan(FaultKind.APISERVER_REJECT, "m1", ttl=90)
    text = render_plan(p, "m1's apiserver is the last ready one", confirmed=False)
    lines = text.splitlines()
    assert lines[0] == (
        f"dry run: apiserver-reject on m1 (fault id {p.fault_id}, TTL 1m30s); nothing was changed"
    )
    assert lines[1] == "guard: m1's apiserver is the last ready one (refused without --yes)"
    node = p.nodes[0]
    for command in (p.arm_command(node), node.inject[0].show(), node.clear[0].show()):
        for line in command.splitlines():
            assert f"    {line}" in lines
    assert "m1: then disarm the watchdog:" in lines
    assert "confirmed by --yes" in render_plan(p, "x", confirmed=True)
    assert "guard:" not in render_plan(p, None, confirmed=False)


def test_list_words(tmp_path: Path) -> None:
    p = plan(FaultKind.APISERVER_REJECT, "m1")
    record = Journal(tmp_path).planned(p, cluster="c", who="w", now=1.0)
    armed = WatchdogState("armed", 7)
    fired = WatchdogState("fired", 0)
    assert describe(FaultStatus(record, (NodeStatus("m1", True, armed),))) == (
        "in place, watchdog armed"
    )
    assert describe(FaultStatus(record, (NodeStatus("m1", False, fired),))) == (
        "cleared by its watchdog (`hatui clear` acknowledges)"
    )
    assert describe(FaultStatus(record, (NodeStatus("m1", None, None, "m1: refused"),))) == (
        "unknown (m1: m1: refused), watchdog unknown"
    )
