"""The sample plant in an in-process store, shared by the AAS tests (read only)."""

from __future__ import annotations

import pytest

import aas
import ontology
from loaders import load_paths, sample_plant_paths


@pytest.fixture(scope="session")
def plant() -> ontology.MemoryStore:
    store = ontology.MemoryStore()
    report = load_paths(sample_plant_paths(), store)
    assert not report.rejections
    return store


@pytest.fixture(scope="session")
def mapper(plant: ontology.MemoryStore) -> aas.TwinMapper:
    return aas.TwinMapper(plant.model_set())
