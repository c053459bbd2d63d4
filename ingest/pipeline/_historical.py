"""Samples sent as history (``Frame.historical``, a Sparkplug ``is_historical`` metric).

They pass the same checks as live samples (identity, type, range, time
limits, duplicates) and go to history, but never to live state: the kernel
runs over them apart, and only its history rows and rejects are kept. The
mode machine, the derived signals and the newest-value-per-key step see the
live samples alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from ingest.frame import Frame
from ingest.pipeline._kernel import Fused


def fuse_with_history_only(
    frame: Frame, run: Callable[[Frame], Fused], derive: Callable[[Fused], Fused]
) -> Fused:
    """``derive(run(frame))``, with the frame's history-only rows kept out of live state."""
    flags = frame.historical
    if flags is None or not flags.any():
        return derive(run(frame))
    live_rows, old_rows = np.flatnonzero(~flags), np.flatnonzero(flags)
    live = derive(run(frame.take(live_rows)))
    old = run(frame.take(old_rows))
    return with_rows(
        live,
        {c: getattr(old, c) for c in HISTORY_COLUMNS},
        events=live.events + old.events,
        reject_rows=np.concatenate([live_rows[live.reject_rows], old_rows[old.reject_rows]]),
        reject_code=np.concatenate([live.reject_code, old.reject_code]),
    )


HISTORY_COLUMNS = ("twin", "signal", "time", "value", "kind", "text", "quality")


def with_rows(fused: Fused, rows: Mapping[str, npt.NDArray[Any]], **changes: Any) -> Fused:
    """``fused`` with ``rows`` (each of ``HISTORY_COLUMNS``) appended, and ``changes``."""
    columns: dict[str, Any] = {
        c: np.concatenate([getattr(fused, c), rows[c]]) for c in HISTORY_COLUMNS
    }
    return dataclasses.replace(fused, **columns, **changes)
