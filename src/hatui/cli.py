"""The `hatui` command line: subcommands dispatch to the headless code or the app."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from .errors import HatuiError

if TYPE_CHECKING:
    from .lab.config import LabConfig


def _lab_parser(sub: argparse._SubParsersAction) -> None:
    from .lab.config import DEFAULT_NAME, DEFAULT_SUBNET

    lab = sub.add_parser("lab", help="build, inspect or remove the local HA lab (root)")
    lsub = lab.add_subparsers(dest="lab_command", required=True)
    up = lsub.add_parser("up", help="build the lab: namespaces and real daemons")
    up.add_argument("--masters", type=int, default=3, help="number of masters (default 3)")
    up.add_argument("--lb", choices=("haproxy", "nginx"), default="haproxy")
    up.add_argument("--vrrp", choices=("multicast", "unicast"), default="multicast")
    up.add_argument("--subnet", default=DEFAULT_SUBNET, help=f"default {DEFAULT_SUBNET}")
    up.add_argument(
        "--etcd-members",
        type=int,
        default=0,
        help="etcd cluster size (default: every master, at most 5)",
    )
    up.add_argument(
        "--inventory",
        default="lab-inventory.yaml",
        help="where to write the lab's inventory (default ./lab-inventory.yaml)",
    )
    up.add_argument(
        "--keep-failed",
        action="store_true",
        help="leave a lab whose `up` failed in place, to inspect it",
    )
    for p in (
        up,
        lsub.add_parser("down", help="remove everything `up` made"),
        lsub.add_parser("status", help="each node's daemons and the VIP holder"),
    ):
        p.add_argument(
            "--name",
            default=DEFAULT_NAME,
            help=f"the lab's name, prefix of all it creates (default {DEFAULT_NAME})",
        )


def _run_lab(args: argparse.Namespace) -> int:
    from .lab import lifecycle

    if args.lab_command == "up":
        lifecycle.up(_lab_config(args, "lab up"), keep_failed=args.keep_failed)
        return 0
    if args.lab_command == "down":
        lifecycle.down(args.name)
        return 0
    from .lab.preflight import require_root

    require_root("status")
    st = lifecycle.status(args.name)
    if st is None:
        print("no lab is up (hatui lab up builds one)")
        return 3
    print(lifecycle.format_status(st))
    return 0 if st.all_running and len(st.vip_holders) == 1 else 1


def _demo_parser(sub: argparse._SubParsersAction) -> None:
    from .lab.config import DEFAULT_NAME, DEFAULT_SUBNET

    demo = sub.add_parser(
        "demo", help="bring the lab up, open hatui on it, take the lab down at the end (root)"
    )
    demo.add_argument("--masters", type=int, default=3, help="number of masters (default 3)")
    demo.add_argument("--lb", choices=("haproxy", "nginx"), default="haproxy")
    demo.add_argument("--vrrp", choices=("multicast", "unicast"), default="multicast")
    demo.add_argument("--subnet", default=DEFAULT_SUBNET, help=f"default {DEFAULT_SUBNET}")
    demo.add_argument(
        "--name", default=DEFAULT_NAME, help=f"the lab's name (default {DEFAULT_NAME})"
    )
    demo.add_argument(
        "--inventory",
        default="lab-inventory.yaml",
        help="where to write the lab's inventory (default ./lab-inventory.yaml)",
    )
    demo.add_argument("--theme", help="theme name (dark, light, high-contrast, or your own)")
    demo.add_argument("--record", metavar="FILE", help="append every observed state (JSON lines)")
    demo.add_argument("--keep", action="store_true", help="leave the lab up at the end")


def _run_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    cfg = _lab_config(args, "demo")
    return run_demo(cfg, theme=args.theme, record=args.record, keep=args.keep)


def _lab_config(args: argparse.Namespace, command: str) -> LabConfig:
    """The lab that `hatui lab up` or `hatui demo` asks for; a bad option exits naming it."""
    from .lab.config import LabConfig

    try:
        return LabConfig(
            masters=args.masters,
            lb=args.lb,
            vrrp=args.vrrp,
            subnet=args.subnet,
            name=args.name,
            etcd_members=getattr(args, "etcd_members", 0),  # demo: automatic
            inventory_path=args.inventory,
        )
    except ValueError as e:
        raise SystemExit(f"hatui {command}: {e}") from None


SUBCOMMANDS = ("open", "status", "replay", "lab", "demo", "fault", "clear", "drill")


def _app_parsers(sub: argparse._SubParsersAction) -> None:
    op = sub.add_parser("open", help="the live app (also: hatui INVENTORY)")
    op.add_argument("inventory", help="inventory YAML (see sample-inventory.yaml)")
    op.add_argument("--theme", help="theme name (dark, light, high-contrast, or your own)")
    op.add_argument("--record", metavar="FILE", help="append every observed state (JSON lines)")
    op.add_argument("--interval", type=float, default=1.0, help="seconds between sweeps")
    op.add_argument(
        "--read-only", action="store_true", help="no fault actions (for incident triage)"
    )
    op.add_argument(
        "--dry-run", action="store_true", help="fault dialogs show the commands, run nothing"
    )
    op.add_argument(
        "--drill", metavar="SCENARIO", help="a drill scenario (examples/drills/) that D runs"
    )
    rp = sub.add_parser("replay", help="play a recording back in the app (no root, no SSH)")
    rp.add_argument("file")
    rp.add_argument("--theme")
    rp.add_argument("--speed", type=float, default=1.0)


def _run_open(args: argparse.Namespace) -> int:
    from .inventory import load_inventory
    from .ui import run_app
    from .ui.live import LiveSource

    inventory = load_inventory(args.inventory)
    drill = None
    if args.drill:
        from .drill.scenario import check_nodes, load_scenario

        drill = load_scenario(args.drill)
        check_nodes(drill, [m.name for m in inventory.masters])
    source = LiveSource(inventory, interval=args.interval)
    return run_app(
        source,
        theme=args.theme,
        record=args.record,
        cluster_name=inventory.cluster,
        faults=source.fault_manager(read_only=args.read_only),
        dry_run=args.dry_run,
        watcher=source.watcher,
        drill=drill,
        inventory=inventory,
    )


def _run_replay(args: argparse.Namespace) -> int:
    from .ui import run_replay

    return run_replay(args.file, theme=args.theme, speed=args.speed)


def build_parser() -> argparse.ArgumentParser:
    from .drill_cmd import add_drill_parser
    from .fault_cmd import add_fault_parsers
    from .status_cmd import add_status_parser

    parser = argparse.ArgumentParser(
        prog="hatui",
        usage="hatui INVENTORY | hatui {demo,status,replay,lab,fault,clear,drill} ...",
        description="Watch a Kubernetes HA control plane: VIP, LB, etcd, API.",
    )
    sub = parser.add_subparsers(dest="command")
    _app_parsers(sub)
    add_status_parser(sub)
    _lab_parser(sub)
    _demo_parser(sub)
    add_fault_parsers(sub)
    add_drill_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in SUBCOMMANDS and not argv[0].startswith("-"):
        argv.insert(0, "open")  # `hatui INVENTORY` opens the app
    args = parser.parse_args(argv)
    try:
        if args.command == "lab":
            return _run_lab(args)
        if args.command == "status":
            from .status_cmd import run_status

            return run_status(args)
        if args.command == "open":
            return _run_open(args)
        if args.command == "replay":
            return _run_replay(args)
        if args.command == "demo":
            return _run_demo(args)
        if args.command in ("fault", "clear"):
            from .fault_cmd import run_fault

            return run_fault(args)
        if args.command == "drill":
            from .drill_cmd import run_drill

            return run_drill(args)
        parser.print_help()
        return 2
    except HatuiError as e:
        print(f"hatui: {e.title}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
