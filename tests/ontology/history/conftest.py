"""Fixtures for the ``HistoryStore`` contract suite: one fresh store per test, of every kind.

``open_store`` is parametrised over DuckDB (in memory) and QuestDB (marked
``questdb``: the shared harness's ``questdb`` fixture finds the server, at
``TWINWEAVE_TEST_QUESTDB`` / ``TWINWEAVE_TEST_QUESTDB_PG``, and skips, or fails
under ``CI=true``, when it does not answer; each test gets a fresh table-name
prefix whose tables are dropped afterwards). Call it with a ``Retention`` to
get a store with those tiers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ontology.history import (
    DuckDBHistorySettings,
    HistoryStore,
    QuestDBHistorySettings,
    QuestDBHistoryStore,
    Retention,
    open_history_store,
)
from tests._services import QuestDBAddress, unique_name

OpenStore = Callable[..., HistoryStore]


def questdb_history_settings(
    where: QuestDBAddress, prefix: str, retention: Retention | None = None
) -> QuestDBHistorySettings:
    """History settings for the harness's QuestDB (one host: the store speaks HTTP and PG wire
    to the same server)."""
    if where.http_host != where.pg_host:
        pytest.fail(f"QuestDB HTTP at {where.http} and PG wire at {where.pg}: expected one host")
    return QuestDBHistorySettings(
        host=where.http_host,
        http_port=where.http_port,
        pg_port=where.pg_port,
        user=where.user,
        password=where.password,
        prefix=prefix,
        retention=retention or Retention(),
        retry_ms=2_000,
    )


@pytest.fixture(
    params=[
        pytest.param("duckdb", id="duckdb"),
        pytest.param("questdb", id="questdb", marks=pytest.mark.questdb),
    ]
)
def open_store(request: pytest.FixtureRequest) -> Iterator[OpenStore]:
    """Opens a fresh, empty store of the kind under test (closed and removed afterwards)."""
    opened: list[HistoryStore] = []
    where = request.getfixturevalue("questdb") if request.param == "questdb" else None

    def open_store(retention: Retention | None = None) -> HistoryStore:
        retention = retention or Retention()
        if isinstance(where, QuestDBAddress):
            settings: DuckDBHistorySettings | QuestDBHistorySettings = questdb_history_settings(
                where, prefix=unique_name("t"), retention=retention
            )
        else:
            settings = DuckDBHistorySettings(retention=retention)
        opened.append(open_history_store(settings))
        return opened[-1]

    yield open_store
    for store in opened:
        if isinstance(store, QuestDBHistoryStore):
            store.drop_tables()
        store.close()


@pytest.fixture
def store(open_store: OpenStore) -> HistoryStore:
    return open_store()
