"""The fusion kernel, step by step, through ``Fusion`` over the in-process graph store."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ingest.frame import RejectReason
from ingest.pipeline import REASONS, Fused, Fusion, Pipeline
from ontology import GraphStore
from tests.ingest.conftest import NOW_US, T0_US, Row, make_frame

S = 1_000_000


@pytest.fixture(params=[1, 2], ids=["one-thread", "two-threads"])
def fusion(pipeline: Pipeline, plant_store: GraphStore, request: pytest.FixtureRequest) -> Fusion:
    """The fusion on one kernel thread and on two (the same behaviour)."""
    return Fusion(pipeline, plant_store, kernel_threads=request.param)


def run(fusion: Fusion, rows: list[Row], *, commit: bool = True) -> Fused:
    fused = fusion.fuse(make_frame(rows), NOW_US)
    if commit:
        fusion.commit(fused)
    return fused


def rejected(fused: Fused) -> dict[int, RejectReason]:
    return {
        int(r): REASONS[c - 1] for r, c in zip(fused.reject_rows, fused.reject_code, strict=True)
    }


def history(fusion: Fusion, fused: Fused) -> list[tuple[str, str, int, float | str]]:
    twins, signals = fusion.twins.names(), fusion.signals.name_array
    return [
        (
            twins[fused.twin[i]],
            signals[fused.signal[i]],
            int(fused.time[i]) - T0_US,
            fused.text[i] if fused.text[i] is not None else float(fused.value[i]),
        )
        for i in range(len(fused.time))
    ]


def codes(fusion: Fusion, fused: Fused) -> list[tuple[str, int, str]]:
    """The mode transitions: (twin, time - T0, BEFORE->AFTER)."""
    names, states, m = fusion.twins.names(), fusion.mode_names(), fused.moves
    return [
        (str(names[t]), at - T0_US, f"{states[b]}->{states[a]}")
        for t, at, b, a in zip(
            m.twin.tolist(), m.time.tolist(), m.before.tolist(), m.after.tolist(), strict=True
        )
    ]


def updates(fusion: Fusion, fused: Fused) -> dict[tuple[str, str], float | str]:
    rows = history(fusion, fused)
    return {(rows[i][0], rows[i][1]): rows[i][3] for i in fused.update}


def test_each_bad_sample_is_refused_with_the_first_reason_it_meets(fusion: Fusion) -> None:
    fused = run(
        fusion,
        [
            ("machine/m1", "speed", T0_US, 100.0),  # good
            ("nobody", "speed", T0_US, 1.0),
            ("machine/p1", "speed", T0_US, 1.0),  # retired
            ("machine/m1", "colour", T0_US, 1.0),
            ("machine/m1", "speed", T0_US + 1, "fast"),
            ("machine/m1", "product", T0_US + 1, 5.0),
            ("machine/m1", "speed", T0_US + 2, math.nan),
            ("machine/m1", "speed", T0_US + 3, math.inf),
            ("machine/m1", "speed", T0_US + 4, 7000.0),
            ("machine/m1", "temperature", T0_US + 4, -100.0),
            ("machine/m1", "speed", NOW_US + 61 * S, 1.0),
            ("machine/m1", "speed", T0_US - 3601 * S, 1.0),  # behind the watermark by > 1 h
            ("machine/m1", "running", T0_US, 2.0),
        ],
    )
    assert rejected(fused) == {
        1: RejectReason.UNKNOWN_TWIN,
        2: RejectReason.RETIRED_TWIN,
        3: RejectReason.UNKNOWN_SIGNAL,
        4: RejectReason.WRONG_TYPE,
        5: RejectReason.WRONG_TYPE,
        6: RejectReason.NOT_FINITE,
        7: RejectReason.NOT_FINITE,
        8: RejectReason.OUT_OF_RANGE,
        9: RejectReason.OUT_OF_RANGE,
        10: RejectReason.TOO_FAR_FUTURE,
        11: RejectReason.TOO_LATE,
        12: RejectReason.WRONG_TYPE,
    }
    assert history(fusion, fused) == [("machine/m1", "speed", 0, 100.0)]
    assert fused.reject_counts()["wrong_type"] == 3


def test_a_retired_twin_sending_data_raises_one_event(fusion: Fusion) -> None:
    fused = run(fusion, [("machine/p1", "speed", T0_US + i, 1.0) for i in range(3)])
    (event,) = [e for e in fused.events if e.kind == "lifecycle"]
    assert fusion.twins.names()[event.twin] == "machine/p1"
    assert event.code == "retired_data"
    assert event.time == T0_US + 2
    assert event.data == {"samples": 3}


def test_aliases_resolve_to_one_twin(fusion: Fusion) -> None:
    fused = run(
        fusion,
        [
            ("EQ-1", "faultCode", T0_US, 0.0),
            ("aa:bb:cc:dd:ee:01", "faultCode", T0_US + 1, 1.0),
            ("machine/m1", "faultCode", T0_US + 2, 2.0),
        ],
    )
    assert {row[0] for row in history(fusion, fused)} == {"machine/m1"}
    assert len(fusion.twins) == 1


def test_units_convert_to_the_signals_unit(fusion: Fusion) -> None:
    fused = run(
        fusion,
        [("machine/m1", "SPEED_RPS", T0_US, 25.0), ("machine/m1", "TEMP_F", T0_US, 212.0)],
    )
    got = {(t, s): v for t, s, _, v in history(fusion, fused)}
    assert got[("machine/m1", "speed")] == pytest.approx(1500.0)
    assert got[("machine/m1", "temperature")] == pytest.approx(100.0)


def test_range_applies_after_conversion(fusion: Fusion) -> None:
    fused = run(fusion, [("machine/m1", "SPEED_RPS", T0_US, 101.0)])  # 6060 rpm
    assert rejected(fused) == {0: RejectReason.OUT_OF_RANGE}


def test_history_is_in_event_time_order_without_duplicates(fusion: Fusion) -> None:
    fused = run(
        fusion,
        [
            ("machine/m1", "faultCode", T0_US + 30, 3.0),
            ("machine/m1", "faultCode", T0_US + 10, 1.0),
            ("machine/m2", "faultCode", T0_US + 20, 2.0),
            ("machine/m1", "faultCode", T0_US + 10, 9.0),  # same key and time: a duplicate
        ],
    )
    assert [(t, s, v) for t, _, s, v in history(fusion, fused)] == [
        ("machine/m1", 10, 1.0),
        ("machine/m2", 20, 2.0),
        ("machine/m1", 30, 3.0),
    ]
    assert rejected(fused) == {3: RejectReason.DUPLICATE}


def test_the_newest_sample_is_the_state_and_a_late_one_never_overwrites_it(
    fusion: Fusion,
) -> None:
    first = run(fusion, [("machine/m1", "faultCode", T0_US + 10, 1.0)])
    assert updates(fusion, first) == {("machine/m1", "faultCode"): 1.0}
    late = run(fusion, [("machine/m1", "faultCode", T0_US + 5, 7.0)])
    assert history(fusion, late) == [("machine/m1", "faultCode", 5, 7.0)]
    assert updates(fusion, late) == {}
    newer = run(
        fusion,
        [
            ("machine/m1", "faultCode", T0_US + 20, 4.0),
            ("machine/m1", "faultCode", T0_US + 15, 8.0),
        ],
    )
    assert updates(fusion, newer) == {("machine/m1", "faultCode"): 4.0}


def test_deadband_keeps_small_changes_out_of_state_but_in_history(fusion: Fusion) -> None:
    run(fusion, [("machine/m1", "temperature", T0_US, 20.0)])
    small = run(fusion, [("machine/m1", "temperature", T0_US + 1, 20.4)])
    assert len(history(fusion, small)) == 1
    assert updates(fusion, small) == {}
    big = run(fusion, [("machine/m1", "temperature", T0_US + 2, 20.6)])
    assert updates(fusion, big) == {("machine/m1", "temperature"): 20.6}


def test_an_unchanged_value_is_not_written_again(fusion: Fusion) -> None:
    run(fusion, [("machine/m1", "product", T0_US, "SKU-1")])
    same = run(fusion, [("machine/m1", "product", T0_US + 1, "SKU-1")])
    assert updates(fusion, same) == {}
    other = run(fusion, [("machine/m1", "product", T0_US + 2, "SKU-2")])
    assert updates(fusion, other) == {("machine/m1", "product"): "SKU-2"}


def test_the_mode_machine_emits_each_transition(fusion: Fusion) -> None:
    fused = run(
        fusion,
        [
            ("machine/m1", "speed", T0_US + 1, 100.0),  # STOP -> RUNNING
            ("machine/m2", "speed", T0_US + 1, 0.0),  # STOP stays STOP
            ("machine/m1", "faultCode", T0_US + 2, 7.0),  # RUNNING -> FAULT
            ("machine/m1", "speed", T0_US + 3, 0.0),  # FAULT stays
            ("machine/m1", "faultCode", T0_US + 4, 0.0),  # FAULT -> IDLE
        ],
    )
    assert codes(fusion, fused) == [
        ("machine/m1", 1, "STOP->RUNNING"),
        ("machine/m1", 2, "RUNNING->FAULT"),
        ("machine/m1", 4, "FAULT->IDLE"),
    ]
    modes = dict(zip(fused.mode_twin.tolist(), fused.mode_state.tolist(), strict=True))
    names = fusion.mode_names()
    twins = fusion.twins
    assert names[modes[twins.get("machine/m1")]] == "IDLE"
    assert names[modes[twins.get("machine/m2")]] == "STOP"  # first seen: its initial mode


def test_the_mode_continues_across_batches_and_from_the_store(
    pipeline: Pipeline, plant_store: GraphStore
) -> None:
    fusion = Fusion(pipeline, plant_store)
    run(fusion, [("machine/m1", "speed", T0_US + 1, 100.0)])
    fused = run(fusion, [("machine/m1", "speed", T0_US + 2, 0.0)])
    assert [code for _, _, code in codes(fusion, fused)] == ["RUNNING->IDLE"]
    # a new worker reads the mode the graph store holds
    from datetime import UTC, datetime

    from ontology import SignalUpdate

    at = datetime(2026, 1, 1, tzinfo=UTC)
    plant_store.set_signals([SignalUpdate("machine/m2", "mode", "FAULT", at)])
    fresh = Fusion(pipeline, plant_store)
    fused = run(fresh, [("machine/m2", "faultCode", T0_US + 5, 0.0)])
    assert [code for _, _, code in codes(fusion, fused)] == ["FAULT->IDLE"]


def test_an_empty_frame_fuses_to_nothing(fusion: Fusion) -> None:
    fused = run(fusion, [])
    assert len(fused.time) == 0
    assert fused.events == ()
    assert fused.reject_code.size == 0


def test_state_grows_with_new_twins_across_batches(fusion: Fusion) -> None:
    for i, twin in enumerate(["machine/m1", "machine/m2", "sensor/t1", "line/l1", "line/l2"]):
        fused = run(fusion, [(twin, "faultCode", T0_US + i, float(i))])
        assert updates(fusion, fused) == {(twin, "faultCode"): float(i)}
    assert np.count_nonzero(fusion.state.state_time != np.iinfo(np.int64).min) >= 5
