"""Remove secrets from text before it is kept, shown, logged or recorded.

keepalived writes its VRRP password in clear in its JSON dump (`"auth_data":"..."`) and its
DATA dump (`Password = ...`), and configs carry `auth_pass`; HAProxy configs carry
`stats auth user:password` and userlist passwords. hatui never shows them: every parser that
reads such text runs it through `redact` before it can reach a `ProbeError` excerpt, and the
observations never hold these fields at all.

The patterns also match a value cut off by a truncated dump (no closing quote), because
truncated output is exactly what ends up in error excerpts.
"""

from __future__ import annotations

import re

MASK = "<redacted>"
"""What a removed secret is replaced with."""

_JSON_KEYS = r"auth_data|auth_pass|password|passwd|secret"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # JSON: "auth_data":"891e2ab0"  (also unterminated, also a non-string value)
    (
        re.compile(r'("(?:' + _JSON_KEYS + r')"\s*:\s*)(?:"(?:[^"\\]|\\.)*(?:"|$)|[^,}\s]+)', re.I),
        r'\1"' + MASK + '"',
    ),
    # keepalived.conf: auth_pass SECRET
    (re.compile(r"(\bauth_pass\s+)\S+", re.I), r"\1" + MASK),
    # keepalived DATA dump: "Password = SECRET", "Authentication password = ..." (any key
    # naming a password/secret); the harmless "Authentication type = SIMPLE_PASSWORD" stays.
    (
        re.compile(
            r"^([^=\n\"{]*(?:password|passwd|secret|auth_data|auth_pass)[^=\n\"{]*=[ \t]*)\S.*$",
            re.I | re.M,
        ),
        r"\1" + MASK,
    ),
    # HAProxy: stats auth user:password
    (re.compile(r"(\bstats\s+auth\s+[^:\s]+:)\S+", re.I), r"\1" + MASK),
    # HAProxy userlist: user NAME password HASH / insecure-password SECRET
    (re.compile(r"(\buser\s+\S+\s+(?:insecure-)?password\s+)\S+", re.I), r"\1" + MASK),
)


def redact(text: str) -> str:
    """`text` with every keepalived / HAProxy secret value replaced by `MASK`."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
