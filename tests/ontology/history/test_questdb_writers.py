"""Two QuestDB stores writing the same series in turn (a Kafka partition moving between
ingest workers and back): each notices the other's writes, so the tiers stay exact."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from ontology.history import QuestDBHistoryStore
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history._reference import Row, kept, random_batches, samples, us
from tests.ontology.history.conftest import questdb_history_settings
from tests.ontology.history.test_contract_samples import SERIES, T0, batch, check_range

pytestmark = pytest.mark.questdb


def _check_two_hours(stores: tuple[QuestDBHistoryStore, ...], rows: list[Row]) -> None:
    """Every store's buckets of the two hours from ``T0`` at a minute, an hour and 7 minutes
    equal a plain computation over ``rows``."""
    end = T0 + timedelta(hours=2)
    for store in stores:
        for interval in (timedelta(minutes=1), timedelta(hours=1), timedelta(minutes=7)):
            check_range(store, rows, T0, end, interval)


def test_stores_taking_turns_on_the_same_series_keep_the_tiers_exact(
    questdb: QuestDBAddress,
) -> None:
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))
    first, second = QuestDBHistoryStore(settings), QuestDBHistoryStore(settings)
    try:
        span = 2 * 3600 * 10**6
        ordered = random_batches(11, SERIES, us(T0), span, count=500, batches=1)[0]
        rows = sorted(kept([ordered]).values(), key=lambda r: r.ts)
        cuts = [0, 100, 200, 300, 400, len(rows)]  # slices end inside minute and hour buckets
        writers = itertools.cycle([first, second, first])
        for i, (a, b) in enumerate(itertools.pairwise(cuts)):
            next(writers).write_batch(batch(f"b{i}", b - a), samples(rows[a:b]))
        _check_two_hours((first, second), rows)
    finally:
        first.drop_tables()
        first.close()
        second.close()


def test_a_fresh_store_reads_no_tier_rows_back_until_another_writer_writes(
    questdb: QuestDBAddress,
) -> None:
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))
    fresh = QuestDBHistoryStore(settings)
    later: QuestDBHistoryStore | None = None
    try:
        span = 2 * 3600 * 10**6
        ordered = random_batches(12, SERIES, us(T0), span, count=600, batches=1)[0]
        rows = sorted(kept([ordered]).values(), key=lambda r: r.ts)
        half = {(r.twin, r.signal) for r in rows[:300]}
        # The first batch, then one with series the first did not have (all in the tables'
        # empty start): neither reads the tiers back, and every tier row is exact.
        first = [r for r in rows[:300] if (r.twin, r.signal) != (SERIES[0].twin, SERIES[0].signal)]
        new = [r for r in rows[:300] if (r.twin, r.signal) == (SERIES[0].twin, SERIES[0].signal)]
        assert first and new and len(half) > 1
        fresh.write_batch(batch("b0", len(first)), samples(first))
        fresh.write_batch(batch("b1", len(new)), samples(new))
        assert fresh.tiers_read_back == 0
        # A store opened on tables with rows reads them back; the fresh one, after that
        # writer's flush, does too.
        later = QuestDBHistoryStore(settings)
        later.write_batch(batch("b2", 150), samples(rows[300:450]))
        assert later.tiers_read_back == 1
        fresh.write_batch(batch("b3", len(rows) - 450), samples(rows[450:]))
        assert fresh.tiers_read_back == 1
        _check_two_hours((fresh, later), rows)
    finally:
        fresh.drop_tables()
        fresh.close()
        if later is not None:
            later.close()
