"""The API through the VIP, asked from the jump host at a high rate while a fault is active.

`probe_loop` starts one `check_api_via_vip` request every 1/rate seconds on a fixed
schedule (a slow answer does not delay the next request; at most `max_in_flight` wait at
once, ticks beyond that are skipped), and stops by itself after `duration` seconds or
`max_probes` requests, whichever comes first. Each answer becomes an `ApiProbeEvent` whose
`sent` time is what the outage figures use.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from hatui.model import Probe
from hatui.observations import ApiHealthObservation, ProbeError
from hatui.stream.events import ApiProbeEvent, Stamp

RATE = 10.0
"""Requests per second: 100 ms resolution on the outage."""

TIMEOUT = 1.0
"""Each request's limit: an answer later than this counts as a failure."""

DURATION = 120.0
MAX_PROBES = 1200
"""The default bounds of one fast-probing period (2 minutes at 10 Hz)."""

DRAIN = 5.0
"""The longest the loop waits for its last answers once it stops sending."""

ApiCheck = Callable[[], Awaitable[Probe[ApiHealthObservation]]]


def probe_event(sent: float, received: float, probe: Probe[ApiHealthObservation]) -> ApiProbeEvent:
    """One check's outcome as an event (pure)."""
    result = probe.result
    if isinstance(result, ProbeError):
        return ApiProbeEvent(Stamp(received), sent, ok=False, message=result.message)
    return ApiProbeEvent(
        Stamp(received), sent, ok=result.ok, status_code=result.status_code, message=result.message
    )


async def probe_loop(
    check: ApiCheck,
    emit: Callable[[ApiProbeEvent], None],
    *,
    rate: float = RATE,
    duration: float = DURATION,
    max_probes: int = MAX_PROBES,
    max_in_flight: int = 10,
    clock: Callable[[], float] = time.time,
) -> int:
    """Probe until `duration` or `max_probes` is reached (or cancelled); the count sent.

    `check` returns a value for every outcome (`check_api_via_vip` does); it must not raise.
    """
    period = 1.0 / rate
    in_flight: set[asyncio.Task[None]] = set()
    sent = 0

    async def one() -> None:
        began = clock()
        result = await check()
        emit(probe_event(began, clock(), result))

    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        tick = 0
        while sent < max_probes and loop.time() - start < duration:
            if len(in_flight) < max_in_flight:
                task = asyncio.create_task(one(), name="api-fast-probe")
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                sent += 1
            tick += 1
            await asyncio.sleep(max(0.0, start + tick * period - loop.time()))
        if in_flight:  # the last answers belong to this period (each check is bounded)
            await asyncio.wait(set(in_flight), timeout=DRAIN)
    finally:
        for task in in_flight:
            task.cancel()
    return sent
