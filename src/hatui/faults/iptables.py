"""iptables rules that carry hatui's tag, and the commands that add, find and remove them.

Pure. Every rule hatui adds has `-m comment --comment hatui:<fault-id>`, and is removed by
deleting exactly the same specification (`iptables -D` with identical arguments matches
that one rule), so a clear can never touch a rule hatui did not add: a rule of the same
shape without the tag, or one of another fault, differs in its comment. `-w` waits for
the xtables lock (kube-proxy holds it often) instead of failing at once.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

TAG_PREFIX = "hatui:"
LOCK_WAIT_SECONDS = 5


def tag(fault_id: str) -> str:
    """The comment every rule of one fault carries."""
    return f"{TAG_PREFIX}{fault_id}"


@dataclass(frozen=True)
class Rule:
    """One rule: its chain, the match and the target, without the tag."""

    chain: str
    """"INPUT" or "OUTPUT"."""
    match: tuple[str, ...]
    """E.g. ("-p", "tcp", "--dport", "6443")."""
    target: tuple[str, ...]
    """E.g. ("-j", "REJECT")."""
    family: int = 4
    """4 (iptables) or 6 (ip6tables)."""

    @property
    def binary(self) -> str:
        return "ip6tables" if self.family == 6 else "iptables"

    def spec(self, fault_id: str) -> tuple[str, ...]:
        """The rule's arguments after the chain, the tag included."""
        return (*self.match, "-m", "comment", "--comment", tag(fault_id), *self.target)

    def _command(self, op: str, fault_id: str, position: int | None = None) -> str:
        args = [self.binary, "-w", str(LOCK_WAIT_SECONDS), op, self.chain]
        if position is not None:
            args.append(str(position))
        args.extend(self.spec(fault_id))
        return shlex.join(args)

    def insert(self, fault_id: str, position: int) -> str:
        """`iptables -I CHAIN POSITION ...`: the rule at that place in the chain."""
        return self._command("-I", fault_id, position)

    def check(self, fault_id: str) -> str:
        """`iptables -C ...`: exits 0 when the rule is in place."""
        return self._command("-C", fault_id)

    def delete(self, fault_id: str) -> str:
        """Remove the rule if it is there; exits 0 when it is gone (idempotent)."""
        return f"if {self.check(fault_id)} 2>/dev/null; then {self._command('-D', fault_id)}; fi"


def insert_all(rules: tuple[Rule, ...], fault_id: str) -> str:
    """One command adding `rules` at the top of their chains, in the given order.

    Each chain's rules take positions 1, 2, ... so an ACCEPT listed before a DROP is in
    place before the DROP is (isolate never cuts its own SSH session while being set up).
    """
    seen: dict[tuple[int, str], int] = {}
    parts = []
    for rule in rules:
        key = (rule.family, rule.chain)
        seen[key] = seen.get(key, 0) + 1
        parts.append(rule.insert(fault_id, seen[key]))
    return " && ".join(parts)


def delete_all(rules: tuple[Rule, ...], fault_id: str) -> str:
    """One command removing `rules` in reverse order, stopping at the first failure.

    Reverse, so a DROP goes before the ACCEPT that keeps SSH open; stopping, so a DROP that
    could not be removed never loses its ACCEPT.
    """
    return " && ".join(rule.delete(fault_id) for rule in reversed(rules))


def any_present(rules: tuple[Rule, ...], fault_id: str) -> str:
    """A command that exits 0 while any of `rules` is still in place."""
    return " || ".join(f"{rule.check(fault_id)} 2>/dev/null" for rule in rules)
