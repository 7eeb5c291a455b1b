"""TTL parsing and countdown arithmetic."""

from __future__ import annotations

import pytest

from hatui.faults.ttl import (
    DEFAULT_TTL,
    MAX_TTL,
    MIN_TTL,
    format_duration,
    parse_ttl,
    remaining,
    watchdog_seconds,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("90s", 90.0),
        ("10m", 600.0),
        ("1.5h", 5400.0),
        (" 5S ", 5.0),
        ("24h", MAX_TTL),
    ],
)
def test_parse_ttl(text: str, seconds: float) -> None:
    assert parse_ttl(text) == seconds


@pytest.mark.parametrize("text", ["", "10 minutes", "-5", "4s", "24h1s", "25h", "1d", "m"])
def test_parse_ttl_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_ttl(text)


def test_defaults() -> None:
    assert DEFAULT_TTL == 600.0 and MIN_TTL == 5.0


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (0.2, "1s"), (45, "45s"), (60, "1m00s"), (598.5, "9m59s"), (600, "10m00s"),
     (3600, "1h00m"), (5430, "1h30m"), (-3, "0s")],
)  # fmt: skip
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_remaining_and_watchdog_rounding() -> None:
    assert remaining(1000.0, 400.0) == 600.0
    assert remaining(1000.0, 1001.0) == 0.0
    assert watchdog_seconds(600.0) == 600
    assert watchdog_seconds(90.2) == 91  # never before the TTL
    assert watchdog_seconds(0.1) == 1
