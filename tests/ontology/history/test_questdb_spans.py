"""The QuestDB store's batch spans (``questdb/_spans``): a batch that only appends sends
its samples without the batch id and a span per series instead; a sample's batch, as
``as_of`` and the tiers recomputed from raw give it, is the same as with an id per row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from ontology.history import QuestDBHistoryStore
from ontology.history._tiers import MINUTE_US
from ontology.history.questdb._spans import resolve
from ontology.history.questdb._wire import Wire
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history._reference import Row, samples, us
from tests.ontology.history.conftest import questdb_history_settings
from tests.ontology.history.test_contract_samples import SERIES, T0, batch

S = 1_000_000


def test_a_null_batch_is_taken_from_the_span_covering_its_time() -> None:
    rows = pa.table(
        {
            "series": ["a", "a", "a", "b", "a", "a"],
            "ts": [5, 15, 25, 5, 35, 10],
            "batch": [None, None, "X", None, None, None],
        }
    )
    spans = pa.table(
        {
            "series": ["a", "a", "b"],
            "first_ts": [0, 11, 6],
            "ts": [10, 30, 9],
            "batch": ["A", "B", "C"],
        }
    )
    out = resolve(duckdb.connect(), rows, spans)
    got = sorted(
        zip(out["series"].to_pylist(), out["ts"].to_pylist(), out["batch"].to_pylist(), strict=True)
    )
    # a@25 keeps its own id; b@5 lies before its span, a@35 after every span: no batch.
    assert got == [
        ("a", 5, "A"),
        ("a", 10, "A"),
        ("a", 15, "B"),
        ("a", 25, "X"),
        ("a", 35, None),
        ("b", 5, None),
    ]
    assert out.schema == rows.schema


def _table(rows: Sequence[Sequence[object]], names: list[str]) -> pa.Table:
    types = {"series": pa.string(), "batch": pa.string()}
    return pa.table(
        {n: pa.array([r[i] for r in rows], types.get(n, pa.int64())) for i, n in enumerate(names)}
    )


def test_the_resolution_agrees_with_an_asof_join_at_every_scale_of_time() -> None:
    # Random series, disjoint spans and rows (some with an id of their own), times at scales
    # from 1 µs to 10^11 µs a step (the keys of the numpy search must not overflow).
    rng = np.random.default_rng(3)
    engine = duckdb.connect()
    for _ in range(300):
        scale = int(rng.choice([1, 10**6, 10**9, 10**11]))
        count = int(rng.integers(1, 6))
        spans: list[tuple[str, int, int, str]] = []
        for series in range(count):
            t = 0
            for k in range(int(rng.integers(0, 5))):
                first = t + int(rng.integers(1, 5))
                t = first + int(rng.integers(0, 5))
                spans.append((f"s{series}", first * scale, t * scale, f"B{series}.{k}"))
        rows = [
            (
                f"s{rng.integers(0, count + 1)}",
                int(rng.integers(0, 40)) * scale,
                None if rng.random() < 0.8 else "X",
            )
            for _ in range(int(rng.integers(1, 30)))
        ]
        unresolved = _table(rows, ["series", "ts", "batch"])
        held = _table(spans, ["series", "first_ts", "ts", "batch"])
        out = resolve(engine, unresolved, held)
        assert out["series"].to_pylist() == unresolved["series"].to_pylist()  # in order
        assert out["ts"].to_pylist() == unresolved["ts"].to_pylist()
        want = engine.sql(
            "SELECT r.ts, coalesce(r.batch, CASE WHEN r.ts >= s.first_ts THEN s.batch END) "
            "FROM (SELECT *, row_number() OVER () AS i FROM unresolved) r ASOF LEFT JOIN held s "
            "ON r.series = s.series AND r.ts <= s.ts ORDER BY r.i"
        ).fetchall()
        assert out["batch"].to_pylist() == [b for _, b in want]


def _rows(key: int, seconds: range, value: float) -> list[Row]:
    k = SERIES[key]
    return [Row(k.twin, k.signal, us(T0) + s * S, value + s) for s in seconds]


@pytest.mark.questdb
def test_appended_samples_carry_no_id_and_read_back_their_batch(
    questdb: QuestDBAddress,
) -> None:
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))
    store = QuestDBHistoryStore(settings)
    wire = Wire(settings)
    prefix = settings.prefix
    try:
        writes: list[tuple[str, list[Row]]] = [
            # Two batches that only append (a fresh store's tail knows every series).
            ("bA", _rows(0, range(0, 101, 10), 0.0) + _rows(1, range(0, 101, 10), 1.0)),
            ("bB", _rows(0, range(110, 201, 10), 2.0) + _rows(1, range(110, 201, 10), 3.0)),
            # Late: one replaces a sample inside bA's span, one bA's last sample of the
            # series (the key bA's span ends at), one adds a new time inside it.
            ("bC", _rows(0, range(50, 51), 4.0) + _rows(0, range(100, 101), 4.0)),
            ("bD", _rows(0, range(55, 56), 5.0)),
        ]
        position = {(k.twin, k.signal): i for i, k in enumerate(SERIES)}
        writer: dict[tuple[int, int], str] = {}  # (series, time): the batch that wrote it last
        for batch_id, rows in writes:
            store.write_batch(batch(batch_id, len(rows)), samples(rows))
            writer.update({(position[(r.twin, r.signal)], r.ts): batch_id for r in rows})
        wire.wait_applied([f"{prefix}_samples", f"{prefix}_spans", f"{prefix}_minute"])
        # The appending batches' rows went without the id, their spans instead.
        nulls = wire.execute(f"SELECT count() FROM {prefix}_samples WHERE batch_id IS NULL")
        assert nulls == [(2 * 11 + 2 * 10 - 2,)]
        assert wire.execute(f"SELECT count() FROM {prefix}_spans") == [(4,)]
        # Every sample's batch as of its own time and a moment after it.
        keys = SERIES[:2]
        for key, ts in sorted(writer, key=lambda item: item[1]):
            for at in (ts, ts + S // 2):
                latest = max(t for (k, t) in writer if k == key and t <= at)
                got = store.as_of(keys, T0 + timedelta(microseconds=at - us(T0)))
                assert got.batch[key] == writer[(key, latest)], (key, at)
        # bC replaced a sample in the minute from 60 s (the bucket bB closed), so that
        # bucket was recomputed from raw: its last sample (110 s) is bB's, an appended one.
        k = SERIES[0]
        lb = wire.execute(
            f"SELECT lb FROM {prefix}_minute WHERE twin = %s AND signal = %s AND ts = %s",
            [k.twin, k.signal, T0 + timedelta(microseconds=MINUTE_US)],
        )
        assert lb == [("bB",)]
    finally:
        wire.close()
        store.drop_tables()
        store.close()
