"""Samples sent as history (``Frame.historical``, a Sparkplug ``is_historical`` metric).

They pass the same checks as live samples (identity, type, range, time
limits, duplicates) and go to history, but never to live state: the kernel
runs over them apart, and only its history rows and rejects are kept. The
mode machine, the derived signals and the newest-value-per-key step see the
live samples alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

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
    return dataclasses.replace(
        live,
        twin=np.concatenate([live.twin, old.twin]),
        signal=np.concatenate([live.signal, old.signal]),
        time=np.concatenate([live.time, old.time]),
        value=np.concatenate([live.value, old.value]),
        kind=np.concatenate([live.kind, old.kind]),
        text=np.concatenate([live.text, old.text]),
        quality=np.concatenate([live.quality, old.quality]),
        events=live.events + old.events,
        reject_rows=np.concatenate([live_rows[live.reject_rows], old_rows[old.reject_rows]]),
        reject_code=np.concatenate([live.reject_code, old.reject_code]),
    )
