"""Windowed features (RMS, peak, crest factor, kurtosis) through ``Fusion``: per window, across
batches, any split of a stream giving the same features as a plain-Python computation."""

from __future__ import annotations

import copy
import itertools
import math
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.pipeline import Fused, Fusion, pipeline_from_document
from ingest.pipeline._features import window_features
from ontology import GraphStore, MemoryStore, SignalUpdate
from ontology.history import Quality
from tests.ingest.conftest import NOW_US, PIPELINE_DOC, T0_US, Row, build_plant, make_frame

S = 1_000_000
WINDOW_S = 2
TWINS = ("machine/m1", "machine/m2")
FEATURES = ("rms", "peak", "crestFactor", "kurtosis")


def features_doc(**extra: Any) -> dict[str, Any]:
    doc = copy.deepcopy(PIPELINE_DOC)
    doc["signals"]["vibration"] = {"range": [-1000, 1000]}
    doc["features"] = {"vibration": {"window": WINDOW_S, **extra}}
    return doc


def new_fusion(store: GraphStore, **extra: Any) -> Fusion:
    return Fusion(pipeline_from_document(features_doc(**extra)), store)


Feature = dict[tuple[str, str, int], tuple[float, int]]


def derived(fusion: Fusion, fused: Fused) -> Feature:
    """(twin, signal, time) -> (value, quality) of the batch's derived rows."""
    twins, signals = fusion.twins.names(), fusion.signals.name_array
    n = len(fused.time)
    return {
        (str(twins[fused.twin[i]]), str(signals[fused.signal[i]]), int(fused.time[i])): (
            float(fused.value[i]),
            int(fused.quality[i]),
        )
        for i in range(n - fused.derived_rows, n)
    }


def feed(fusion: Fusion, batches: list[list[Row]]) -> Feature:
    out: Feature = {}
    for rows in batches:
        fused = fusion.fuse(make_frame(rows), NOW_US)
        fusion.commit(fused)
        out.update(derived(fusion, fused))
    return out


def reference(rows: list[Row]) -> dict[tuple[str, str, int], float]:
    """Plain Python, two passes per window; every window but each twin's last is complete."""
    windows: dict[tuple[str, int], list[float]] = defaultdict(list)
    for twin, _, at, value in sorted(rows, key=lambda r: r[2]):
        windows[(twin, at // (WINDOW_S * S))].append(float(value))
    out = {}
    for twin in {t for t, _ in windows}:
        mine = sorted(w for t, w in windows if t == twin)
        for w in mine[:-1]:
            xs = windows[(twin, w)]
            n = len(xs)
            mean = sum(xs) / n
            rms = math.sqrt(sum(x * x for x in xs) / n)
            peak = max(abs(x) for x in xs)
            m2 = sum((x - mean) ** 2 for x in xs) / n
            m4 = sum((x - mean) ** 4 for x in xs) / n
            end = (w + 1) * WINDOW_S * S
            out[(twin, "vibration.rms", end)] = rms
            out[(twin, "vibration.peak", end)] = peak
            if rms > 0:
                out[(twin, "vibration.crestFactor", end)] = peak / rms
            if m2 > 1e-12 * max(peak, abs(xs[0])) ** 2:
                out[(twin, "vibration.kurtosis", end)] = m4 / (m2 * m2)
    return out


def test_one_window_gives_rms_peak_crest_factor_and_kurtosis(plant_store: GraphStore) -> None:
    fusion = new_fusion(plant_store)
    xs = [1.0, -3.0, 2.0, 0.5]
    rows: list[Row] = [("machine/m1", "vibration", T0_US + i * S // 4, x) for i, x in enumerate(xs)]
    rows.append(("machine/m1", "vibration", T0_US + WINDOW_S * S, 0.0))  # opens the next window
    got = feed(fusion, [rows])
    end = T0_US + WINDOW_S * S
    rms = math.sqrt(sum(x * x for x in xs) / 4)
    mean = sum(xs) / 4
    m2 = sum((x - mean) ** 2 for x in xs) / 4
    m4 = sum((x - mean) ** 4 for x in xs) / 4
    assert got[("machine/m1", "vibration.rms", end)][0] == pytest.approx(rms)
    assert got[("machine/m1", "vibration.peak", end)][0] == 3.0
    assert got[("machine/m1", "vibration.crestFactor", end)][0] == pytest.approx(3.0 / rms)
    assert got[("machine/m1", "vibration.kurtosis", end)][0] == pytest.approx(m4 / m2**2)
    # the derived signals are state too; the open window is not emitted yet
    assert plant_store.get_signals("machine/m1") == {}  # the fusion alone writes no store
    key = fusion.twins.get("machine/m1")
    assert key is not None
    s = fusion.signals.index["vibration.rms"]
    assert fusion.state.state_value[key * fusion.state.signals + s] == pytest.approx(rms)
    assert len(got) == 4


def test_a_window_spanning_batches_carries_its_partial_sums(plant_store: GraphStore) -> None:
    fusion = new_fusion(plant_store, emit=["rms", "peak"])
    first = feed(fusion, [[("machine/m1", "vibration", T0_US, 3.0)]])
    assert first == {}
    second = feed(
        fusion,
        [
            [("machine/m1", "vibration", T0_US + S, 4.0)],
            [("machine/m1", "vibration", T0_US + 5 * S, 1.0)],  # a later window closes it
        ],
    )
    end = T0_US + WINDOW_S * S
    assert second == {
        ("machine/m1", "vibration.rms", end): (pytest.approx(math.sqrt(12.5)), 0),
        ("machine/m1", "vibration.peak", end): (4.0, 0),
    }


def test_a_late_sample_reaches_history_but_not_the_features(plant_store: GraphStore) -> None:
    fusion = new_fusion(plant_store, emit=["peak"])
    feed(fusion, [[("machine/m1", "vibration", T0_US + S, 1.0)]])
    late = fusion.fuse(make_frame([("machine/m1", "vibration", T0_US, 50.0)]), NOW_US)
    fusion.commit(late)
    assert late.derived_rows == 0 and len(late.time) == 1  # history keeps it
    got = feed(fusion, [[("machine/m1", "vibration", T0_US + 3 * S, 2.0)]])
    assert got == {("machine/m1", "vibration.peak", T0_US + WINDOW_S * S): (1.0, 0)}


def test_a_batch_that_is_not_committed_changes_no_partial_sums(plant_store: GraphStore) -> None:
    fusion = new_fusion(plant_store, emit=["peak"])
    feed(fusion, [[("machine/m1", "vibration", T0_US, 1.0)]])
    fusion.fuse(make_frame([("machine/m1", "vibration", T0_US + S, 9.0)]), NOW_US)  # fails
    got = feed(
        fusion,
        [
            [
                ("machine/m1", "vibration", T0_US + S, 2.0),
                ("machine/m1", "vibration", T0_US + 3 * S, 0.0),
            ]
        ],
    )
    assert got == {("machine/m1", "vibration.peak", T0_US + WINDOW_S * S): (2.0, 0)}


def test_the_watermark_closes_a_window_no_sample_can_join(plant_store: GraphStore) -> None:
    fusion = new_fusion(plant_store, emit=["peak"])  # allowed lateness: 3600 s
    feed(fusion, [[("machine/m1", "vibration", T0_US, 7.0)]])
    got = feed(fusion, [[("machine/m2", "speed", T0_US + 3602 * S, 1.0)]])
    assert got == {("machine/m1", "vibration.peak", T0_US + WINDOW_S * S): (7.0, 0)}


def test_after_a_restart_the_first_window_is_uncertain(plant_store: GraphStore) -> None:
    fusion = new_fusion(plant_store, emit=["peak"])
    feed(
        fusion,
        [
            [
                ("machine/m1", "vibration", T0_US, 7.0),
                ("machine/m1", "vibration", T0_US + 2 * S, 1.0),
            ]
        ],
    )
    key = fusion.twins.get("machine/m1")
    assert key is not None
    s = fusion.signals.index["vibration.peak"]
    at = fusion.state.state_time[key * fusion.state.signals + s]
    moment = datetime.fromtimestamp(int(at) / S, UTC)
    plant_store.set_signals([SignalUpdate("machine/m1", "vibration.peak", 7.0, moment)])
    restarted = new_fusion(plant_store, emit=["peak"])
    got = feed(
        restarted,
        [
            [
                ("machine/m1", "vibration", T0_US + 3 * S, 2.0),
                ("machine/m1", "vibration", T0_US + 4 * S, 0.0),
            ]
        ],
    )
    assert got == {("machine/m1", "vibration.peak", T0_US + 4 * S): (2.0, int(Quality.UNCERTAIN))}


@pytest.mark.parametrize("unknown", ["reject", "accept"])
def test_a_derived_signal_is_not_taken_from_a_source(plant_store: GraphStore, unknown: str) -> None:
    doc = features_doc()
    doc["unknown_signals"] = unknown
    fusion = Fusion(pipeline_from_document(doc), plant_store)
    rows: list[Row] = [("machine/m1", "vibration.rms", T0_US, 1.0), ("machine/m1", "x", T0_US, 1.0)]
    fused = fusion.fuse(make_frame(rows), NOW_US)
    assert fused.reject_counts() == {"unknown_signal": 1 if unknown == "accept" else 2}


def test_kurtosis_keeps_its_precision_far_from_zero() -> None:
    xs = 1e6 + np.array([1.0, -1.0, 2.0, -2.0, 0.0])
    shift = xs[0]
    d = xs - shift
    n, s0, s1, s2, s3, s4 = (
        np.array([v]) for v in (5.0, shift, d.sum(), (d**2).sum(), (d**3).sum(), (d**4).sum())
    )
    sq = np.array([(xs**2).sum()])
    *_, kurtosis = window_features(n, s0, s1, s2, s3, s4, np.array([np.abs(xs).max()]), sq)
    centred = xs - xs.mean()
    expected = (centred**4).mean() / (centred**2).mean() ** 2
    assert kurtosis[0] == pytest.approx(expected, rel=1e-9)


def test_rms_keeps_its_precision_when_the_first_value_dwarfs_the_rest() -> None:
    # the shift K is the window's first value; the rest sit near zero, where the shifted
    # sums' E[x^2] = s2/n + 2 K mean + K^2 cancels almost entirely
    xs = np.array([1e8, 1e-3, -2e-3, 3e-3, 1e-3] + [2e-3] * 2000)
    shift = xs[0]
    d = xs - shift
    n, s0, s1, s2, s3, s4, top, sq = (
        np.array([v])
        for v in (
            float(xs.size),
            shift,
            d.sum(),
            (d**2).sum(),
            (d**3).sum(),
            (d**4).sum(),
            np.abs(xs).max(),
            (xs**2).sum(),
        )
    )
    rms, peak, crest, _ = window_features(n, s0, s1, s2, s3, s4, top, sq)
    assert rms[0] == pytest.approx(np.sqrt((xs**2).mean()), rel=1e-12)
    assert 1.0 <= crest[0] == pytest.approx(peak[0] / np.sqrt((xs**2).mean()), rel=1e-12)


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[Row], list[int]]:
    """Samples of two twins in event-time order (distinct times per twin), and cut points."""
    rows: list[Row] = []
    for twin in TWINS:
        steps = draw(st.lists(st.integers(1, 1_500_000), min_size=1, max_size=40))
        values = draw(
            st.lists(
                st.floats(-100, 100, allow_nan=False).map(lambda v: round(v, 3)),
                min_size=len(steps),
                max_size=len(steps),
            )
        )
        at = T0_US + draw(st.integers(0, 3 * S))
        for step, value in zip(steps, values, strict=True):
            at += step
            rows.append((twin, "vibration", at, value))
    rows.sort(key=lambda r: (r[2], r[0]))
    cuts = sorted(draw(st.sets(st.integers(0, len(rows)), max_size=6)))
    return rows, cuts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_any_split_of_a_stream_gives_the_features_of_plain_python(
    stream: tuple[list[Row], list[int]],
) -> None:
    rows, cuts = stream
    edges = [0, *cuts, len(rows)]
    batches = [rows[a:b] for a, b in itertools.pairwise(edges) if b > a]
    expected = reference(rows)
    for split in (batches, [rows]):
        store = build_plant(MemoryStore())
        got = feed(new_fusion(store), split)
        assert set(got) == set(expected)
        for key, value in expected.items():
            assert got[key][0] == pytest.approx(value, rel=1e-7, abs=1e-9), key
            assert got[key][1] == 0
