"""Usage errors of hatui's subcommands exit with 4, as their help documents (argparse says 2,
which `hatui fault` uses for "refused by a guard" and `hatui status` for API-DOWN)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

EXIT_USAGE = 4


def usage_exits_4(parser: argparse.ArgumentParser) -> None:
    """Make this parser's usage errors exit with 4.

    Arguments it does not know are refused here too, so that they do not reach the
    top-level parser (which would exit with 2).
    """

    def error(message: str) -> NoReturn:
        parser.print_usage(sys.stderr)
        parser.exit(EXIT_USAGE, f"{parser.prog}: error: {message}\n")

    original = parser.parse_known_args

    def parse_known_args(
        args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = original(args, namespace)
        if extras:
            error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    parser.error = error  # type: ignore[method-assign]
    parser.parse_known_args = parse_known_args  # type: ignore[method-assign,assignment]
