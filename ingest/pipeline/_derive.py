"""Derived signals of a fused batch: windowed features, uptime and OEE, active fault codes.

``Derivation.derive`` runs after the kernel on its ``Fused`` batch and returns
it with the derived samples appended to the history rows (``derived_rows`` of
them); each derived key's newest sample becomes state when it is newer than
the state and differs from it. Like the kernel it changes nothing: what it
would remember is kept with the batch and applied by ``commit`` once the
stores hold the batch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from ingest.frame import Kind
from ingest.pipeline._config import Pipeline
from ingest.pipeline._day import DayState, DayStep
from ingest.pipeline._faults import FaultState, FaultStep
from ingest.pipeline._features import Derived, FeatureState, FeatureStep, concat_derived
from ingest.pipeline._historical import HISTORY_COLUMNS, with_rows
from ingest.pipeline._kernel import Fused, SignalTable
from ingest.pipeline._state import NO_TIME, FusionState


class Derivation:
    """The derived signals of one pipeline (nothing when it configures none)."""

    def __init__(self, pipeline: Pipeline, signals: SignalTable, lateness_us: int) -> None:
        self.features: FeatureStep | None = None
        self.feature_state = FeatureState(len(pipeline.features))
        if pipeline.features:
            self.features = FeatureStep(
                pipeline.features, signals.index, len(signals.names), lateness_us
            )
        derived = pipeline.derived
        self.day: DayStep | None = None
        self.day_state = DayState()
        if derived is not None and (derived.uptime is not None or derived.oee is not None):
            self.day = DayStep(pipeline, derived, signals.index)
        self.faults: FaultStep | None = None
        self.fault_state = FaultState()
        if derived is not None and derived.faults is not None:
            self.faults = FaultStep(derived.faults, signals.index)
        self._pending: tuple[Fused, list[Callable[[], None]]] | None = None

    @property
    def active(self) -> bool:
        return self.features is not None or self.day is not None or self.faults is not None

    def derive(
        self, fused: Fused, state: FusionState, twin_names: npt.NDArray[np.object_]
    ) -> Fused:
        if not self.active:
            return fused
        parts: list[Derived] = []
        commits: list[Callable[[], None]] = []
        if self.features is not None:
            self.feature_state.ensure_twins(state.twins)
            found, update = self.features.derive(
                self.feature_state,
                fused.twin,
                fused.signal,
                fused.time,
                fused.value,
                fused.kind == Kind.NUMBER,
                fused.watermark,
                state,
            )
            parts.append(found)
            commits.append(lambda: update.apply(self.feature_state))
        if self.day is not None:
            self.day_state.ensure_twins(state.twins)
            found, day_update = self.day.derive(self.day_state, fused, state, twin_names)
            parts.append(found)
            if day_update is not None:
                commits.append(lambda: day_update.apply(self.day_state))
        if self.faults is not None:
            found, fault_update = self.faults.derive(self.fault_state, fused, state)
            parts.append(found)
            if fault_update is not None:
                commits.append(lambda: fault_update.apply(self.fault_state))
        out = _appended(fused, concat_derived(parts), state)
        self._pending = (out, commits)
        return out

    def hand_over(self, fused: Fused) -> None:
        """``fused`` (a batch built on the one ``derive`` returned) is what will be committed."""
        if self._pending is not None:
            self._pending = (fused, self._pending[1])

    def commit(self, fused: Fused) -> None:
        """Remember what ``derive`` computed for this batch (the stores hold it now)."""
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] is fused:
            for apply in pending[1]:
                apply()


def _appended(fused: Fused, derived: Derived, state: FusionState) -> Fused:
    """``fused`` with ``derived`` as extra history rows; the newest per key becomes state if it
    is newer and differs."""
    n, m = len(fused.time), len(derived)
    if not m:
        return fused
    text = derived.text if derived.text is not None else np.full(m, None, dtype=object)
    kind = (
        np.where(
            np.array([t is not None for t in text], dtype=np.bool_), Kind.TEXT, Kind.NUMBER
        ).astype(np.uint8)
        if derived.text is not None
        else np.full(m, Kind.NUMBER, np.uint8)
    )
    key = derived.twin.astype(np.int64) * state.signals + derived.signal
    order = np.lexsort((derived.time, key))
    newest = order[np.append(key[order][1:] != key[order][:-1], True)]
    k = key[newest]
    newer = derived.time[newest] > state.seen_time[k]
    is_text = kind[newest] == Kind.TEXT
    with np.errstate(invalid="ignore"):
        moved = np.where(
            is_text,
            text[newest] != state.state_text[k],
            derived.value[newest] != state.state_value[k],
        )
    changed = newest[newer & (moved | (state.state_time[k] == NO_TIME))]
    d = derived
    columns = (d.twin, d.signal, d.time, d.value, kind, text, d.quality)
    return with_rows(
        fused,
        dict(zip(HISTORY_COLUMNS, columns, strict=True)),
        update=np.concatenate([fused.update, n + changed]),
        seen=np.concatenate([fused.seen, n + newest]),
        seen_key=np.concatenate([fused.seen_key, k]),
        seen_newer=np.concatenate([fused.seen_newer, newer]),
        derived_rows=fused.derived_rows + m,
    )
