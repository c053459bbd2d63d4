"""A batch after the fusion kernel (``Fused``), its events and mode moves, reject codes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ingest.frame import Frame, RejectReason

REASONS: tuple[RejectReason, ...] = tuple(RejectReason)
"""Reject codes: ``REASONS[code - 1]``; code 0 is accepted."""
CODE = {reason: i + 1 for i, reason in enumerate(REASONS)}


@dataclass(frozen=True, slots=True)
class RawEvent:
    """An event with the twin as its index (the worker names it)."""

    twin: int
    time: int
    kind: str
    code: str
    message: str = ""
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModeMoves:
    """Transitions of the mode machine, one row each, in (twin, time) order."""

    twin: npt.NDArray[np.int32]
    time: npt.NDArray[np.int64]
    before: npt.NDArray[np.int16]
    after: npt.NDArray[np.int16]

    def __len__(self) -> int:
        return int(self.time.shape[0])


NO_MOVES = ModeMoves(
    np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int16), np.empty(0, np.int16)
)


@dataclass(frozen=True, slots=True)
class Fused:
    """A batch after the kernel; twin and signal columns are worker-wide indexes."""

    # history: accepted rows without duplicates, in event-time order
    twin: npt.NDArray[np.int32]
    signal: npt.NDArray[np.int32]
    time: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]
    kind: npt.NDArray[np.uint8]
    text: npt.NDArray[np.object_]
    quality: npt.NDArray[np.uint8]
    # state: the keys whose value changed (derived mode values included)
    update: npt.NDArray[np.intp]
    """Rows of the history columns whose value becomes state."""
    mode_twin: npt.NDArray[np.int32]
    mode_state: npt.NDArray[np.int16]
    mode_time: npt.NDArray[np.int64]
    """Twins the machine moved (or met first): new state index, time of its last move."""
    mode_changed: npt.NDArray[np.bool_]
    """Where the new state differs from the one before the batch (a state write)."""
    moves: ModeMoves
    """Every transition, as columns (the worker turns them into ``mode`` events)."""
    seen: npt.NDArray[np.intp]
    """Rows of the history columns that are each key's newest in this batch."""
    seen_key: npt.NDArray[np.int64]
    """The state key of each ``seen`` row."""
    seen_newer: npt.NDArray[np.bool_]
    """Where a ``seen`` row is newer than anything seen for its key before the batch."""
    events: tuple[RawEvent, ...]
    reject_rows: npt.NDArray[np.intp]
    """Frame rows refused, with ``reject_code`` (``REASONS[code - 1]``)."""
    reject_code: npt.NDArray[np.uint8]
    watermark: int
    derived_rows: int = 0
    """History rows the pipeline derived (features, uptime, OEE, faults), not received."""
    mode_keys: bool = True
    """Whether a ``seen`` row (of the kernel's) is of the mode machine's signal: where none
    is, the compiled commit writes the machine's state beside the other keys'."""

    def reject_counts(self) -> dict[str, int]:
        counts = np.bincount(self.reject_code, minlength=len(REASONS) + 1)
        return {str(REASONS[c - 1]): int(counts[c]) for c in np.flatnonzero(counts) if c}


def retired_events(
    frame: Frame, twin: npt.NDArray[np.int32], code: npt.NDArray[np.uint8]
) -> list[RawEvent]:
    """One ``retired_data`` event per retired twin that sent samples (``twin``: per row)."""
    rows = np.flatnonzero(code == CODE[RejectReason.RETIRED_TWIN])
    if not rows.size:
        return []
    events = []
    for t in np.unique(twin[rows]):
        mine = rows[twin[rows] == t]
        events.append(
            RawEvent(
                twin=int(t),
                time=int(frame.time[mine].max()),
                kind="lifecycle",
                code="retired_data",
                message=(
                    f"{mine.size} sample(s) for a retired twin were refused: a reused sensor, "
                    "a reassigned topic or a replay"
                ),
                data={"samples": int(mine.size)},
            )
        )
    return events
