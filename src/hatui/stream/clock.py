"""A node's clock offset, measured NTP-style over the existing SSH connection.

One sample: read the local clock, run `date '+%s.%N %z'` on the node, read the local clock
again. The node read its clock somewhere between the two local readings, so assuming the
middle, offset = remote - (before + after) / 2, wrong by at most half the round trip. Of a
few samples the one with the shortest round trip is kept (as NTP does). `sample_offset` and
`best_offset` are pure; `measure_offset` is the thin async part.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hatui.errors import TransportError
from hatui.observations import ProbeError
from hatui.parsers._common import fail
from hatui.stream.events import ClockOffset
from hatui.transport import Transport

SOURCE = "clock-offset"

CLOCK_COMMAND = "date '+%s.%N %z'"

SAMPLES = 8
"""Samples per measurement: ~7 ms round trips over the open connection; on a busy jump host
the best of 8 was within a few ms of the truth (the lab's nodes share this host's clock)."""


@dataclass(frozen=True)
class ClockSample:
    """One round trip: the local clock before and after, and the node's clock in between."""

    before: float
    after: float
    remote: float
    utc_offset: str

    @property
    def rtt(self) -> float:
        return self.after - self.before

    @property
    def offset(self) -> float:
        return self.remote - (self.before + self.after) / 2


def sample_offset(before: float, stdout: str, after: float) -> ClockSample | ProbeError:
    """Read `date '+%s.%N %z'` output taken between two local clock readings (pure)."""
    words = stdout.split()
    if len(words) != 2:
        return fail(SOURCE, "expected `<epoch>.<nanoseconds> <zone>`", stdout)
    seconds, _, fraction = words[0].partition(".")
    if not seconds.isdigit() or not fraction.isdigit():
        # busybox `date` prints a literal N: a 1-second reading cannot correct ms timings
        return fail(SOURCE, "the node's `date` gives no sub-second time", stdout)
    if after < before:
        return fail(SOURCE, "the local clock went backwards during the sample")
    return ClockSample(
        before=before, after=after, remote=float(words[0]), utc_offset=words[1].strip()
    )


def best_offset(node: str, samples: Sequence[ClockSample]) -> ClockOffset | None:
    """The offset of the shortest round trip (None without samples)."""
    if not samples:
        return None
    best = min(samples, key=lambda s: s.rtt)
    return ClockOffset(
        node=node,
        offset=best.offset,
        uncertainty=best.rtt / 2,
        measured_at=best.after,
        utc_offset=best.utc_offset,
        samples=len(samples),
    )


async def measure_offset(
    transport: Transport,
    node: str,
    samples: int = SAMPLES,
    timeout: float = 2.0,
    clock: Callable[[], float] = time.time,
) -> ClockOffset | ProbeError:
    """The node's clock offset from `samples` round trips; a ProbeError if none succeeded."""
    got: list[ClockSample] = []
    for _ in range(samples):
        before = clock()
        try:
            result = await transport.run(node, CLOCK_COMMAND, timeout)
        except TransportError as err:
            return ProbeError(SOURCE, getattr(err, "reason", None) or str(err))
        after = clock()
        sample = sample_offset(before, result.stdout, after)
        if isinstance(sample, ProbeError):
            return sample  # the same `date` will not answer differently next time
        got.append(sample)
    return best_offset(node, got) or ProbeError(SOURCE, "no sample taken")
