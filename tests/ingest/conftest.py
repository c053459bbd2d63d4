"""Fixtures for the ingest tests: a small plant in the in-process graph store, a pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ingest.frame import Frame, FrameBuilder
from ingest.pipeline import Pipeline, pipeline_from_document
from ontology import CONTAINS, Alias, Edge, GraphStore, Lifecycle, MemoryStore
from ontology.history import DuckDBHistoryStore, HistoryStore
from tests.ontology.graph.conftest import PLANT_CONTAINS, PLANT_TWINS, WHO, all_model_texts

T0_US = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z
NOW_US = T0_US + 3_600_000_000

PIPELINE_DOC: dict[str, Any] = {
    "version": "test-1",
    "identity": {"twin_ids": True, "namespaces": ["erp", "mac"]},
    "time": {"max_future": 60, "allowed_lateness": 3600},
    "signals": {
        "speed": {
            "type": "number",
            "unit": "revolutionPerMinute",
            "range": [0, 6000],
            "sources": [{"name": "SPEED_RPS", "unit": "revolutionPerSecond"}],
        },
        "temperature": {
            "type": "number",
            "unit": "degreeCelsius",
            "range": [-50, 400],
            "deadband": 0.5,
            "sources": [{"name": "TEMP_F", "unit": "degreeFahrenheit"}],
        },
        "faultCode": {"type": "number"},
        "running": {"type": "boolean"},
        "product": {"type": "text"},
    },
    "mode": {
        "signal": "mode",
        "states": ["STOP", "IDLE", "RUNNING", "FAULT"],
        "initial": "STOP",
        "rules": [
            {"when": "faultCode", "op": "ne", "value": 0, "symbol": "fault"},
            {"when": "faultCode", "op": "eq", "value": 0, "symbol": "clear"},
            {"when": "speed", "op": "gt", "value": 0, "symbol": "turning"},
            {"when": "speed", "op": "le", "value": 0, "symbol": "still"},
        ],
        "transitions": [
            {"from": "*", "symbol": "fault", "to": "FAULT"},
            {"from": "FAULT", "symbol": "clear", "to": "IDLE"},
            {"from": ["STOP", "IDLE"], "symbol": "turning", "to": "RUNNING"},
            {"from": "RUNNING", "symbol": "still", "to": "IDLE"},
        ],
    },
    "feeds": {"plant": {"freshness": 30}},
}


@pytest.fixture
def pipeline() -> Pipeline:
    return pipeline_from_document(PIPELINE_DOC)


def build_plant(store: GraphStore) -> GraphStore:
    """The ontology test plant (twins and hierarchy) in ``store``; machine/m1 has aliases,
    machine/p1 is retired."""
    store.add_models(all_model_texts(), principal=WHO)
    result = store.upsert_twins(PLANT_TWINS, principal=WHO)
    assert result.created == len(PLANT_TWINS), result.rejected
    edges = [Edge(parent, CONTAINS, child) for parent, child in PLANT_CONTAINS]
    assert store.add_edges(edges, principal=WHO).created == len(edges)
    store.add_aliases(
        "machine/m1", [Alias("erp", "EQ-1"), Alias("mac", "aa:bb:cc:dd:ee:01")], principal=WHO
    )
    store.set_lifecycle("machine/p1", Lifecycle.RETIRED, principal=WHO)
    return store


@pytest.fixture
def history() -> Iterator[HistoryStore]:
    """A fresh in-memory DuckDB history store."""
    store = DuckDBHistoryStore()
    yield store
    store.close()


@pytest.fixture
def plant_store() -> Iterator[GraphStore]:
    """``build_plant`` in a fresh in-process store."""
    store = build_plant(MemoryStore())
    yield store
    store.close()


Row = tuple[str, str, int, Any]
"""(twin name, signal name, event time in µs, value) of one sample."""


def make_frame(rows: list[Row], quality: int = 0) -> Frame:
    """A frame of these samples, each its own record (position = row number)."""
    b = FrameBuilder()
    for position, (twin, signal, at, value) in enumerate(rows):
        t, s = b.twin_code(twin), b.signal_code(signal)
        if isinstance(value, bool):
            b.add_boolean(t, s, at, value, quality, position)
        elif isinstance(value, str):
            b.add_text(t, s, at, value, quality, position)
        elif value is None:
            b.add_null(t, s, at, quality, position)
        else:
            b.add_number(t, s, at, float(value), quality, position)
    return b.build()
