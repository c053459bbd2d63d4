"""Two QuestDB stores writing the same series in turn (a Kafka partition moving between
ingest workers and back): each notices the other's writes, so the tiers stay exact."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from ontology.history import QuestDBHistoryStore
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history._reference import kept, random_batches, samples, us
from tests.ontology.history.conftest import questdb_history_settings
from tests.ontology.history.test_contract_samples import SERIES, T0, batch, check_range

pytestmark = pytest.mark.questdb


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
        end = T0 + timedelta(hours=2)
        for store in (first, second):
            for interval in (timedelta(minutes=1), timedelta(hours=1), timedelta(minutes=7)):
                check_range(store, rows, T0, end, interval)
    finally:
        first.drop_tables()
        first.close()
        second.close()
