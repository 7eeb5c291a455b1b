"""`hatui drill INVENTORY SCENARIO.yaml`: run a failover drill headless and report on it.

Prints each step as it ends, then the step table; writes the JSON and Markdown reports
(default ./drill-report.json and ./drill-report.md; `--json ''` or `--markdown ''` skips
one). Ctrl-C or SIGTERM stops the drill and still clears what it injected; further signals
during the cleanup are ignored (the node's watchdog is the backstop at the TTL).
Exit statuses are `EXIT_*` below and in --help.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hatui.errors import HatuiError

if TYPE_CHECKING:
    from hatui.drill.runner import DrillResult
    from hatui.drill.scenario import Scenario
    from hatui.inventory import Inventory

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_ERROR = 2
EXIT_USAGE = 4
EXIT_INTERRUPTED = 130

DEFAULT_JSON = "drill-report.json"
DEFAULT_MARKDOWN = "drill-report.md"

EPILOG = f"""\
exit status:
  0    every step passed (and nothing the drill injected is left in place)
  1    an expectation did not hold within its time: the message names the step, the
       expected and the observed values
  2    the drill could not run: a node unreachable, a fault refused by a guard (add
       `confirm: true` to the inject), a fault that failed, or one left after the cleanup
  4    usage, inventory or scenario error (the message names file:line: field)
  130  interrupted (Ctrl-C, SIGTERM); what the drill injected was cleared first
Reports: --json (default ./{DEFAULT_JSON}) and --markdown (default ./{DEFAULT_MARKDOWN});
an empty name skips one. The scenario format: examples/drills/ and hatui.drill.scenario.
"""


def add_drill_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "drill",
        help="run a failover drill (inject / wait / expect / clear steps) and report",
        description="Run a drill scenario headless against the inventory's cluster.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inventory", metavar="INVENTORY")
    p.add_argument("scenario", metavar="SCENARIO.yaml")
    p.add_argument("--json", metavar="FILE", default=DEFAULT_JSON, help="JSON report")
    p.add_argument("--markdown", metavar="FILE", default=DEFAULT_MARKDOWN, help="Markdown report")
    p.add_argument("--quiet", action="store_true", help="no per-step lines, only the table")

    def error(message: str) -> None:
        p.print_usage(sys.stderr)
        p.exit(EXIT_USAGE, f"{p.prog}: error: {message}\n")

    p.error = error  # type: ignore[method-assign,assignment]


def run_drill(args: argparse.Namespace) -> int:
    """Run `hatui drill` with parsed arguments; the exit status."""
    from hatui.drill.scenario import check_nodes, load_scenario
    from hatui.inventory import load_inventory

    try:
        inventory = load_inventory(args.inventory)
        scenario = load_scenario(args.scenario)
        check_nodes(scenario, [m.name for m in inventory.masters])
    except HatuiError as err:
        print(f"hatui: {err.title}: {err}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return asyncio.run(_main(inventory, scenario, args))
    except (KeyboardInterrupt, asyncio.CancelledError):  # before anything was injected
        print("hatui: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


async def _main(inventory: Inventory, scenario: Scenario, args: argparse.Namespace) -> int:
    from hatui.drill.report import step_line
    from hatui.drill.runner import DrillRunner, Outcome, StepResult
    from hatui.transport import SshPool

    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    runner_task: asyncio.Task[DrillResult] | None = None
    signals = 0

    def on_signal(signame: str) -> None:
        nonlocal signals
        signals += 1
        if signals > 1:
            print("hatui: still clearing the drill's faults, please wait", file=sys.stderr)
            return
        print(f"\nhatui: {signame}: stopping the drill, clearing its faults", file=sys.stderr)
        if runner_task is not None:
            runner_task.cancel()  # the runner clears what it injected, then re-raises
        elif main_task is not None:
            main_task.cancel()  # still connecting: nothing injected yet

    def show(result: StepResult) -> None:
        if not args.quiet:
            print(step_line(result), flush=True)

    pool = SshPool(inventory)
    runner = DrillRunner(scenario, inventory, pool, on_step=show)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig.name)
    print(
        f"drill {scenario.name!r}: {len(scenario.steps)} steps on {inventory.cluster}", flush=True
    )
    result: DrillResult | None = None
    try:
        await pool.start()
        runner_task = asyncio.create_task(runner.run(), name="drill")
        try:
            result = await runner_task
        except asyncio.CancelledError:
            result = runner.interrupted_result
    except HatuiError as err:
        print(f"hatui: {err.title}: {err}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        await pool.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    if result is None:
        print("hatui: the drill was interrupted before it produced a result", file=sys.stderr)
        return EXIT_INTERRUPTED
    _write_reports(result, args)
    from hatui.drill.report import table

    print()
    print(table(result), flush=True)
    return {
        Outcome.PASSED: EXIT_PASSED,
        Outcome.FAILED: EXIT_FAILED,
        Outcome.ERROR: EXIT_ERROR,
        Outcome.INTERRUPTED: EXIT_INTERRUPTED,
    }[result.outcome]


def _write_reports(result: DrillResult, args: argparse.Namespace) -> None:
    from hatui.drill.report import markdown, to_dict

    for path, text in (
        (args.json, lambda: json.dumps(to_dict(result), indent=2) + "\n"),
        (args.markdown, lambda: markdown(result)),
    ):
        if not path:
            continue
        try:
            Path(path).write_text(text(), encoding="utf-8")
        except OSError as err:
            print(f"hatui: cannot write the report {path}: {err}", file=sys.stderr)
        else:
            print(f"report: {path}")


def main(argv: list[str] | None = None) -> int:
    """`python -m hatui.drill_cmd drill ...`: this command on its own."""
    parser = argparse.ArgumentParser(prog="hatui")
    sub = parser.add_subparsers(dest="command", required=True)
    add_drill_parser(sub)
    return run_drill(parser.parse_args(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
