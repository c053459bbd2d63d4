"""A request's loaders, once released, are freed by refcounting (no cycle left for the
collector) and a later use makes a fresh one."""

from __future__ import annotations

import dataclasses
import gc
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import ontology
from ontology.access import AllowAll, Principal
from ontology.history import Agg, DuckDBHistorySettings, open_history_store
from server.graphql._history_loaders import HistoryLoaders, RangeKey
from server.graphql._loaders import Loaders
from tests.server.graphql.conftest import SITE, load_plant


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.usefixtures("collector_off")
async def test_released_loaders_are_freed_at_once_and_made_again_when_used() -> None:
    store = ontology.MemoryStore()
    load_plant(store)
    loaders = Loaders(store, AllowAll(), Principal())
    assert (await loaders.twin.load(SITE)) is not None
    used: list[weakref.ref[Any]] = [weakref.ref(loaders.twin), weakref.ref(loaders.children)]
    assert all(ref() is not None for ref in used)
    loaders.release()
    assert [ref() for ref in used] == [None, None]  # freed without a collection
    again = await loaders.twin.load(SITE)
    assert again is not None
    assert again.id == SITE


@pytest.mark.usefixtures("collector_off")
async def test_released_history_loaders_are_freed_at_once() -> None:
    history = open_history_store(DuckDBHistorySettings())
    try:
        loaders = HistoryLoaders(history)
        used: list[weakref.ref[Any]] = [weakref.ref(loaders.range), weakref.ref(loaders.as_of)]
        loaders.release()
        assert [ref() for ref in used] == [None, None]
        end = datetime.now(UTC)
        key = RangeKey("nobody", "power", end - timedelta(hours=1), end, timedelta(minutes=1), ())
        got = await loaders.range.load(dataclasses.replace(key, aggregates=(Agg.MEAN,)))
        assert got.key.twin == "nobody"
        assert got.start.size == 0
    finally:
        history.close()
