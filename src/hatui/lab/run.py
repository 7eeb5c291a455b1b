"""Running host commands and commands inside a lab node, with errors that say what failed."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from ..errors import LabError

T = TypeVar("T")
R = TypeVar("R")


def sh(*argv: str, check: bool = True, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise LabError(f"timed out after {timeout:.0f}s: {' '.join(argv)}") from e
    if check and res.returncode != 0:
        raise LabError(f"failed ({res.returncode}): {' '.join(argv)}\n{res.stderr.strip()}")
    return res


def in_node(holder: int, *argv: str, check: bool = True, timeout: float = 30.0):
    """Run argv inside a node: its net, mount, uts and pid namespaces."""
    return sh(
        "nsenter",
        "-t",
        str(holder),
        "--net",
        "--mount",
        "--uts",
        "--pid",
        "--",
        *argv,
        check=check,
        timeout=timeout,
    )


def parallel(fn: Callable[[T], R], items: Iterable[T], workers: int = 8) -> list[R]:
    items = list(items)
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(fn, items))
