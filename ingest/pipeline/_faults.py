"""Active fault codes per twin: a text signal holding the set as a JSON list (``"[17, 42]"``).

From the pipeline's ``derived: faults:``: a sample ``c != 0`` of the ``raise``
signal raises code ``c``, a sample ``0`` clears every code, a sample ``c`` of
the optional ``clear`` signal clears code ``c``. A code is active when its last
event (a clear-all counting for every code) is a raise; samples older than a
twin's last fault event are left out. The last event per (twin, code) comes
from ``np.maximum.at`` over the batch's rows; only the twins whose set changed
are visited in Python, to write the list. The set is written at the time of
the twin's last fault event in the batch, and read back from the graph store
when the worker first meets a twin.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ingest.pipeline._derived_config import FaultSpec
from ingest.pipeline._features import NO_DERIVED, Derived
from ingest.pipeline._kernel import Fused
from ingest.pipeline._state import NO_TIME, FusionState

MAX_ACTIVE = 1024
"""Codes kept per twin (the lowest); a set beyond it is cut."""
_CODE_BITS = 32


class FaultState:
    def __init__(self) -> None:
        self.active: dict[int, frozenset[int]] = {}
        self.last_time: dict[int, int] = {}


@dataclass(frozen=True, slots=True)
class FaultUpdate:
    active: Mapping[int, frozenset[int]]
    last_time: Mapping[int, int]

    def apply(self, state: FaultState) -> None:
        state.active.update(self.active)
        state.last_time.update(self.last_time)


def encode(codes: frozenset[int]) -> str:
    return json.dumps(sorted(codes))


class FaultStep:
    def __init__(self, spec: FaultSpec, signal_index: dict[str, int]) -> None:
        self.spec = spec
        self.raise_signal = signal_index[spec.raise_signal]
        self.clear_signal = -2 if spec.clear_signal is None else signal_index[spec.clear_signal]
        self.signal = signal_index[spec.signal]

    def derive(
        self, faults: FaultState, fused: Fused, kernel: FusionState
    ) -> tuple[Derived, FaultUpdate | None]:
        rows = np.flatnonzero(
            ((fused.signal == self.raise_signal) | (fused.signal == self.clear_signal))
            & np.isfinite(fused.value)
        )
        if not rows.size:
            return NO_DERIVED, None
        twin = fused.twin[rows].astype(np.int64)
        twins = np.unique(twin)
        known_time = np.array([faults.last_time.get(t, NO_TIME) for t in twins.tolist()])
        fresh = fused.time[rows] >= known_time[np.searchsorted(twins, twin)]
        rows, twin = rows[fresh], twin[fresh]
        if not rows.size:
            return NO_DERIVED, None
        code = np.abs(fused.value[rows]).astype(np.int64) & ((1 << _CODE_BITS) - 1)
        is_raise = fused.signal[rows] == self.raise_signal
        order = np.arange(rows.shape[0], dtype=np.int64)  # rows are in event-time order
        # a clear-all per twin: its last position
        twins, inverse = np.unique(twin, return_inverse=True)
        clear_all = np.full(twins.shape[0], -1, dtype=np.int64)
        everything = is_raise & (code == 0)
        np.maximum.at(clear_all, inverse[everything], order[everything])
        last_at = np.full(twins.shape[0], NO_TIME, dtype=np.int64)
        np.maximum.at(last_at, inverse, fused.time[rows])
        # per (twin, code): the last raise and the last clear
        one = ~everything
        pair = (twin[one] << _CODE_BITS) | code[one]
        pairs, pair_inverse = np.unique(pair, return_inverse=True)
        raised = np.full(pairs.shape[0], -1, dtype=np.int64)
        cleared = np.full(pairs.shape[0], -1, dtype=np.int64)
        np.maximum.at(raised, pair_inverse[is_raise[one]], order[one][is_raise[one]])
        np.maximum.at(cleared, pair_inverse[~is_raise[one]], order[one][~is_raise[one]])
        pair_twin = pairs >> _CODE_BITS
        pair_code = pairs & ((1 << _CODE_BITS) - 1)
        all_cleared = clear_all[np.searchsorted(twins, pair_twin)]
        on = raised > np.maximum(cleared, all_cleared)
        decided = {t: set[int]() for t in twins.tolist()}
        touched = {t: set[int]() for t in twins.tolist()}
        for t, c, active in zip(pair_twin.tolist(), pair_code.tolist(), on.tolist(), strict=True):
            touched[t].add(c)
            if active:
                decided[t].add(c)
        out_twin, out_time, out_text = [], [], []
        active_after: dict[int, frozenset[int]] = {}
        for i, t in enumerate(twins.tolist()):
            before = self._before(faults, kernel, t)
            kept = set() if clear_all[i] >= 0 else before - touched[t]
            after = frozenset(sorted(kept | decided[t])[:MAX_ACTIVE])
            active_after[t] = after
            if after != before or t not in faults.active:
                out_twin.append(t)
                out_time.append(int(last_at[i]))
                out_text.append(encode(after))
        text = np.empty(len(out_text), dtype=object)
        text[:] = out_text
        m = len(out_twin)
        derived = Derived(
            np.asarray(out_twin, dtype=np.int32),
            np.full(m, self.signal, dtype=np.int32),
            np.asarray(out_time, dtype=np.int64),
            np.full(m, np.nan),
            np.zeros(m, dtype=np.uint8),
            text,
        )
        return derived, FaultUpdate(
            active_after, dict(zip(twins.tolist(), last_at.tolist(), strict=True))
        )

    def _before(self, faults: FaultState, kernel: FusionState, twin: int) -> frozenset[int]:
        """The twin's set before the batch; met for the first time: what the graph store holds."""
        found = faults.active.get(twin)
        if found is not None:
            return found
        stored = kernel.state_text[twin * kernel.signals + self.signal]
        try:
            codes = json.loads(stored) if isinstance(stored, str) else []
        except ValueError:
            codes = []
        if not isinstance(codes, list):
            return frozenset()
        return frozenset(c for c in codes[:MAX_ACTIVE] if isinstance(c, int))
