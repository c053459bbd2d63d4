"""A large batch's samples go out in several ILP requests, serialised at once but each
flushed only once the one before it was acknowledged, so the server commits them in time
order (a run committed before an earlier one makes QuestDB merge that one into the
partition)."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from questdb import Sender

from ontology.history import QuestDBHistoryStore, Samples, SeriesKey
from ontology.history.questdb._wire import Wire
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history.conftest import questdb_history_settings
from tests.ontology.history.test_contract_samples import batch

pytestmark = pytest.mark.questdb
RUNS = 4


def _samples(first: int, n: int) -> Samples:
    t0 = np.datetime64(datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None), "us")
    seconds = np.arange(first, first + n) // 10
    return Samples(
        twin=np.array([f"m{k % 10}" for k in range(n)], dtype=object),
        signal=np.full(n, "power", dtype=object),
        time=t0 + seconds.astype("timedelta64[s]"),
        value=np.arange(n, dtype=np.float64),
    )


def test_each_run_is_flushed_once_the_one_before_was_acknowledged(
    questdb: QuestDBAddress, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = dataclasses.replace(
        questdb_history_settings(questdb, prefix=unique_name("t")), sample_requests=RUNS
    )
    store = QuestDBHistoryStore(settings)
    flushed: dict[int, float] = {}  # by wire: when its request went out, and came back
    acknowledged: dict[int, float] = {}
    lock = threading.Lock()
    send = Wire.send

    def spy(wire: Wire, write: Callable[[Sender], None]) -> None:
        def timed(sender: Sender) -> None:
            write(sender)  # the rows serialised (and, for a later run, the wait)
            with lock:
                flushed[id(wire)] = time.monotonic()

        send(wire, timed)
        with lock:
            acknowledged[id(wire)] = time.monotonic()

    try:
        n = 40_000  # four runs of 10,000 rows
        wires = [id(w) for w in store._sample_sender._wires]  # the runs, in order
        monkeypatch.setattr(Wire, "send", spy)
        for i in range(2):
            flushed.clear()
            acknowledged.clear()
            store.write_batch(batch(f"b{i}", n), _samples(i * n, n))
            assert set(wires) <= set(flushed)
            for before, after in itertools.pairwise(wires):
                assert flushed[after] >= acknowledged[before]
        monkeypatch.undo()
        day = datetime(2026, 1, 1, tzinfo=UTC)
        written = store.raw(SeriesKey("m3", "power"), day, day + timedelta(days=1))
        assert written.time.size == 2 * n // 10  # every run of both batches, once
    finally:
        monkeypatch.undo()
        store.drop_tables()
        store.close()
