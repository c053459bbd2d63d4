"""A batch's history and state writes side by side: the state never commits before history."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ingest.worker._overlap import HistoryBeside
from ontology import (
    GraphStore,
    MemoryStore,
    Neo4jStore,
    Neo4jStoreSettings,
    SignalUpdate,
    StoreUnavailableError,
)
from tests.ingest.conftest import build_plant

T0 = datetime(2026, 1, 1, tzinfo=UTC)
WAIT_S = 30.0
"""A guard against a write that never ran beside history, not a timing."""


@pytest.fixture(params=["memory", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def graph(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    if request.param == "memory":
        yield build_plant(MemoryStore())
        return
    uri = request.getfixturevalue("neo4j_uri")
    namespace = request.getfixturevalue("neo4j_namespace")
    store = Neo4jStore(Neo4jStoreSettings(uri=uri, namespace=namespace))
    yield build_plant(store)
    store.close()


@pytest.fixture
def beside() -> Iterator[HistoryBeside]:
    writer = HistoryBeside()
    yield writer
    writer.close()


def _speed(value: float, seconds: int) -> list[SignalUpdate]:
    return [SignalUpdate("machine/m1", "speed", value, T0 + timedelta(seconds=seconds), "b")]


def test_the_state_is_written_after_history_and_not_seen_while_history_writes(
    graph: GraphStore, beside: HistoryBeside
) -> None:
    graph.set_signals(_speed(1.0, 0))
    seen_during_history = []

    def history() -> None:
        seen_during_history.append(graph.get_signals("machine/m1")["speed"].value)

    beside.write(history, graph, lambda: _speed(2.0, 1))
    assert seen_during_history == [1.0]
    assert graph.get_signals("machine/m1")["speed"].value == 2.0


def test_the_updates_are_made_while_history_is_being_written(
    graph: GraphStore, beside: HistoryBeside
) -> None:
    made = threading.Event()
    history_saw: list[bool] = []

    def history() -> None:
        history_saw.append(made.wait(WAIT_S))  # returns False only if nothing ran beside it

    def updates() -> list[SignalUpdate]:
        made.set()
        return _speed(3.0, 2)

    assert beside.write(history, graph, updates) == _speed(3.0, 2)
    assert history_saw == [True]
    assert graph.get_signals("machine/m1")["speed"].value == 3.0


def test_history_that_fails_leaves_the_state_unwritten(
    graph: GraphStore, beside: HistoryBeside
) -> None:
    graph.set_signals(_speed(1.0, 0))

    def history() -> None:
        msg = "history store down (test)"
        raise StoreUnavailableError(msg)

    with pytest.raises(StoreUnavailableError, match="history store down"):
        beside.write(history, graph, lambda: _speed(2.0, 1))
    assert graph.get_signals("machine/m1")["speed"].value == 1.0
    beside.write(lambda: None, graph, lambda: _speed(2.0, 1))  # the retry
    assert graph.get_signals("machine/m1")["speed"].value == 2.0


def test_a_state_write_that_fails_waits_for_history_to_finish(
    graph: GraphStore, beside: HistoryBeside
) -> None:
    finished = []

    def history() -> None:
        finished.append(True)

    unknown = [SignalUpdate("no/such/twin", "speed", 1.0, T0, "b")]
    with pytest.raises(Exception, match="no/such/twin"):
        beside.write(history, graph, lambda: unknown)
    assert finished == [True]


def test_without_updates_or_history_each_write_runs_alone(
    graph: GraphStore, beside: HistoryBeside
) -> None:
    calls = []
    assert beside.write(lambda: calls.append("history"), graph, list) == []
    beside.write(None, graph, lambda: _speed(5.0, 0))
    assert calls == ["history"]
    assert graph.get_signals("machine/m1")["speed"].value == 5.0


def test_waiting_runs_once_the_rows_are_made_while_history_is_being_written(
    graph: GraphStore, beside: HistoryBeside
) -> None:
    order: list[str] = []
    waited = threading.Event()
    history_saw: list[bool] = []

    def history() -> None:
        history_saw.append(waited.wait(WAIT_S))  # False only if waiting ran after history

    def updates() -> list[SignalUpdate]:
        order.append("updates")
        return _speed(4.0, 3)

    def waiting() -> None:
        order.append("waiting")
        waited.set()

    assert beside.write(history, graph, updates, waiting) == _speed(4.0, 3)
    assert history_saw == [True]
    assert order == ["updates", "waiting"]
    assert graph.get_signals("machine/m1")["speed"].value == 4.0
    beside.write(lambda: None, graph, list, lambda: order.append("no rows"))
    assert order == ["updates", "waiting"]  # without rows nothing waits for history
