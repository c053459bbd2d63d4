"""A closed QuestDB history store opens no connection again, and one that fails to open
leaves none open: a read that outlived ``close`` (a warm-up still running when ``close``
stopped waiting for it) or a store whose opening failed half-way used to open or keep
PostgreSQL-wire connections that nothing closed, collected later as unclosed sockets
(a ``PytestUnraisableExceptionWarning`` in whatever test was running then)."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable
from datetime import timedelta

import numpy as np
import pytest

from ontology.history import (
    TIME_DTYPE,
    Agg,
    HistoryUnavailableError,
    QuestDBHistoryStore,
    Samples,
    Series,
    SeriesKey,
)
from ontology.history.questdb import _wire
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history.conftest import questdb_history_settings
from tests.ontology.history.test_contract_samples import T0, batch

pytestmark = pytest.mark.questdb
KEY = SeriesKey("plant/m1", "power")


def _one_sample() -> Samples:
    at = np.array([int(T0.timestamp() * 1_000_000)], dtype=np.int64).view(TIME_DTYPE)
    return Samples(
        twin=np.array([KEY.twin], dtype=object),
        signal=np.array([KEY.signal], dtype=object),
        time=at,
        value=np.array([1.0]),
    )


def test_reads_after_close_are_refused_and_open_no_connection(questdb: QuestDBAddress) -> None:
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))
    store = QuestDBHistoryStore(settings)
    try:
        store.write_batch(batch("b0", 1), _one_sample())
        assert [s.values[Agg.COUNT].tolist() for s in _hour(store)] == [[1.0]]
        assert store.warmed_up(120)
    finally:
        store.close()

    held = [store]
    del store

    def read_after_close() -> None:
        for read in (_hour, lambda s: s.raw(KEY, T0, T0 + timedelta(hours=1)), _batch):
            with pytest.raises(HistoryUnavailableError, match="closed"):
                read(held[0])

    assert not _resource_warnings(read_after_close)
    # nothing opened after close is left to be collected with the store
    assert not _resource_warnings(held.clear)
    dropper = QuestDBHistoryStore(settings)
    dropper.drop_tables()
    dropper.close()


def test_a_store_that_fails_to_open_closes_what_it_opened(
    questdb: QuestDBAddress, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))

    def never_applied(self: _wire.Wire, tables: object) -> None:
        raise HistoryUnavailableError("QuestDB did not apply the writes (the test's own)")

    def fail_to_open() -> None:
        with pytest.raises(HistoryUnavailableError, match="the test's own"):
            QuestDBHistoryStore(settings)  # its tables created over a connection of its own

    monkeypatch.setattr(_wire.Wire, "wait_applied", never_applied)
    assert not _resource_warnings(fail_to_open)
    monkeypatch.undo()
    dropper = QuestDBHistoryStore(settings)
    dropper.drop_tables()
    dropper.close()


def _resource_warnings(call: Callable[[], None]) -> list[str]:
    """The ``ResourceWarning``s (unclosed connections and sockets) raised by ``call`` or by
    collecting what it left behind."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        call()
        gc.collect()
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


def _hour(store: QuestDBHistoryStore) -> tuple[Series, ...]:
    return store.range([KEY], T0, T0 + timedelta(hours=1), timedelta(hours=1), [Agg.COUNT])


def _batch(store: QuestDBHistoryStore) -> object:
    return store.get_batch("b0")
