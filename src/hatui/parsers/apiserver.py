"""kube-apiserver `/readyz?verbose` and `/livez?verbose` bodies (+ HTTP status) -> health.

A verbose body lists one check per line, `[+]etcd ok` or `[-]etcd failed: reason withheld`,
and ends with `readyz check passed` / `readyz check failed`. Without `?verbose` a healthy
server answers just `ok`. A 401/403 (anonymous access turned off) is an answer too: the
server is up but did not say whether it is ready (`ApiHealthObservation.refused`).
"""

from __future__ import annotations

import json
import re

from hatui.observations import ApiHealthObservation, ProbeError
from hatui.parsers._common import fail

_CHECK = re.compile(
    r"^\[(?P<sign>[+-])\](?P<name>\S+?)\s+(?P<result>ok|failed|excluded)\b(?P<rest>.*)$"
)
_SUMMARY = re.compile(r"^(?P<what>\w+) check (?P<result>passed|failed)\s*$")


def parse_apiserver_health(
    body: str, status_code: int | None = None, *, endpoint: str = "readyz"
) -> ApiHealthObservation | ProbeError:
    """Parse a health endpoint's body; `status_code` (when known) must agree with it to be ok."""
    source = f"apiserver-{endpoint}"
    text = body.strip()
    code_ok = status_code is None or 200 <= status_code < 300
    if status_code in (401, 403):
        return ApiHealthObservation(
            endpoint=endpoint,
            ok=False,
            status_code=status_code,
            message=f"HTTP {status_code}: {_status_message(text) or 'access refused'}",
        )
    if not text:
        if status_code is not None and not code_ok:
            return ApiHealthObservation(
                endpoint=endpoint, ok=False, status_code=status_code, message=f"HTTP {status_code}"
            )
        return fail(source, "empty body (expected 'ok' or the verbose check list)")
    if text == "ok":
        return ApiHealthObservation(
            endpoint=endpoint, ok=code_ok, status_code=status_code, message="ok"
        )
    passed: list[str] = []
    failed: list[str] = []
    summary: str | None = None
    summary_ok: bool | None = None
    lines = text.splitlines()
    for n, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        check = _CHECK.match(line)
        if check:
            (failed if check["sign"] == "-" else passed).append(check["name"])
            continue
        end = _SUMMARY.match(line)
        if end:
            summary, summary_ok = line, end["result"] == "passed"
            continue
        if n == len(lines) and (passed or failed) and line.startswith("["):
            return fail(source, f"line {n} is cut off: truncated body?", body)
        return fail(source, f"line {n}: not a health check line", body)
    if summary is None:
        if status_code is None:
            return fail(source, "no 'check passed/failed' line: truncated body?", body)
        summary_ok = code_ok and not failed
        summary = f"HTTP {status_code} (no summary line)"
    ok = bool(summary_ok) and code_ok and not failed
    return ApiHealthObservation(
        endpoint=endpoint,
        ok=ok,
        status_code=status_code,
        failed_checks=tuple(failed),
        passed_checks=tuple(passed),
        message=summary,
    )


def _status_message(text: str) -> str | None:
    """The `message` of a Kubernetes `Status` JSON body, if the body is one."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    message = doc.get("message") if isinstance(doc, dict) else None
    return message if isinstance(message, str) else None
