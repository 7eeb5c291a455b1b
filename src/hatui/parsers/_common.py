"""Small helpers shared by the parsers: error values and tolerant number reading."""

from __future__ import annotations

import json
from typing import Any

from hatui.observations import ProbeError
from hatui.parsers.redact import redact

EXCERPT_CHARS = 300


def fail(source: str, message: str, text: str = "") -> ProbeError:
    """A `ProbeError` whose excerpt shows the start and the end of `text`, redacted.

    The end is kept because that is where a truncated output shows where it was cut.
    Redaction runs on the whole text before cutting, so no secret survives half-masked.
    """
    excerpt = redact(text.strip())
    if len(excerpt) > EXCERPT_CHARS:
        half = EXCERPT_CHARS // 2
        excerpt = excerpt[:half] + " ... " + excerpt[-half:]
    return ProbeError(source=source, message=message, excerpt=excerpt)


def load_json(source: str, text: str) -> Any | ProbeError:
    """`json.loads(text)`, or a ProbeError saying it is empty / not JSON / cut off."""
    if not text.strip():
        return fail(source, "empty output (expected JSON)")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        cut = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        where = "truncated" if cut else "invalid"
        at = f"line {exc.lineno}, column {exc.colno}"
        return fail(source, f"{where} JSON: {exc.msg} ({at})", text)
    except RecursionError:
        return fail(source, "JSON nested too deeply", text)


def as_int(value: object) -> int | None:
    """An int from a JSON int or a decimal string; None for anything else (bool, float, junk)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def as_float(value: object) -> float | None:
    """A float from a JSON number or numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def as_bool(value: object) -> bool | None:
    """A bool from JSON true/false, 0/1 or "true"/"false"; None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def as_str(value: object) -> str | None:
    """The value if it is a string, else None."""
    return value if isinstance(value, str) else None
