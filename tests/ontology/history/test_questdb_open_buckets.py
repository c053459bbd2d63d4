"""The QuestDB store's closed and open tier rows (``_tiers.split_open``): a series' buckets
before its last are written once to the tier table, its last to the open table, so an
appending batch never rewrites a tier row the server holds."""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
import pytest

from ontology.history import QuestDBHistoryStore
from ontology.history._tiers import MINUTE_US
from ontology.history.questdb._tiers import split_open
from ontology.history.questdb._wire import Wire
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history._reference import Row, kept, random_batches, samples, us
from tests.ontology.history.conftest import questdb_history_settings
from tests.ontology.history.test_contract_samples import SERIES, T0, batch, check_range


def _rows(series: list[str], buckets: list[int], n: list[int], last: list[int]) -> pa.Table:
    return pa.table(
        {
            "series": pa.array(series, pa.string()),
            "bucket": pa.array(buckets, pa.int64()),
            "n": pa.array(n, pa.int64()),
            "vl_ts": pa.array(last, pa.int64()),
            "tl_ts": pa.array([None] * len(series), pa.int64()),
        }
    )


def test_the_last_bucket_of_each_series_is_open_and_the_ones_moved_past_are_closed() -> None:
    m = MINUTE_US
    held = _rows(["a", "a", "b", "c"], [0, m, 0, 0], [5, 6, 7, 8], [10, m + 10, 20, 30])
    # a continues its last bucket (m) into 2m; b starts in 3m, past its held bucket 0.
    rows = _rows(["a", "a", "b"], [m, 2 * m, 3 * m], [16, 1, 2], [m + 50, 2 * m + 5, 3 * m + 9])
    closed, fresh = split_open(rows, held)
    pairs = zip(closed["series"].to_pylist(), closed["bucket"].to_pylist(), strict=True)
    assert sorted(pairs) == [
        ("a", m),  # merged, now closed: once, after every closed row of a
        ("b", 0),  # moved past untouched: closed as held
    ]
    assert sorted(closed.filter(pa.compute.equal(closed["series"], "a"))["n"].to_pylist()) == [16]
    # The open rows are keyed by their bucket's last sample; c was not in the batch.
    got = sorted(zip(fresh["series"].to_pylist(), fresh["bucket"].to_pylist(), strict=True))
    assert got == [("a", 2 * m + 5), ("b", 3 * m + 9)]


def test_a_batch_within_the_open_bucket_writes_only_its_open_row() -> None:
    held = _rows(["a"], [0], [5], [10])
    closed, fresh = split_open(_rows(["a"], [0], [9], [40]), held)
    assert closed.num_rows == 0
    assert fresh["bucket"].to_pylist() == [40]
    assert fresh["n"].to_pylist() == [9]


@pytest.mark.questdb
def test_appending_batches_write_each_closed_bucket_once_and_read_back_exactly(
    questdb: QuestDBAddress,
) -> None:
    """Batches cut inside minutes and hours: the reads give the buckets of the samples at
    every grain; the minute table holds every bucket but each series' last, and each
    series' latest open row is its last bucket."""
    settings = questdb_history_settings(questdb, prefix=unique_name("o"))
    store = QuestDBHistoryStore(settings)
    wire = Wire(settings)
    try:
        span = 2 * 3600 * 10**6
        ordered = random_batches(5, SERIES, us(T0), span, count=400, batches=1)[0]
        rows: list[Row] = sorted(kept([ordered]).values(), key=lambda r: r.ts)
        cuts = [0, 70, 150, 260, 330, len(rows)]
        for i in range(len(cuts) - 1):
            store.write_batch(
                batch(f"b{i}", cuts[i + 1] - cuts[i]), samples(rows[cuts[i] : cuts[i + 1]])
            )
        end = T0 + timedelta(hours=2)
        for interval in (timedelta(minutes=1), timedelta(hours=1), timedelta(minutes=7)):
            check_range(store, rows, T0, end, interval)
        # Ranges that end before the last buckets: the open table holds earlier versions
        # of buckets since closed there, and the closed rows win.
        for lo, hi in ((0, 60), (17, 80), (61, 119)):
            part = (T0 + timedelta(minutes=lo), T0 + timedelta(minutes=hi))
            for interval in (timedelta(minutes=1), timedelta(minutes=7)):
                check_range(store, rows, *part, interval)
        prefix = settings.prefix
        wire.wait_applied([f"{prefix}_minute", f"{prefix}_minute_open"])
        last: dict[tuple[str, str], int] = {}
        for r in rows:
            key = (r.twin, r.signal)
            last[key] = max(last.get(key, 0), r.ts // MINUTE_US * MINUTE_US)
        closed = {(r.twin, r.signal, r.ts // MINUTE_US) for r in rows}
        closed = {b for b in closed if b[2] * MINUTE_US < last[(b[0], b[1])]}
        assert wire.execute(f"SELECT count() FROM {prefix}_minute") == [(len(closed),)]
        opened = wire.execute(
            f"SELECT twin, signal, cast(timestamp_floor('m', ts) AS long) FROM "
            f"{prefix}_minute_open LATEST ON ts PARTITION BY twin, signal"
        )
        assert {(t, s): b for t, s, b in opened} == last
    finally:
        wire.close()
        store.drop_tables()
        store.close()
