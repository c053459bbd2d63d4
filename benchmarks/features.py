"""Windowed features (RMS, peak, crest factor, kurtosis) of a high-rate signal, vectorised,
beside a plain-Python loop doing the same work.

    python -m benchmarks.features [--twins 1000] [--hz 1000] [--seconds 2] [--batches 10]
                                  [--window 0.1] [--runs 3]

Samples of one signal (``vibration``) of ``--twins`` twins at ``--hz`` each,
in event-time order, cut into ``--batches`` batches. The fusion kernel runs
once, untimed, to make the fused batches; then each run times only the
derivation (``Derivation.derive`` + ``commit`` over every batch: group by
(twin, window) with a sort and ``reduceat``, partial sums carried between
batches), from an empty state. Baseline: the same rules in a plain Python
loop per sample (a dict of partial sums per twin). Both must emit the same
windows with the same features (relative 1e-7), else the exit code is 1.
Figures: samples per second, min and median of ``--runs`` warm runs (the
first run is one of them; imports and data are made before), wall seconds.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

import numpy as np

from benchmarks._measure import checked, repeated, row, same_numbers
from ingest.frame import Frame
from ingest.pipeline import (
    Derivation,
    Fused,
    FusionKernel,
    FusionState,
    SignalTable,
    commit,
    pipeline_from_document,
)

T0_US = 1_767_225_600_000_000
FEATURES = ("rms", "peak", "crestFactor", "kurtosis")
Emitted = dict[tuple[int, str, int], float]


def pipeline_doc(window_s: float) -> dict[str, Any]:
    far = 10 * 365 * 86400
    return {
        "version": "bench-features-1",
        "time": {"max_future": far, "allowed_lateness": far},
        "signals": {"vibration": {"range": [-1000, 1000]}},
        "features": {"vibration": {"window": window_s}},
    }


def frames(twins: int, hz: int, seconds: float, batches: int) -> list[Frame]:
    rng = np.random.default_rng(1)
    ticks = int(hz * seconds)
    step = 1_000_000 // hz
    time = np.repeat(T0_US + np.arange(ticks, dtype=np.int64) * step, twins)
    twin = np.tile(np.arange(twins, dtype=np.int32), ticks)
    value = 3.0 * np.sin(time / 1e6 * 2 * np.pi * 25) + 0.3 * rng.standard_normal(time.shape[0])
    value[rng.random(time.shape[0]) < 0.002] *= 6  # impacts
    names = tuple(f"t{i}" for i in range(twins))
    out = []
    for part in np.array_split(np.arange(time.shape[0]), batches):
        n = part.shape[0]
        out.append(
            Frame(
                twin=twin[part],
                signal=np.zeros(n, np.int32),
                time=time[part],
                value=value[part],
                kind=np.zeros(n, np.uint8),
                text=np.empty(n, object),
                quality=np.zeros(n, np.uint8),
                position=np.arange(n, dtype=np.int64),
                twins=names,
                signals=("vibration",),
            )
        )
    return out


def fused_batches(doc: dict[str, Any], batches: list[Frame], twins: int) -> list[Fused]:
    pipeline = pipeline_from_document(doc)
    signals = SignalTable(pipeline)
    kernel = FusionKernel(pipeline, signals)
    state = FusionState(len(signals.names))
    state.ensure_twins(twins)
    twin_map = np.arange(twins, dtype=np.int32)
    retired = np.zeros(twins, dtype=bool)
    out = []
    for frame in batches:
        fused = kernel.fuse(
            frame, twin_map, retired, np.zeros(1, np.int32), np.ones(1), np.zeros(1), state, T0_US
        )
        commit(kernel, fused, state)
        out.append(fused)
    return out


def vectorised(doc: dict[str, Any], batches: list[Fused], twins: int) -> list[Fused]:
    """Each batch with its derived rows (the timed part)."""
    pipeline = pipeline_from_document(doc)
    signals = SignalTable(pipeline)
    state = FusionState(len(signals.names))
    state.ensure_twins(twins)
    derivation = Derivation(pipeline, signals, lateness_us=10**18)
    names = np.array([f"t{i}" for i in range(twins)], dtype=object)
    out = []
    for fused in batches:
        derived = derivation.derive(fused, state, names)
        derivation.commit(derived)
        out.append(derived)
    return out


def emitted_of(doc: dict[str, Any], batches: list[Fused]) -> Emitted:
    names = SignalTable(pipeline_from_document(doc)).names
    emitted: Emitted = {}
    for out in batches:
        n = len(out.time)
        rows = np.arange(n - out.derived_rows, n)
        for t, s, at, v in zip(
            out.twin[rows].tolist(),
            out.signal[rows].tolist(),
            out.time[rows].tolist(),
            out.value[rows].tolist(),
            strict=True,
        ):
            emitted[(t, str(names[s]), at)] = v
    return emitted


def python_baseline(batches: list[Fused], window_us: int) -> Emitted:
    """The same rules, one sample at a time: per twin the open window's sums (two-pass free)."""
    open_: dict[int, list[float]] = {}  # twin -> [window, n, s1, s2, s3, s4, peak, shift, last]
    emitted: Emitted = {}

    def emit(twin: int, w: list[float]) -> None:
        window, n, s1, s2, s3, s4, peak, shift = w[:8]
        mean = s1 / n
        rms = math.sqrt(max(s2 / n + 2 * shift * mean + shift * shift, 0.0))
        m2 = s2 / n - mean * mean
        m4 = s4 / n - 4 * mean * s3 / n + 6 * mean * mean * s2 / n - 3 * mean**4
        end = (int(window) + 1) * window_us
        emitted[(twin, "vibration.rms", end)] = rms
        emitted[(twin, "vibration.peak", end)] = peak
        if rms > 0:
            emitted[(twin, "vibration.crestFactor", end)] = peak / rms
        if m2 > 1e-12 * max(abs(shift), peak) ** 2:
            emitted[(twin, "vibration.kurtosis", end)] = m4 / (m2 * m2)

    for fused in batches:
        for twin, at, x in zip(
            fused.twin.tolist(), fused.time.tolist(), fused.value.tolist(), strict=True
        ):
            w = open_.get(twin)
            if w is not None and at <= w[8]:
                continue
            window = at // window_us
            if w is None or w[0] != window:
                if w is not None:
                    emit(twin, w)
                w = open_[twin] = [window, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, x, at]
            d = x - w[7]
            w[1] += 1
            w[2] += d
            w[3] += d * d
            w[4] += d * d * d
            w[5] += d * d * d * d
            w[6] = max(w[6], abs(x))
            w[8] = at
    return emitted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--twins", type=int, default=1000)
    parser.add_argument("--hz", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--window", type=float, default=0.1, help="window length, seconds")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    doc = pipeline_doc(args.window)
    batches = fused_batches(
        doc, frames(args.twins, args.hz, args.seconds, args.batches), args.twins
    )
    samples = sum(len(f.time) for f in batches)

    def body() -> int:
        runs, derived = repeated(args.runs, lambda: vectorised(doc, batches, args.twins))
        got = emitted_of(doc, derived)
        base_runs, want = repeated(1, lambda: python_baseline(batches, round(args.window * 1e6)))
        same_numbers("windowed features", got, want, rel=1e-7)
        print(
            f"windowed features: {samples:,} samples, {args.twins:,} twins at {args.hz} Hz, "
            f"{args.batches} batches, {args.window} s windows, {len(got):,} features; "
            f"warm, wall seconds, min / median of {args.runs}"
        )
        row(
            "Derivation.derive + commit",
            runs.rate(samples, "samples/s"),
            f"plain Python loop {base_runs.rate(samples, 'samples/s')} (1 run); same answer",
        )
        return 0

    return checked(body)


if __name__ == "__main__":
    sys.exit(main())
