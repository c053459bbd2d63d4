"""QuestDB buckets at a tier's grain (``_grain.tier_buckets``): the row limit, with and without
the server's ``LIMIT``; the text count, on the tier read or the hour tier."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from datetime import timedelta

import numpy as np
import pytest

from ontology.history import Agg, HistoryInputError, QuestDBHistoryStore, SeriesKey
from ontology.history._tiers import RangeQuery, Tier
from ontology.history.questdb import _grain
from ontology.history.questdb._grain import tier_buckets
from ontology.history.questdb._wire import Wire
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history._reference import Row, samples, us
from tests.ontology.history.conftest import questdb_history_settings
from tests.ontology.history.test_contract_samples import T0, batch

pytestmark = pytest.mark.questdb
MINUTE = timedelta(minutes=1)
KEYS = [SeriesKey("plant/m1", "power"), SeriesKey("plant/m2", "power")]
TIER_TABLES = ("minute", "hour", "minute_open", "hour_open")


def _open(table: str, coarser: str | None = None) -> tuple[str, str]:
    """The open tables of ``table`` and of the table its text is counted in: each series'
    last bucket is there (see ``_tiers``)."""
    return f"{table}_open", f"{coarser or table}_open"


@pytest.fixture
def minute(questdb: QuestDBAddress) -> Iterator[tuple[Wire, str]]:
    """A wire to a store's minute table, which holds 10 minutes of 2 series (20 rows)."""
    settings = questdb_history_settings(questdb, unique_name("g"))
    store = QuestDBHistoryStore(settings)
    rows = [Row(k.twin, k.signal, us(T0) + s * 10**6, float(s)) for k in KEYS for s in range(600)]
    store.write_batch(batch("b1", len(rows)), samples(rows))
    opened = Wire(settings)
    opened.wait_applied([f"{settings.prefix}_minute", f"{settings.prefix}_minute_open"])
    yield opened, f"{settings.prefix}_minute"
    opened.close()
    store.drop_tables()
    store.close()


def test_a_read_within_the_limit_is_answered_with_or_without_the_server_limit(
    minute: tuple[Wire, str],
) -> None:
    wire, table = minute
    query = RangeQuery(KEYS, T0, T0 + timedelta(hours=1), timedelta(minutes=1), [Agg.COUNT], {})
    assert query.tier is Tier.MINUTE
    for limit in (20, 120, 10_000):  # 20 and 120: a LIMIT; 10,000 above the bound: none
        found = tier_buckets(wire, table, KEYS, query, limit, open_tables=_open(table))
        assert [s.values[Agg.COUNT].tolist() for s in found] == [[60.0] * 10] * 2


def test_a_read_past_the_limit_is_refused(minute: tuple[Wire, str]) -> None:
    wire, table = minute
    query = RangeQuery(KEYS, T0, T0 + timedelta(hours=1), timedelta(minutes=1), [Agg.COUNT], {})
    with pytest.raises(HistoryInputError, match="needs more than 19 rows"):
        tier_buckets(wire, table, KEYS, query, 19, open_tables=_open(table))


def test_a_large_read_counts_text_first_and_keeps_it_where_there_is_some(
    questdb: QuestDBAddress,
) -> None:
    """With the count asked for every read (``probe_rows=0``): the same buckets as without
    it, text where the rows have some and none where they have not."""
    settings = questdb_history_settings(questdb, unique_name("g"))
    store = QuestDBHistoryStore(settings)
    numbers, modes = KEYS[0], SeriesKey("plant/m2", "mode")
    rows = [Row(numbers.twin, numbers.signal, us(T0) + s * 10**6, float(s)) for s in range(300)]
    rows += [Row(modes.twin, modes.signal, us(T0) + s * 10**6, None, "RUN") for s in (5, 250)]
    store.write_batch(batch("b1", len(rows)), samples(rows))
    wire = Wire(settings)
    try:
        wire.wait_applied([f"{settings.prefix}_{t}" for t in TIER_TABLES])
        table = f"{settings.prefix}_minute"
        aggs = [Agg.FIRST, Agg.LAST, Agg.COUNT]
        query = RangeQuery([numbers, modes], T0, T0 + timedelta(hours=1), MINUTE, aggs, {})
        hour = f"{settings.prefix}_hour"
        for keys, coarser in itertools.product(
            ([numbers], [modes], [numbers, modes]), (None, hour)
        ):
            counted = tier_buckets(
                wire,
                table,
                keys,
                query,
                10_000,
                text_table=coarser,
                open_tables=_open(table, coarser),
                probe_rows=0,
            )
            plain = tier_buckets(
                wire, table, keys, query, 10_000, open_tables=_open(table), probe_rows=10**9
            )
            for a, b in zip(counted, plain, strict=True):
                assert a.start.tolist() == b.start.tolist()
                for agg in aggs:
                    np.testing.assert_array_equal(a.values[agg], b.values[agg])
                assert {k: v.tolist() for k, v in a.text.items()} == {
                    k: v.tolist() for k, v in b.text.items()
                }
            by_key = dict(zip(keys, counted, strict=True))
            if numbers in by_key:
                assert by_key[numbers].text == {}
            if modes in by_key:
                assert by_key[modes].text[Agg.FIRST].tolist() == ["RUN", "RUN"]
    finally:
        wire.close()
        store.drop_tables()
        store.close()


def test_text_in_the_hour_but_outside_the_range_is_counted_and_none_is_returned(
    questdb: QuestDBAddress,
) -> None:
    """The hour tier's count finds the text of 00:00:05; the minutes read (00:30-01:00) have
    none, so the read asks for the text columns and returns no text; a read from 00:00 has
    it."""
    settings = questdb_history_settings(questdb, unique_name("g"))
    store = QuestDBHistoryStore(settings)
    modes = SeriesKey("plant/m2", "mode")
    rows = [Row(modes.twin, modes.signal, us(T0) + s * 10**6, float(s)) for s in range(0, 3600, 7)]
    rows.append(Row(modes.twin, modes.signal, us(T0) + 5 * 10**6, None, "RUN"))
    rows.sort(key=lambda r: r.ts)
    store.write_batch(batch("b1", len(rows)), samples(rows))
    wire = Wire(settings)
    try:
        wire.wait_applied([f"{settings.prefix}_{t}" for t in TIER_TABLES])
        table, hour = f"{settings.prefix}_minute", f"{settings.prefix}_hour"
        aggs = [Agg.FIRST, Agg.LAST, Agg.COUNT]
        late = RangeQuery(
            [modes], T0 + timedelta(minutes=30), T0 + timedelta(hours=1), MINUTE, aggs, {}
        )
        opened = _open(table, hour)
        (got,) = tier_buckets(
            wire, table, [modes], late, 10_000, text_table=hour, open_tables=opened, probe_rows=0
        )
        assert got.text == {}
        assert len(got.start) == 30
        assert got.values[Agg.COUNT].sum() == sum(1 for r in rows if r.ts >= us(T0) + 1800 * 10**6)
        whole = RangeQuery([modes], T0, T0 + timedelta(hours=1), MINUTE, aggs, {})
        (got,) = tier_buckets(
            wire, table, [modes], whole, 10_000, text_table=hour, open_tables=opened, probe_rows=0
        )
        assert got.text[Agg.FIRST][0] == "RUN"
        assert got.text[Agg.LAST][0] == "RUN"
        assert got.text[Agg.FIRST][1:].tolist() == [None] * 59
    finally:
        wire.close()
        store.drop_tables()
        store.close()


def test_a_read_in_several_requests_gives_the_buckets_of_one(questdb: QuestDBAddress) -> None:
    """Five twins, two signals, text in one series, a key asked twice and one unknown:
    split over two and three connections (``split_rows=0``), with and without the text
    count and the server's ``LIMIT``, the same buckets as one request; past the limit,
    refused however it was split."""
    settings = questdb_history_settings(questdb, unique_name("g"))
    store = QuestDBHistoryStore(settings)
    twins = [f"plant/m{i}" for i in range(5)]
    rows = [
        Row(t, signal, us(T0) + s * 10**6, float(s * (i + 1)))
        for i, t in enumerate(twins)
        for signal in ("power", "speed")
        for s in range(0, 600, 7)
    ]
    rows += [Row(twins[3], "mode", us(T0) + s * 10**6, None, "RUN") for s in (5, 250)]
    rows.sort(key=lambda r: r.ts)
    store.write_batch(batch("b1", len(rows)), samples(rows))
    keys = [SeriesKey(t, s) for t in reversed(twins) for s in ("power", "speed")]
    keys += [SeriesKey(twins[3], "mode"), keys[2], SeriesKey("plant/none", "power")]
    aggs = [Agg.COUNT, Agg.MIN, Agg.MEAN, Agg.FIRST, Agg.LAST]
    query = RangeQuery(keys, T0, T0 + timedelta(hours=1), MINUTE, aggs, {})
    table, hour = f"{settings.prefix}_minute", f"{settings.prefix}_hour"
    one = Wire(settings)
    try:
        one.wait_applied([f"{settings.prefix}_{t}" for t in TIER_TABLES])
        want = tier_buckets(
            one, table, keys, query, 10_000, open_tables=_open(table), split_rows=10**9
        )
        assert want[-3].text[Agg.FIRST].tolist() == ["RUN"] * 2
        assert want[-1].start.tolist() == []
        for parts, probe_rows, limit in itertools.product((2, 3), (0, 10**9), (61, 10_000)):
            wire = Wire(dataclasses.replace(settings, read_requests=parts))
            try:
                got = tier_buckets(
                    wire,
                    table,
                    keys,
                    query,
                    limit,
                    text_table=hour,
                    open_tables=_open(table, hour),
                    probe_rows=probe_rows,
                    split_rows=0,
                )
                if limit == 61:  # 102 rows (10 minutes of 10 series, 2 of one): past it
                    pytest.fail("a read past the limit was answered")
            except HistoryInputError as error:
                assert limit == 61, error
                assert "needs more than 61 rows" in str(error)
                continue
            finally:
                wire.close()
            assert [s.key for s in got] == keys
            for a, b in zip(got, want, strict=True):
                assert a.start.tolist() == b.start.tolist()
                for agg in (Agg.COUNT, Agg.MIN, Agg.MEAN):
                    np.testing.assert_array_equal(a.values[agg], b.values[agg])
                assert {k: v.tolist() for k, v in a.text.items()} == {
                    k: v.tolist() for k, v in b.text.items()
                }
    finally:
        one.close()
        store.drop_tables()
        store.close()


def test_rows_find_their_keys_by_a_code_table_or_by_search_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wanted = np.array([7, 2, 40], dtype=np.int64)  # twin * 10 + signal, distinct
    twin_at = np.array([0, 0, 0, 4, 4, -1, 0, 5], dtype=np.int64)
    signal_at = np.array([2, 7, 3, 0, 1, 0, -1, 0], dtype=np.int64)  # 41 and 50: past 40
    expected = [1, 0, -1, 2, -1, -1, -1, -1]
    assert _grain._positions(twin_at, signal_at, 10, wanted).tolist() == expected
    monkeypatch.setattr(_grain, "DENSE_CODES", 10)  # 41 codes: past it, so searched
    assert _grain._positions(twin_at, signal_at, 10, wanted).tolist() == expected
