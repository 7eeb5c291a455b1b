"""`hatui demo`: the lab up, the app on it, the lab down again — one command for a newcomer.

The lab is taken down when the app ends, however it ends: `q`, Ctrl-C, SIGTERM, the terminal
closing (SIGHUP), or a crash. A demo that was killed outright (SIGKILL) leaves its lab behind
with an owner mark; the next `hatui demo` adopts it (and takes it down at its end), and
`hatui lab down` removes it at any time.

A lab that was already up without a demo's mark (somebody's `hatui lab up`) is used as it is
and left up afterwards: the demo only removes what it made.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from .errors import LabError
from .lab import lifecycle
from .lab.config import LabConfig, state_dir_for
from .lab.preflight import require_root

OWNER_FILE = "demo-owner"
"""In the lab's state folder: the pid of the `hatui demo` that built the lab."""


def owner_path(name: str) -> Path:
    return Path(state_dir_for(name)) / OWNER_FILE


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def demo_owner(name: str) -> int | None:
    """The pid written by the demo that built lab `name`, if one did."""
    try:
        return int(owner_path(name).read_text().strip())
    except (OSError, ValueError):
        return None


def existing_lab(cfg: LabConfig, say: lifecycle.Progress) -> LabConfig | None:
    """The config of a lab to use as it is (not ours), or None when the demo must build one.

    Raises when another live demo owns the lab.
    """
    before = lifecycle.status(cfg.name)
    if before is None:
        return None
    owner = demo_owner(cfg.name)
    if owner is not None and owner != os.getpid() and _pid_alive(owner):
        raise LabError(
            f"another hatui demo (pid {owner}) is using the lab {cfg.name!r}; quit it "
            "first, or give this one its own --name hatuiSOMETHING and --subnet"
        )
    if owner is not None:
        say(f"adopting the lab {cfg.name!r} that a killed demo (pid {owner}) left behind")
        return None
    if not before.all_running:
        return None  # half there (e.g. after a reboot): `up` rebuilds it, and it is ours then
    say(
        f"using the lab {cfg.name!r} that is already up ({before.config.masters} masters); "
        "it stays up after the demo"
    )
    if not Path(before.config.inventory_path).exists():
        lifecycle.write_inventory(before.config)
    return before.config


def run_demo(
    cfg: LabConfig,
    *,
    theme: str | None = None,
    record: str | None = None,
    keep: bool = False,
    say: lifecycle.Progress = print,
) -> int:
    """The whole demo; its exit code is the app's."""
    require_root("demo")
    from .inventory import load_inventory
    from .ui import run_app
    from .ui.live import LiveSource

    owned = False
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}

    def interrupted(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for s in previous:
        signal.signal(s, interrupted)  # while the lab comes up (the app has its own handling)
    try:
        lab = existing_lab(cfg, say)
        if lab is None:
            owned = True  # from the first step on: a half-built lab is ours to remove
            lifecycle.up(cfg, say=say)
            owner_path(cfg.name).write_text(f"{os.getpid()}\n")
            lab = cfg
        inventory = load_inventory(lab.inventory_path)
        ending = " and the lab goes down" if owned and not keep else ""
        say(f"opening hatui on the lab: q or Ctrl-C quits{ending}")
        source = LiveSource(inventory)
        return run_app(
            source,
            theme=theme,
            record=record,
            cluster_name=inventory.cluster,
            faults=source.fault_manager(),
            watcher=source.watcher,
        )
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if owned and not keep:
            _take_down(cfg, say)
        elif owned:
            say(f"the lab stays up (--keep); `hatui lab down --name {cfg.name}` removes it")


def _take_down(cfg: LabConfig, say: lifecycle.Progress) -> None:
    """`lifecycle.down`, not to be interrupted by a second Ctrl-C or a SIGTERM."""
    ignored = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        say(f"taking the lab {cfg.name!r} down")
        lifecycle.down(cfg.name, say=say)
    finally:
        for s, handler in ignored.items():
            signal.signal(s, handler)
