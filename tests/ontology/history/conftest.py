"""Fixtures for the ``HistoryStore`` contract suite: one fresh store per test, of every kind.

``open_store`` is parametrised over DuckDB (in memory) and QuestDB (marked
``questdb``: the real server at ``TWINWEAVE_TEST_QUESTDB_HTTP`` /
``TWINWEAVE_TEST_QUESTDB_PG``, default ``127.0.0.1:19000`` / ``127.0.0.1:18812``,
with a fresh table-name prefix per test whose tables are dropped afterwards).
Call it with a ``Retention`` to get a store with those tiers.
"""

from __future__ import annotations

import os
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
from tests._services import split_host_port, tcp_check, unique_name

OpenStore = Callable[..., HistoryStore]


def questdb_addresses() -> tuple[str, int, int]:
    """Host, HTTP port and PostgreSQL-wire port of the test QuestDB."""
    http = os.environ.get("TWINWEAVE_TEST_QUESTDB_HTTP", "127.0.0.1:19000")
    pg = os.environ.get("TWINWEAVE_TEST_QUESTDB_PG", "127.0.0.1:18812")
    host, http_port = split_host_port(http, setting="TWINWEAVE_TEST_QUESTDB_HTTP")
    _, pg_port = split_host_port(pg, setting="TWINWEAVE_TEST_QUESTDB_PG")
    return host, http_port, pg_port


@pytest.fixture(scope="session")
def questdb_settings() -> QuestDBHistorySettings:
    """Settings for the test QuestDB (skips, or fails under CI=true, when it does not answer)."""
    host, http_port, pg_port = questdb_addresses()
    tcp_check("questdb", "QuestDB", host, http_port)
    tcp_check("questdb", "QuestDB", host, pg_port)
    return QuestDBHistorySettings(host=host, http_port=http_port, pg_port=pg_port, retry_ms=2_000)


@pytest.fixture(
    params=[
        pytest.param("duckdb", id="duckdb"),
        pytest.param("questdb", id="questdb", marks=pytest.mark.questdb),
    ]
)
def open_store(request: pytest.FixtureRequest) -> Iterator[OpenStore]:
    """Opens a fresh, empty store of the kind under test (closed and removed afterwards)."""
    opened: list[HistoryStore] = []
    base = request.getfixturevalue("questdb_settings") if request.param == "questdb" else None

    def open_store(retention: Retention | None = None) -> HistoryStore:
        retention = retention or Retention()
        if isinstance(base, QuestDBHistorySettings):
            settings: DuckDBHistorySettings | QuestDBHistorySettings = QuestDBHistorySettings(
                host=base.host,
                http_port=base.http_port,
                pg_port=base.pg_port,
                prefix=unique_name("t"),
                retention=retention,
                retry_ms=base.retry_ms,
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
