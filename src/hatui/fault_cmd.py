"""`hatui fault inject|clear|list INVENTORY ...` and `hatui clear INVENTORY`: fault injection
from the command line, on the same `FaultManager` the app uses.

`inject` reads what it needs on the nodes, takes one sweep for the guards, and either
prints the exact commands (--dry-run), refuses (a guard without --yes, --read-only), or
injects with a TTL watchdog on every node it touches. `clear` and `hatui clear` undo what
the journal says hatui injected in this inventory's cluster, also after hatui was killed.
Exit statuses are `EXIT_*` below and in each command's --help.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hatui.cli_usage import usage_exits_4
from hatui.errors import HatuiError, InventoryError
from hatui.faults import (
    DEFAULT_TTL,
    EFFECTS,
    ClearResult,
    FaultFailed,
    FaultKind,
    FaultManager,
    FaultStatus,
    GuardRefused,
    NotApplicable,
    Plan,
    ReadOnly,
    UnknownFault,
    format_duration,
    parse_ttl,
)
from hatui.faults.catalog import check_fault_id
from hatui.faults.journal import CLEAR_FAILED, FAILED
from hatui.faults.watchdog import disarm_command
from hatui.inventory import Inventory, load_inventory

if TYPE_CHECKING:
    from hatui.transport import SshPool

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_GUARD = 2
EXIT_REFUSED = 3
EXIT_USAGE = 4

EPILOG = """\
exit status:
  0  done (with --dry-run: the commands were printed and nothing was changed)
  1  a command on a node failed or a node could not be reached; the message says what
     is still in place (the journal keeps it: `hatui clear` retries, and the node's
     watchdog clears it when the TTL runs out)
  2  refused by a guard (it would break etcd quorum, or take down the last ready
     apiserver or LB path): the consequence is printed; --yes goes ahead
  3  refused: --read-only, or the fault cannot apply (unknown node, no LB there,
     service not running, already in place, unknown fault id)
  4  usage or inventory error
Journal and audit log: $HATUI_STATE_DIR, else $XDG_STATE_HOME/hatui, else
~/.local/state/hatui.
"""


def _ttl(text: str) -> float:
    try:
        return parse_ttl(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _fault_id(text: str) -> str:
    try:
        return check_fault_id(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    p = sub.add_parser(
        name,
        help=help,
        description=description or help[:1].upper() + help[1:] + ".",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    usage_exits_4(p)
    return p


def add_fault_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `fault` (inject, clear, list) and `clear` to hatui's subparsers; dispatch both
    with `run_fault`."""
    fault = _parser(sub, "fault", help="inject, clear or list faults on the masters")
    fault.set_defaults(command="fault")
    fsub = fault.add_subparsers(dest="fault_command", required=True, metavar="{inject,clear,list}")
    kinds = "\n".join(f"  {k.value:17} {EFFECTS[k]}" for k in FaultKind)
    inject = _parser(
        fsub,
        "inject",
        help="inject one fault, with a TTL watchdog on the node",
        description=f"Inject a fault on a master. Faults:\n{kinds}",
    )
    inject.add_argument("inventory", metavar="INVENTORY")
    inject.add_argument("node", metavar="NODE", help="the target master, by inventory name")
    inject.add_argument("fault", metavar="FAULT", choices=[k.value for k in FaultKind])
    inject.add_argument(
        "--ttl",
        type=_ttl,
        default=DEFAULT_TTL,
        help=f"clear it after this long (90s, 10m, 1h; default {format_duration(DEFAULT_TTL)})",
    )
    inject.add_argument(
        "--yes", action="store_true", help="go ahead even when a guard names a consequence"
    )
    inject.add_argument(
        "--dry-run", action="store_true", help="print the exact commands, change nothing"
    )
    inject.add_argument(
        "--backend", metavar="NAME", help="backend-drain: the HAProxy backend (default: the one)"
    )
    clear = _parser(fsub, "clear", help="clear one fault, or all of them")
    clear.add_argument("inventory", metavar="INVENTORY")
    which = clear.add_mutually_exclusive_group(required=True)
    which.add_argument("fault_id", metavar="FAULT-ID", nargs="?", type=_fault_id)
    which.add_argument("--all", action="store_true", help="every fault of the cluster")
    listing = _parser(fsub, "list", help="the faults in place, with TTLs and live state")
    listing.add_argument("inventory", metavar="INVENTORY")
    top = _parser(
        sub,
        "clear",
        help="clear everything hatui injected in this inventory's cluster",
        description="Clear every fault the journal names for this inventory's cluster, "
        "also those of a hatui that was killed.",
    )
    top.add_argument("inventory", metavar="INVENTORY")
    top.set_defaults(command="clear", fault_command="clear", all=True, fault_id=None)
    for p in (inject, clear, top):
        p.add_argument("--read-only", action="store_true", help="refuse every fault action")


# --------------------------------------------------------------------------------------------
# running


def run_fault(args: argparse.Namespace) -> int:
    """Run `hatui fault ...` or `hatui clear` with parsed arguments; the exit status."""
    try:
        inventory = load_inventory(args.inventory)
    except InventoryError as err:
        print(f"hatui: {err}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return asyncio.run(_main(inventory, args))
    except KeyboardInterrupt:
        print("hatui: interrupted; `hatui fault list` shows what is in place", file=sys.stderr)
        return 130
    except ReadOnly as err:
        print(f"hatui: {err}", file=sys.stderr)
        return EXIT_REFUSED
    except GuardRefused as err:
        print(f"hatui: refused: {err.consequence}. Add --yes to do it anyway.", file=sys.stderr)
        return EXIT_GUARD
    except (NotApplicable, UnknownFault) as err:
        print(f"hatui: {err}", file=sys.stderr)
        return EXIT_REFUSED
    except FaultFailed as err:
        print(f"hatui: {err}", file=sys.stderr)
        return EXIT_FAILED
    except HatuiError as err:  # an identity file, the journal...: the setup is wrong
        print(f"hatui: {err.title}: {err}", file=sys.stderr)
        return EXIT_USAGE


async def _main(inventory: Inventory, args: argparse.Namespace) -> int:
    # imported here so that `hatui --help` and inventory errors never load asyncssh
    from hatui.transport import SshPool

    pool = SshPool(inventory)
    manager = FaultManager(pool, inventory, read_only=getattr(args, "read_only", False))
    try:
        if args.fault_command == "inject":
            return await _inject(manager, pool, inventory, args)
        if args.fault_command == "clear":
            return await _clear(manager, args)
        return await _list(manager)
    finally:
        _warn(manager)
        await pool.close()


def _warn(manager: FaultManager) -> None:
    for warning in manager.journal.warnings:
        print(f"hatui: journal: {warning}", file=sys.stderr)


def _clock(epoch: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(epoch))


async def _inject(
    manager: FaultManager, pool: SshPool, inventory: Inventory, args: argparse.Namespace
) -> int:
    from hatui.collector import sweep

    plan = await manager.prepare(args.fault, args.node, ttl=args.ttl, backend=args.backend)
    await pool.start()  # the guards need a sweep of connected masters, not of links starting
    state = await sweep(pool, inventory)
    consequence = manager.consequence(plan, state)
    if args.dry_run:
        print(render_plan(plan, consequence, confirmed=args.yes))
        return EXIT_GUARD if consequence and not args.yes else EXIT_OK
    record = await manager.inject(plan, state=state, confirmed=args.yes)
    nodes = ", ".join(record.plan.node_names)
    print(
        f"injected fault {record.fault_id}: {plan.title()}; TTL {format_duration(plan.ttl)}: "
        f"the watchdog on {nodes} clears it at {_clock(record.expires_at)}"
    )
    print(f"clear it now with: hatui fault clear {args.inventory} {record.fault_id}")
    return EXIT_OK


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def render_plan(plan: Plan, consequence: str | None, *, confirmed: bool) -> str:
    """--dry-run's text: every command of the plan, node by node, exactly as it would run."""
    lines = [
        f"dry run: {plan.title()} (fault id {plan.fault_id}, TTL {format_duration(plan.ttl)}); "
        "nothing was changed"
    ]
    if consequence:
        ask = "confirmed by --yes" if confirmed else "refused without --yes"
        lines.append(f"guard: {consequence} ({ask})")
    for node in plan.nodes:
        lines.append(f"{node.node}: 1. arm the TTL watchdog (before anything else):")
        lines.append(_indent(plan.arm_command(node)))
        lines.append(f"{node.node}: 2. inject:")
        lines.extend(_indent(step.show()) for step in node.inject)
        lines.append(f"{node.node}: clear (now by `hatui fault clear`, or by the watchdog):")
        lines.extend(_indent(step.show()) for step in node.clear)
        lines.append(f"{node.node}: then disarm the watchdog:")
        lines.append(_indent(disarm_command(plan.fault_id)))
        what = "exits 0" if node.check.maint is None else f"shows {node.check.maint} in MAINT"
        lines.append(f"{node.node}: in place while this {what}:")
        lines.append(_indent(node.check.step.show()))
    return "\n".join(lines)


def _clear_line(result: ClearResult) -> str:
    record = result.record
    name = f"{record.fault_id} {record.plan.title()}"
    if result.by == "journal":
        return f"{name}: already cleared"
    if not result.ok:
        return f"{name}: NOT cleared: {result.message}"
    if result.by == "watchdog":
        return f"{name}: cleared by its watchdog at the TTL (acknowledged)"
    return f"{name}: cleared"


async def _clear(manager: FaultManager, args: argparse.Namespace) -> int:
    if args.all:
        results = await manager.clear_all()
        if not results:
            print(f"nothing to clear in {manager.cluster}")
    else:
        results = [await manager.clear(args.fault_id)]
    for result in results:
        print(_clear_line(result))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def describe(status: FaultStatus) -> str:
    """One word or phrase for a fault's live state, for `list`."""
    record = status.record
    if status.cleared_by_watchdog:
        return "cleared by its watchdog (`hatui clear` acknowledges)"
    places = [n.in_place for n in status.nodes]
    dogs = {n.watchdog.state if n.watchdog else "unknown" for n in status.nodes}
    errors = [f"{n.node}: {n.error}" for n in status.nodes if n.error]
    if errors:
        text = "unknown (" + "; ".join(errors) + ")"
    elif all(places):
        text = "in place"
    elif not any(places):
        text = "not in place"
    else:
        text = "partly in place"
    text += f", watchdog {'/'.join(sorted(dogs))}"
    if record.status in (FAILED, CLEAR_FAILED):
        text += f"; last {record.status}: {record.error}"
    return text


async def _list(manager: FaultManager) -> int:
    statuses = await manager.status()
    if not statuses:
        print(f"no fault in place in {manager.cluster}")
        return EXIT_OK
    now = manager.clock()
    rows = [("ID", "FAULT", "TARGET", "NODES", "LEFT", "STATE")]
    for st in statuses:
        r = st.record
        left = format_duration(r.remaining(now)) if not r.expired(now) else "expired"
        rows.append(
            (r.fault_id, r.kind.value, r.target, ",".join(r.plan.node_names), left, describe(st))
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        print(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[5]
        )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m hatui.fault_cmd fault|clear ...`: these commands on their own."""
    parser = argparse.ArgumentParser(prog="hatui")
    sub = parser.add_subparsers(dest="command", required=True)
    add_fault_parsers(sub)
    return run_fault(parser.parse_args(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
