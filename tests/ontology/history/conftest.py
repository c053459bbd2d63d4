"""Fixtures for the ``HistoryStore`` contract suite: one fresh store per test, of every kind.

``open_store`` is parametrised over DuckDB (in memory) and QuestDB (marked
``questdb``: the real server, with a fresh table-name prefix per test whose
tables are dropped afterwards). Call it with a ``Retention`` to get a store
with those tiers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ontology.history import DuckDBHistorySettings, HistoryStore, Retention, open_history_store

OpenStore = Callable[..., HistoryStore]


def _duckdb(request: pytest.FixtureRequest) -> Iterator[OpenStore]:
    opened: list[HistoryStore] = []

    def open_store(retention: Retention | None = None) -> HistoryStore:
        settings = DuckDBHistorySettings(retention=retention or Retention())
        opened.append(open_history_store(settings))
        return opened[-1]

    yield open_store
    for store in opened:
        store.close()


@pytest.fixture(params=[pytest.param("duckdb", id="duckdb")])
def open_store(request: pytest.FixtureRequest) -> Iterator[OpenStore]:
    """Opens a fresh, empty store of the kind under test (closed and removed afterwards)."""
    yield from _duckdb(request)


@pytest.fixture
def store(open_store: OpenStore) -> HistoryStore:
    return open_store()
