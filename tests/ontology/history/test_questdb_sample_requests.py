"""A large batch's samples sent in several ILP requests at once (``sample_requests`` > 1,
no longer the default: see docs/history.md, "Appends, issue 8, fifth pass"): every sample
reads back once, and a replay leaves no duplicate, as with one request; the runs cover
every row once, each longer than the one before (so they mostly commit in time order)."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from ontology.history import QuestDBHistoryStore
from ontology.history.questdb._ingress import run_cuts
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history.conftest import questdb_history_settings
from tests.ontology.history.test_contract_samples import (
    test_large_time_slices_read_back_whole_and_a_replay_keeps_them_once as large_slices,
)

pytestmark = pytest.mark.questdb


@pytest.mark.parametrize("requests", [1, 3])
def test_large_batches_in_several_requests_read_back_whole_and_once(
    questdb: QuestDBAddress, requests: int
) -> None:
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))
    store = QuestDBHistoryStore(dataclasses.replace(settings, sample_requests=requests))
    try:
        large_slices(store)
    finally:
        store.drop_tables()
        store.close()


@pytest.mark.parametrize(("rows", "parts"), [(100_000, 2), (100_000, 3), (7, 2), (5, 1), (10, 8)])
def test_runs_cover_every_row_once_each_longer_than_the_one_before(rows: int, parts: int) -> None:
    cuts = run_cuts(rows, parts)
    assert cuts[0] == 0 and cuts[-1] == rows and len(cuts) == parts + 1
    lengths = [b - a for a, b in itertools.pairwise(cuts)]
    assert all(length >= 0 for length in lengths)
    if rows >= 100 * parts:  # a store cuts runs of MIN_PART_ROWS at least
        assert all(a < b for a, b in itertools.pairwise(lengths))
