"""Exponential backoff between reconnect attempts: pure, so its schedule is unit-tested."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays of base, base*factor, base*factor^2 ... capped at `cap` seconds.

    Each delay is shortened by up to `jitter` (a fraction) so that masters which failed
    together do not all retry in the same instant.
    """

    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.1
    rand: Callable[[], float] = field(default=random.random, repr=False)
    failures: int = 0
    """Consecutive failures counted so far."""

    def next_delay(self) -> float:
        """Count one more failure and return how long to wait before the next attempt."""
        exponent = min(self.failures, 64)  # no float overflow after days of failures
        self.failures += 1
        delay = min(self.cap, self.base * self.factor**exponent)
        return delay * (1.0 - self.jitter * self.rand())

    def reset(self) -> None:
        """Forget past failures: the next delay is `base` again."""
        self.failures = 0
