"""Record and replay: every observed `ClusterState` as one redacted JSON line.

`to_json` / `from_json` convert a state (and everything in it: frozen dataclasses, enums,
tuples, floats, unions such as `Probe[T].result`) to plain JSON and back. Values are tagged
with their class name (`{"_t": "VrrpInstance", ...}`, `{"_e": "VrrpState", "v": "MASTER"}`)
because several fields are unions or generic, so the field's type alone cannot say what to
rebuild. Every string passes through `hatui.parsers.redact` on the way out: a recording is a
file people share, and must never carry a keepalived or HAProxy secret.

`Recorder` appends lines; `ReplaySource` plays a file back with pause, speed and seek. Neither
imports the UI, so `hatui status --watch --record` can use them too.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import gzip
import json
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import IO, Any

from hatui import observations
from hatui.errors import HatuiError
from hatui.model import spec as model_spec
from hatui.model import state as model_state
from hatui.model.state import ClusterState
from hatui.parsers.redact import redact

FORMAT_VERSION = 1


class RecordingError(HatuiError):
    """A recording file could not be read (not JSON lines, unknown type, wrong version)."""

    title = "Recording error"


def _registry() -> tuple[dict[str, type], dict[str, type[enum.Enum]]]:
    classes: dict[str, type] = {}
    enums: dict[str, type[enum.Enum]] = {}
    for module in (observations, model_spec, model_state):
        for name, obj in vars(module).items():
            if not isinstance(obj, type) or obj.__module__ != module.__name__:
                continue
            if issubclass(obj, enum.Enum):
                enums[name] = obj
            elif dataclasses.is_dataclass(obj):
                classes[name] = obj
    return classes, enums


_CLASSES, _ENUMS = _registry()


def encode(value: Any) -> Any:
    """`value` as plain JSON data, every string redacted."""
    if isinstance(value, enum.Enum):
        return {"_e": type(value).__name__, "v": value.value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"_t": type(value).__name__}
        for f in dataclasses.fields(value):
            out[f.name] = encode(getattr(value, f.name))
        return out
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    raise TypeError(f"cannot record a {type(value).__name__}")


def decode(data: Any) -> Any:
    """The value `encode` made `data` from (lists come back as tuples)."""
    if isinstance(data, list):
        return tuple(decode(v) for v in data)
    if isinstance(data, dict):
        if "_e" in data:
            try:
                return _ENUMS[data["_e"]](data["v"])
            except (KeyError, ValueError) as e:
                raise RecordingError(f"unknown enum value {data!r}") from e
        cls = _CLASSES.get(data.get("_t", ""))
        if cls is None:
            raise RecordingError(f"unknown recorded type {data.get('_t')!r}")
        kwargs = {k: decode(v) for k, v in data.items() if k != "_t"}
        try:
            return cls(**kwargs)
        except TypeError as e:
            raise RecordingError(f"{cls.__name__}: {e}") from e
    return data


def to_json(state: ClusterState) -> str:
    """One line of JSON (no newline) for `state`, redacted."""
    line = {"v": FORMAT_VERSION, "state": encode(state)}
    return json.dumps(line, separators=(",", ":"), allow_nan=False)


def from_json(line: str) -> ClusterState:
    """The state of one recorded line."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as e:
        raise RecordingError(f"not a JSON line: {e}") from e
    if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
        raise RecordingError(f"not a hatui recording line of format {FORMAT_VERSION}")
    state = decode(data.get("state"))
    if not isinstance(state, ClusterState):
        raise RecordingError("the line does not hold a cluster state")
    return state


def read_recording(path: str | Path) -> tuple[ClusterState, ...]:
    """Every state of a recording file, oldest first (blank lines skipped).

    A name ending in `.gz` is read through gzip (committed recordings are kept compressed).
    """
    states = []
    try:
        with _open_text(path) as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    states.append(from_json(line))
                except RecordingError as e:
                    raise RecordingError(f"{path}:{number}: {e}") from e
    except (OSError, EOFError, UnicodeDecodeError) as e:
        reason = getattr(e, "strerror", None) or str(e)
        raise RecordingError(f"cannot read the recording {path}: {reason}") from e
    return tuple(states)


def _open_text(path: str | Path) -> IO[str]:
    if str(path).endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")  # noqa: SIM115 - the caller closes it


class Recorder:
    """Appends each state given to `write` to a file, one line each, flushed at once.

    Flushing per line keeps a recording readable up to the last sweep if hatui is killed.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: IO[str] | None = None

    def write(self, state: ClusterState) -> None:
        if self._file is None:
            self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open
        self._file.write(to_json(state) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)


class ReplaySource:
    """Plays recorded states back with the gaps they were recorded with, scaled by `speed`.

    The controls (`toggle_pause`, `faster`, `slower`, `seek`) may be called at any time; the
    running `states()` iterator reacts at once. At the end it waits (a seek can go back).
    """

    def __init__(
        self,
        source: str | Path | Iterable[ClusterState],
        speed: float = 1.0,
        *,
        max_gap: float = 10.0,
    ) -> None:
        if isinstance(source, str | Path):
            self.recording: tuple[ClusterState, ...] = read_recording(source)
            self.name = str(source)
        else:
            self.recording = tuple(source)
            self.name = "replay"
        self.speed = speed
        self.max_gap = max_gap
        """Longest wait between two states at speed 1 (a recording may span a pause)."""
        self.paused = False
        self.index = 0
        """The index of the state shown last (or to show next, before the first)."""
        self._seeked = False
        self._changed = asyncio.Event()

    # -- controls --------------------------------------------------------------------------

    def toggle_pause(self) -> None:
        self.paused = not self.paused
        self._changed.set()

    def faster(self) -> None:
        self.speed = next((s for s in SPEEDS if s > self.speed), self.speed)
        self._changed.set()

    def slower(self) -> None:
        self.speed = next((s for s in reversed(SPEEDS) if s < self.speed), self.speed)
        self._changed.set()

    def seek(self, steps: int) -> None:
        """Move `steps` states forward (negative: back), shown at once."""
        if self.recording:
            self.index = max(0, min(len(self.recording) - 1, self.index + steps))
        self._seeked = True
        self._changed.set()

    def position(self) -> str:
        """E.g. "12/40 x2 paused", for the header."""
        total = len(self.recording)
        paused = " paused" if self.paused else ""
        return f"{min(self.index + 1, total)}/{total} x{self.speed:g}{paused}"

    # -- the source ------------------------------------------------------------------------

    async def states(self) -> AsyncIterator[ClusterState]:
        if not self.recording:
            return
        self.index = 0
        while True:
            self._seeked = False
            yield self.recording[self.index]
            await self._wait_next()
            if not self._seeked and not self.paused and self.index < len(self.recording) - 1:
                self.index += 1

    async def _wait_next(self) -> None:
        """Until the next state is due, or a seek says to show another one now."""
        while True:
            self._changed.clear()
            if self._seeked:
                return
            if self.paused or self.index >= len(self.recording) - 1:
                await self._changed.wait()
                continue  # resumed, re-timed, or seeked: decide again
            now, nxt = self.recording[self.index], self.recording[self.index + 1]
            delay = max(0.0, min(nxt.derived_at - now.derived_at, self.max_gap)) / self.speed
            try:
                await asyncio.wait_for(self._changed.wait(), delay)
            except TimeoutError:
                return
