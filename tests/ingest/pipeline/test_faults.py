"""Active fault codes through ``Fusion``: raised, cleared one by one or all at once, as a JSON
list, the same over any split of the stream, continued after a restart."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from ingest.pipeline import Fusion, pipeline_from_document
from ontology import GraphStore, MemoryStore, SignalUpdate
from tests.ingest.conftest import NOW_US, PIPELINE_DOC, T0_US, Row, build_plant, make_frame

S = 1_000_000
M1, M2 = "machine/m1", "machine/m2"


def faults_doc() -> dict[str, Any]:
    doc = copy.deepcopy(PIPELINE_DOC)
    doc["signals"]["faultCleared"] = {"type": "number"}
    doc["derived"] = {"faults": {"raise": "faultCode", "clear": "faultCleared"}}
    return doc


def active(fusion: Fusion, twin: str) -> object:
    index = fusion.twins.get(twin)
    assert index is not None
    key = index * fusion.state.signals + fusion.signals.index["activeFaults"]
    return fusion.state.state_text[key]


def feed(fusion: Fusion, batches: list[list[Row]]) -> list[tuple[str, int, str]]:
    """Every activeFaults sample written: (twin, time - T0 in s, list)."""
    out = []
    for rows in batches:
        fused = fusion.fuse(make_frame(rows), NOW_US)
        fusion.commit(fused)
        names = fusion.twins.names()
        n = len(fused.time)
        out += [
            (str(names[fused.twin[i]]), (int(fused.time[i]) - T0_US) // S, str(fused.text[i]))
            for i in range(n - fused.derived_rows, n)
        ]
    return out


STREAM: list[Row] = [
    (M1, "faultCode", T0_US, 0.0),
    (M1, "faultCode", T0_US + 1 * S, 17.0),
    (M2, "faultCode", T0_US + 1 * S, 3.0),
    (M1, "faultCode", T0_US + 2 * S, 42.0),
    (M1, "faultCode", T0_US + 3 * S, 42.0),  # again: no change
    (M1, "faultCleared", T0_US + 4 * S, 17.0),
    (M1, "faultCode", T0_US + 5 * S, 0.0),  # every code cleared
]


def test_codes_are_raised_cleared_and_cleared_all(plant_store: GraphStore) -> None:
    fusion = Fusion(pipeline_from_document(faults_doc()), plant_store)
    written = feed(fusion, [[r] for r in STREAM])
    assert written == [
        (M1, 0, "[]"),
        (M1, 1, "[17]"),
        (M2, 1, "[3]"),
        (M1, 2, "[17, 42]"),
        (M1, 4, "[42]"),
        (M1, 5, "[]"),
    ]
    assert (active(fusion, M1), active(fusion, M2)) == ("[]", "[3]")


@pytest.mark.parametrize("cut", range(len(STREAM) + 1))
def test_any_split_ends_with_the_same_sets(plant_store: GraphStore, cut: int) -> None:
    fusion = Fusion(pipeline_from_document(faults_doc()), plant_store)
    feed(fusion, [STREAM[:4], STREAM[4:cut]])
    whole = Fusion(pipeline_from_document(faults_doc()), build_plant(MemoryStore()))
    feed(whole, [STREAM[: max(cut, 4)]])
    assert active(fusion, M1) == active(whole, M1)
    assert active(fusion, M2) == active(whole, M2) == "[3]"


def test_a_new_worker_continues_from_the_set_the_graph_store_holds() -> None:
    store = build_plant(MemoryStore())
    at = datetime.fromtimestamp(T0_US / S, UTC)
    store.set_signals([SignalUpdate(M1, "activeFaults", "[8, 9]", at)])
    fusion = Fusion(pipeline_from_document(faults_doc()), store)
    assert feed(fusion, [[(M1, "faultCleared", T0_US + S, 8.0)]]) == [(M1, 1, "[9]")]
