"""The store warms its read path when it opens (``QuestDBHistorySettings.warm_up``): in a
fresh process, once the warm-up ended, the reader's compiled loops are loaded (so the first
real read does not load them), while opening without it loads none; the warm-up writes
nothing, and the store reads and writes after it as any other."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from ontology.history import (
    Agg,
    Batch,
    QuestDBHistorySettings,
    QuestDBHistoryStore,
    Samples,
    SeriesKey,
)
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history.conftest import questdb_history_settings

pytestmark = pytest.mark.questdb

LOOPS = ("frame", "cells", "dictionary", "name_table", "key_rows", "place_rows")
"""Compiled loops of the reader (``_fetch_jit``): the general path's and the keyed path's."""

_PROBE = """
import json, sys
from ontology.history import QuestDBHistorySettings, QuestDBHistoryStore
from ontology.history.questdb import _fetch_jit as jit
host, http, pg, user, password, prefix, warm, *loops = sys.argv[1:]
settings = QuestDBHistorySettings(host=host, http_port=int(http), pg_port=int(pg), user=user,
    password=password, prefix=prefix, warm_up=warm == "1")
store = QuestDBHistoryStore(settings)
ended = store.warmed_up(120)
loaded = {name: len(getattr(jit, name).signatures) for name in loops}
store.close()
print(json.dumps({"ended": ended, "loaded": loaded}))
"""


def _probe(settings: QuestDBHistorySettings, *, warm: bool) -> tuple[bool, dict[str, int]]:
    """Open a store in a fresh interpreter (no compiled loop loaded yet): whether its
    warm-up ended, and how many signatures of each of ``LOOPS`` were loaded by then."""
    args = [settings.host, str(settings.http_port), str(settings.pg_port), settings.user]
    args += [settings.password, settings.prefix, "1" if warm else "0", *LOOPS]
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return bool(found["ended"]), {str(k): int(v) for k, v in found["loaded"].items()}


def test_the_warm_up_loads_the_readers_loops_and_writes_nothing(questdb: QuestDBAddress) -> None:
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))
    try:
        assert _probe(settings, warm=False) == (True, dict.fromkeys(LOOPS, 0))
        ended, loaded = _probe(settings, warm=True)
        assert ended
        assert all(count >= 1 for count in loaded.values()), loaded
        store = QuestDBHistoryStore(settings)  # warms up in this process too
        try:
            assert store.warmed_up(120)
            epoch, later = datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
            assert not store.batches(epoch, later).items  # the warm-up only read
            assert len(store.raw(SeriesKey("warm-up/0", "warm-up"), epoch, later)) == 0
            t0 = datetime(2026, 1, 1, tzinfo=UTC)
            key = SeriesKey("line1/m1", "power")
            batch = Batch("b1", (), t0, "p1", (), "test", count_in=2, accepted=2)
            store.write_batch(
                batch,
                Samples(
                    twin=np.array([key.twin] * 2, dtype=object),
                    signal=np.array([key.signal] * 2, dtype=object),
                    time=np.array(
                        ["2026-01-01T00:00:10", "2026-01-01T00:01:10"], dtype="datetime64[us]"
                    ),
                    value=np.array([1.0, 2.0]),
                ),
            )
            minute = timedelta(minutes=1)
            (series,) = store.range([key], t0, t0 + timedelta(hours=1), minute, [Agg.MEAN])
            assert series.values[Agg.MEAN].tolist() == [1.0, 2.0]
        finally:
            store.close()
    finally:
        cleanup = QuestDBHistoryStore(settings)
        cleanup.drop_tables()
        cleanup.close()
