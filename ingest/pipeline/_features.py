"""Windowed features of high-rate signals: RMS, peak, crest factor and kurtosis per window.

Windows are tumbling, by event time, aligned to multiples of the signal's
window length (``features: {vibration: {window: 1}}``). One batch's samples
are grouped by (twin, signal, window) with a sort and ``reduceat`` (no Python
per sample). A window's partial sums (count, shifted power sums, peak) are
kept per key between batches, so the features never depend on where batches
split the stream. A window is complete, and emitted at its end time as the
derived signals ``<signal>.<feature>``, when a later window of the same key
starts, or when the watermark has passed its end by the allowed lateness (no
sample of it can be accepted any more).

A sample no newer than the last one counted for its key (late, or a copy
across batches) is left out of the features; history keeps it. Sums are taken
of ``x - K`` with ``K`` the window's first value, so kurtosis keeps its
precision on signals far from zero. After a restart a key's first window may
miss the samples before the restart: it is emitted with quality UNCERTAIN.

Like the kernel, ``FeatureStep.derive`` only reads ``FeatureState``; the
returned ``FeatureUpdate`` is applied once the stores hold the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ingest.pipeline._derived_config import FeatureSpec
from ingest.pipeline._mode import group_by
from ingest.pipeline._state import NO_TIME, FusionState, _grown
from ontology.history import Quality

NO_WINDOW = np.iinfo(np.int64).min
_US = 1_000_000
_UNCERTAIN = int(Quality.UNCERTAIN)
_SUMS = ("n", "shift", "s1", "s2", "s3", "s4", "peak", "sq")


@dataclass(frozen=True, slots=True)
class Derived:
    """Derived samples: rows to add to a batch's history (and state)."""

    twin: npt.NDArray[np.int32]
    signal: npt.NDArray[np.int32]
    """Worker-wide signal indexes."""
    time: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]
    quality: npt.NDArray[np.uint8]
    text: npt.NDArray[np.object_] | None = None
    """Text values (then ``value`` is NaN); None: every row is a number."""

    def __len__(self) -> int:
        return int(self.time.shape[0])


NO_DERIVED = Derived(
    np.empty(0, np.int32),
    np.empty(0, np.int32),
    np.empty(0, np.int64),
    np.empty(0, np.float64),
    np.empty(0, np.uint8),
)


def concat_derived(parts: list[Derived]) -> Derived:
    parts = [p for p in parts if len(p)]
    if not parts:
        return NO_DERIVED
    texts = None
    if any(p.text is not None for p in parts):
        texts = np.concatenate(
            [p.text if p.text is not None else np.full(len(p), None, object) for p in parts]
        )
    return Derived(
        np.concatenate([p.twin for p in parts]),
        np.concatenate([p.signal for p in parts]),
        np.concatenate([p.time for p in parts]),
        np.concatenate([p.value for p in parts]),
        np.concatenate([p.quality for p in parts]),
        texts,
    )


class FeatureState:
    """Per (twin, feature signal) key ``twin * F + f``: the open window and its partial sums."""

    def __init__(self, signals: int) -> None:
        self.signals = signals
        self.twins = 0
        self.window = np.empty(0, np.int64)
        self.last = np.empty(0, np.int64)
        """Event time of the newest sample counted."""
        self.flag = np.empty(0, np.uint8)
        """The open window's quality (UNCERTAIN: it may miss samples before a restart)."""
        self.n = np.empty(0, np.float64)
        self.shift = np.empty(0, np.float64)
        self.s1 = np.empty(0, np.float64)
        self.s2 = np.empty(0, np.float64)
        self.s3 = np.empty(0, np.float64)
        self.s4 = np.empty(0, np.float64)
        self.peak = np.empty(0, np.float64)
        self.sq = np.empty(0, np.float64)
        """Sum of x * x, unshifted: the RMS, free of the shifted sums' cancellation."""

    def ensure_twins(self, count: int) -> None:
        if count <= self.twins:
            return
        capacity = max(count, 2 * self.twins, 16)
        size, used = capacity * self.signals, self.twins * self.signals
        for name, fill in (("window", NO_WINDOW), ("last", NO_TIME), ("flag", 0)):
            setattr(self, name, _grown(getattr(self, name), size, used, fill))
        for name in _SUMS:
            setattr(self, name, _grown(getattr(self, name), size, used, 0.0))
        self.twins = capacity


@dataclass(frozen=True, slots=True)
class FeatureUpdate:
    """A batch's effect on ``FeatureState``: keys and their new values (``window`` NO_WINDOW:
    closed)."""

    keys: npt.NDArray[np.int64]
    window: npt.NDArray[np.int64]
    last: npt.NDArray[np.int64]
    flag: npt.NDArray[np.uint8]
    sums: tuple[npt.NDArray[np.float64], ...]
    """In ``_SUMS`` order."""

    def apply(self, state: FeatureState) -> None:
        k = self.keys
        state.window[k] = self.window
        state.last[k] = self.last
        state.flag[k] = self.flag
        for name, values in zip(_SUMS, self.sums, strict=True):
            getattr(state, name)[k] = values


class FeatureStep:
    """The features of one pipeline (see the module docstring)."""

    def __init__(
        self,
        specs: tuple[FeatureSpec, ...],
        signal_index: dict[str, int],
        signal_count: int,
        lateness_us: int,
    ) -> None:
        self.specs = specs
        self.count = len(specs)
        self.lateness_us = lateness_us
        self.of_signal = np.full(max(signal_count, 1), -1, dtype=np.int64)
        for f, spec in enumerate(specs):
            self.of_signal[signal_index[spec.signal]] = f
        self.length = np.array([round(s.window_s * _US) for s in specs], dtype=np.int64)
        # the derived signal of (feature signal f, feature name): -1 where not emitted
        self.out = np.full((len(specs), 4), -1, dtype=np.int32)
        for f, spec in enumerate(specs):
            for j, name in enumerate(("rms", "peak", "crestFactor", "kurtosis")):
                if name in spec.emit:
                    self.out[f, j] = signal_index[spec.derived(name)]

    def derive(
        self,
        state: FeatureState,
        twin: npt.NDArray[np.int32],
        signal: npt.NDArray[np.int32],
        time: npt.NDArray[np.int64],
        value: npt.NDArray[np.float64],
        number: npt.NDArray[np.bool_],
        watermark: int,
        stored: FusionState,
    ) -> tuple[Derived, FeatureUpdate]:
        """Rows in event-time order (a fused batch's history); ``number`` marks numeric live
        rows; ``stored`` (the kernel's state) says which features the graph store held."""
        nf = self.count
        known = signal < self.of_signal.shape[0]
        of = np.where(known, self.of_signal[np.where(known, signal, 0)], -1)
        rows = np.flatnonzero((of >= 0) & number)
        key = twin[rows].astype(np.int64) * nf + of[rows]
        t = time[rows]
        counted = t > state.last[key]
        rows, key, t = rows[counted], key[counted], t[counted]
        order = _grouped(key)  # rows were in time order: now (key, time)
        rows, key, t = rows[order], key[order], t[order]
        x = value[rows]
        f = key % nf
        w = t // self.length[f]
        m = int(rows.shape[0])

        starts = np.ones(m, dtype=np.bool_)
        if m:
            starts[1:] = (key[1:] != key[:-1]) | (w[1:] != w[:-1])
        first = np.flatnonzero(starts)
        g_key, g_w = key[first], w[first]
        carried = state.window[g_key] == g_w
        shift = np.where(carried, state.shift[g_key], x[first] if m else 0.0)
        group = np.cumsum(starts) - 1
        d = x - shift[group]
        d2 = d * d
        if m:
            sums = [
                np.diff(np.append(first, m)).astype(np.float64),
                shift,
                np.add.reduceat(d, first),
                np.add.reduceat(d2, first),
                np.add.reduceat(d2 * d, first),
                np.add.reduceat(d2 * d2, first),
                np.maximum.reduceat(np.abs(x), first),
                np.add.reduceat(x * x, first),
            ]
        else:
            sums = [np.empty(0, np.float64) for _ in _SUMS]
        for i, name in enumerate(_SUMS):
            if name == "peak":
                sums[i][carried] = np.maximum(sums[i][carried], state.peak[g_key[carried]])
            elif name != "shift":
                sums[i][carried] += getattr(state, name)[g_key[carried]]
        new_key = np.ones(first.shape[0], dtype=np.bool_)  # a key's first group in the batch
        new_key[1:] = g_key[1:] != g_key[:-1]
        fresh = state.last[g_key] == NO_TIME
        first_out = self.out[g_key % nf].max(axis=1)
        stored_key = (g_key // nf) * stored.signals + first_out
        resumed = stored.state_time[stored_key] != NO_TIME
        flag = np.where(
            carried,
            state.flag[g_key],
            np.where(new_key & fresh & resumed, _UNCERTAIN, 0),
        ).astype(np.uint8)
        last_group = np.append(new_key[1:], True) if first.size else new_key
        g_last_time = t[np.append(first[1:], m) - 1] if m else t

        out = []
        # 1. windows completed inside the batch: every group but each key's last
        done = np.flatnonzero(~last_group)
        out.append(self._emit(g_key[done], g_w[done], [s[done] for s in sums], flag[done]))
        # 2. open windows the batch moved past: a key's first group does not continue them
        moved = np.flatnonzero(new_key & ~carried)
        moved = moved[state.window[g_key[moved]] != NO_WINDOW]
        k = g_key[moved]
        out.append(
            self._emit(
                k,
                state.window[k],
                [getattr(state, name)[k] for name in _SUMS],
                state.flag[k],
            )
        )
        # 3. what stays open: each key's last group, unless the watermark closed it
        open_ = np.flatnonzero(last_group)
        keys = g_key[open_]
        window = g_w[open_].copy()
        open_sums = [s[open_] for s in sums]
        open_flag = flag[open_]
        closing = self._closed(keys, window, watermark)
        out.append(
            self._emit(
                keys[closing], window[closing], [s[closing] for s in open_sums], open_flag[closing]
            )
        )
        window[closing] = NO_WINDOW
        # 4. untouched open windows the watermark closed
        idle = self._idle(state, keys, watermark)
        out.append(
            self._emit(
                idle, state.window[idle], [getattr(state, n)[idle] for n in _SUMS], state.flag[idle]
            )
        )
        update = FeatureUpdate(
            keys=np.concatenate([keys, idle]),
            window=np.concatenate([window, np.full(idle.shape[0], NO_WINDOW)]),
            last=np.concatenate([g_last_time[open_], state.last[idle]]),
            flag=np.concatenate([open_flag, np.zeros(idle.shape[0], np.uint8)]),
            sums=tuple(np.concatenate([s, np.zeros(idle.shape[0])]) for s in open_sums),
        )
        return concat_derived(out), update

    def _closed(
        self, keys: npt.NDArray[np.int64], window: npt.NDArray[np.int64], watermark: int
    ) -> npt.NDArray[np.bool_]:
        if watermark == NO_TIME or not keys.size:
            return np.zeros(keys.shape[0], dtype=np.bool_)
        end = (window + 1) * self.length[keys % self.count]
        return end <= watermark - self.lateness_us

    def _idle(
        self, state: FeatureState, touched: npt.NDArray[np.int64], watermark: int
    ) -> npt.NDArray[np.int64]:
        if watermark == NO_TIME or not self.count:
            return np.empty(0, np.int64)
        open_keys = np.flatnonzero(state.window != NO_WINDOW)
        open_keys = open_keys[~np.isin(open_keys, touched)]
        closed = self._closed(open_keys, state.window[open_keys], watermark)
        return open_keys[closed].astype(np.int64)

    def _emit(
        self,
        key: npt.NDArray[np.int64],
        window: npt.NDArray[np.int64],
        sums: list[npt.NDArray[np.float64]],
        flag: npt.NDArray[np.uint8],
    ) -> Derived:
        if not key.shape[0]:
            return NO_DERIVED
        f = key % self.count
        twin = (key // self.count).astype(np.int32)
        values = window_features(*sums)
        end = (window + 1) * self.length[f]
        parts = []
        for j, column in enumerate(values):
            signal = self.out[f, j]
            ok = (signal >= 0) & np.isfinite(column)
            parts.append(Derived(twin[ok], signal[ok], end[ok], column[ok], flag[ok]))
        return concat_derived(parts)


def _grouped(key: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    """A stable order grouping equal keys (radix passes when keys fit 32 bits)."""
    if key.size and int(key.max()) < 2**31:
        return group_by(key.astype(np.int32))
    return np.argsort(key, kind="stable")


def window_features(
    n: npt.NDArray[np.float64],
    shift: npt.NDArray[np.float64],
    s1: npt.NDArray[np.float64],
    s2: npt.NDArray[np.float64],
    s3: npt.NDArray[np.float64],
    s4: npt.NDArray[np.float64],
    peak: npt.NDArray[np.float64],
    sq: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], ...]:
    """(rms, peak, crest factor, kurtosis) from the sums of ``d = x - shift`` (the moments)
    and of ``x * x`` (the RMS); NaN where a feature is undefined (crest factor of an
    all-zero window, kurtosis of a constant one).

    The RMS comes from the unshifted sum of squares, whose terms are all positive: taken
    from the shifted sums instead (``s2 / n + 2 K mean + K^2``) it cancels when most values
    are small beside the window's first one, ``K``, and could come out above the peak. It
    is capped at the peak, which bounds it in exact arithmetic, so a crest factor is never
    below 1 by rounding.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        rms = np.minimum(np.sqrt(np.maximum(sq / n, 0.0)), peak)
        m2 = s2 / n - mean * mean
        m4 = s4 / n - 4.0 * mean * s3 / n + 6.0 * mean * mean * s2 / n - 3.0 * mean**4
        crest = np.where(rms > 0, peak / rms, np.nan)
        scale = np.maximum(np.abs(shift), np.abs(peak))
        flat = m2 <= 1e-12 * np.maximum(scale * scale, 1e-300)
        kurtosis = np.where(flat, np.nan, m4 / (m2 * m2))
    return rms, peak, crest, kurtosis
