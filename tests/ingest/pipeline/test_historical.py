"""Samples sent as history (``Frame.historical``): checked like any sample, kept in history,
never over live state, never moving the mode machine or the derived signals."""

from __future__ import annotations

import copy

import numpy as np

from ingest.frame import Frame, FrameBuilder, RejectReason
from ingest.pipeline import REASONS, Fusion, Pipeline, pipeline_from_document
from ontology import GraphStore
from tests.ingest.conftest import NOW_US, PIPELINE_DOC, T0_US, Row

S = 1_000_000


def frame_of(rows: list[tuple[Row, bool]]) -> Frame:
    """Numeric samples; the flag marks a row history only."""
    b = FrameBuilder()
    for position, ((twin, signal, at, value), historical) in enumerate(rows):
        b.add_number(b.twin_code(twin), b.signal_code(signal), at, float(value), 0, position)
        if historical:
            b.mark_historical()
    return b.build()


def test_a_newer_historical_sample_reaches_history_but_not_state(
    pipeline: Pipeline, plant_store: GraphStore
) -> None:
    fusion = Fusion(pipeline, plant_store)
    fused = fusion.fuse(
        frame_of(
            [
                (("machine/m1", "speed", T0_US + 10 * S, 100.0), False),
                (("machine/m1", "speed", T0_US + 20 * S, 50.0), True),  # newer, but history
                (("machine/m1", "faultCode", T0_US + 30 * S, 7.0), True),  # would mean FAULT
                (("machine/m1", "speed", T0_US + 40 * S, 9000.0), True),  # out of range
            ]
        ),
        NOW_US,
    )
    fusion.commit(fused)
    names = fusion.signals.name_array
    history = sorted(
        (str(names[s]), (int(t) - T0_US) // S, float(v))
        for s, t, v in zip(fused.signal, fused.time, fused.value, strict=True)
    )
    assert history == [("faultCode", 30, 7.0), ("speed", 10, 100.0), ("speed", 20, 50.0)]
    updates = {(str(names[fused.signal[i]]), float(fused.value[i])) for i in fused.update}
    assert updates == {("speed", 100.0)}
    states = fusion.mode_names()
    moves = [
        f"{states[b]}->{states[a]}"
        for b, a in zip(fused.moves.before, fused.moves.after, strict=True)
    ]
    assert moves == ["STOP->RUNNING"]  # the historical fault moved nothing
    # a rejected historical row is named by its place in the whole frame
    assert dict(zip(fused.reject_rows.tolist(), fused.reject_code.tolist(), strict=True)) == {
        3: REASONS.index(RejectReason.OUT_OF_RANGE) + 1
    }
    m1 = fusion.twins.get("machine/m1")
    assert m1 is not None
    key = m1 * fusion.state.signals + fusion.signals.index["speed"]
    assert fusion.state.state_value[key] == 100.0


def test_a_batch_of_history_only_writes_no_state(
    pipeline: Pipeline, plant_store: GraphStore
) -> None:
    fusion = Fusion(pipeline, plant_store)
    fused = fusion.fuse(frame_of([(("machine/m1", "speed", T0_US, 10.0), True)]), NOW_US)
    assert len(fused.time) == 1
    assert fused.update.size == 0 and fused.mode_twin.size == 0
    fusion.commit(fused)
    assert np.isnan(fusion.state.state_value).all()


def test_derived_signals_of_a_batch_with_history_only_rows_are_remembered(
    plant_store: GraphStore,
) -> None:
    doc = copy.deepcopy(PIPELINE_DOC)
    doc["signals"]["vibration"] = {"range": [-1000, 1000]}
    doc["features"] = {"vibration": {"window": 2, "emit": ["peak"]}}
    fusion = Fusion(pipeline_from_document(doc), plant_store)
    first = fusion.fuse(
        frame_of(
            [
                (("machine/m1", "vibration", T0_US, 5.0), False),
                (("machine/m1", "vibration", T0_US - S, 9.0), True),
            ]
        ),
        NOW_US,
    )
    fusion.commit(first)
    second = fusion.fuse(
        frame_of([(("machine/m1", "vibration", T0_US + 3 * S, 1.0), False)]), NOW_US
    )
    n = len(second.time)
    derived = [
        (float(second.value[i]), int(second.time[i])) for i in range(n - second.derived_rows, n)
    ]
    assert derived == [(5.0, T0_US + 2 * S)]  # the open window was carried over the first batch
