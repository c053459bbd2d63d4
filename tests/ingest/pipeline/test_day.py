"""Uptime today and the OEE estimate through ``Fusion``: intervals between mode transitions,
unit counters, the day's start in a site's time zone, batch splits and a restart."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from ingest.pipeline import Fused, Fusion, pipeline_from_document
from ontology import GraphStore, MemoryStore, SignalUpdate
from tests.ingest.conftest import NOW_US, PIPELINE_DOC, T0_US, Row, build_plant, make_frame

S = 1_000_000
M1 = "machine/m1"


def day_doc(**day: Any) -> dict[str, Any]:
    doc = copy.deepcopy(PIPELINE_DOC)
    doc["signals"]["goodCount"] = {"range": [0, None]}
    doc["signals"]["rejectCount"] = {"range": [0, None]}
    doc["derived"] = {
        "day": day or {"timezone": "UTC"},
        "uptime": {},
        "oee": {"good": "goodCount", "reject": "rejectCount", "ideal_rate": 60},
    }
    return doc


def state_of(fusion: Fusion, twin: str) -> dict[str, float]:
    """The kernel's state values of the twin's derived signals."""
    index = fusion.twins.get(twin)
    assert index is not None
    out = {}
    for name in ("uptimeToday", "oee", "oee.availability", "oee.performance", "oee.quality"):
        s = fusion.signals.index[name]
        out[name] = float(fusion.state.state_value[index * fusion.state.signals + s])
    return out


def persist(fusion: Fusion, fused: Fused, store: GraphStore) -> None:
    """What the worker does: the changed keys (and modes) into the graph store, then commit."""
    twins, signals, states = fusion.twins.names(), fusion.signals.name_array, fusion.mode_names()
    changed = fused.mode_changed
    modes = [
        SignalUpdate(str(twins[t]), "mode", str(states[m]), datetime.fromtimestamp(at / S, UTC))
        for t, m, at in zip(
            fused.mode_twin[changed].tolist(),
            fused.mode_state[changed].tolist(),
            fused.mode_time[changed].tolist(),
            strict=True,
        )
    ]
    store.set_signals(
        modes
        + [
            SignalUpdate(
                str(twins[fused.twin[i]]),
                str(signals[fused.signal[i]]),
                fused.text[i] if fused.text[i] is not None else float(fused.value[i]),
                datetime.fromtimestamp(int(fused.time[i]) / S, UTC),
            )
            for i in fused.update.tolist()
        ]
    )
    fusion.commit(fused)


def feed(fusion: Fusion, batches: list[list[Row]], store: GraphStore | None = None) -> None:
    for rows in batches:
        fused = fusion.fuse(make_frame(rows), NOW_US)
        if store is None:
            fusion.commit(fused)
        else:
            persist(fusion, fused, store)


SHIFT: list[Row] = [
    (M1, "speed", T0_US, 100.0),  # STOP -> RUNNING
    (M1, "goodCount", T0_US, 0.0),
    (M1, "rejectCount", T0_US, 0.0),
    (M1, "speed", T0_US + 10 * S, 0.0),  # -> IDLE
    (M1, "goodCount", T0_US + 10 * S, 9.0),
    (M1, "rejectCount", T0_US + 10 * S, 1.0),
    (M1, "speed", T0_US + 20 * S, 100.0),  # -> RUNNING
    (M1, "faultCode", T0_US + 30 * S, 5.0),  # -> FAULT
]
EXPECTED = {
    "uptimeToday": 20.0,
    "oee.availability": 20 / 30,
    "oee.performance": 10 / 20,  # 10 units in 20 s running at 1 unit/s
    "oee.quality": 0.9,
    "oee": 9 / 30,
}


@pytest.mark.parametrize("uptime_listed", [True, False])
def test_uptime_and_oee_from_transitions_and_counters(
    plant_store: GraphStore, uptime_listed: bool
) -> None:
    doc = day_doc()
    if not uptime_listed:  # OEE's running time is the uptime's: it is derived anyway
        del doc["derived"]["uptime"]
    fusion = Fusion(pipeline_from_document(doc), plant_store)
    feed(fusion, [SHIFT])
    assert state_of(fusion, M1) == pytest.approx(EXPECTED)
    assert EXPECTED["oee"] == pytest.approx(
        EXPECTED["oee.availability"] * EXPECTED["oee.performance"] * EXPECTED["oee.quality"]
    )


@pytest.mark.parametrize("sizes", [[1] * 8, [3, 5], [2, 2, 2, 2], [7, 1]])
def test_any_split_gives_the_same_uptime_and_oee(plant_store: GraphStore, sizes: list[int]) -> None:
    fusion = Fusion(pipeline_from_document(day_doc()), plant_store)
    at, batches = 0, []
    for size in sizes:
        batches.append(SHIFT[at : at + size])
        at += size
    feed(fusion, batches)
    assert state_of(fusion, M1) == pytest.approx(EXPECTED)


def test_a_restarted_worker_continues_the_day_from_the_graph_store() -> None:
    store = build_plant(MemoryStore())
    first = Fusion(pipeline_from_document(day_doc()), store)
    feed(first, [SHIFT[:6]], store)
    again = Fusion(pipeline_from_document(day_doc()), store)  # a new worker, same stores
    feed(again, [SHIFT[6:]], store)
    assert state_of(again, M1) == pytest.approx(EXPECTED)
    assert store.get_signals(M1)["uptimeToday"].value == pytest.approx(20.0)


def test_the_day_starts_at_local_midnight_of_the_site(plant_store: GraphStore) -> None:
    rows: list[Row] = [
        (M1, "speed", T0_US - 10 * S, 100.0),  # 23:59:50 UTC, 06:59:50 in Jakarta
        (M1, "speed", T0_US + 20 * S, 100.0),
    ]
    utc = Fusion(pipeline_from_document(day_doc()), plant_store)
    feed(utc, [rows])
    assert state_of(utc, M1)["uptimeToday"] == pytest.approx(20.0)  # since 00:00 UTC
    jakarta = Fusion(
        pipeline_from_document(day_doc(timezone="UTC", sites={"machine": "Asia/Jakarta"})),
        build_plant(MemoryStore()),
    )
    feed(jakarta, [rows])
    assert state_of(jakarta, M1)["uptimeToday"] == pytest.approx(30.0)


def test_a_counter_reset_counts_its_new_value(plant_store: GraphStore) -> None:
    fusion = Fusion(pipeline_from_document(day_doc()), plant_store)
    rows: list[Row] = [
        (M1, "speed", T0_US, 100.0),
        (M1, "goodCount", T0_US, 50.0),
        (M1, "goodCount", T0_US + 10 * S, 60.0),
        (M1, "goodCount", T0_US + 20 * S, 5.0),  # reset: 5 more
    ]
    feed(fusion, [rows])
    index = fusion.twins.get(M1)
    assert index is not None
    key = index * fusion.state.signals + fusion.signals.index["oee.good"]
    assert fusion.state.state_value[key] == 15.0
