"""A large batch's samples sent in several ILP requests at once (``sample_requests`` > 1,
no longer the default: see docs/history.md, "Appends, issue 8, fifth pass"): every sample
reads back once, and a replay leaves no duplicate, as with one request."""

from __future__ import annotations

import dataclasses

import pytest

from ontology.history import QuestDBHistoryStore
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
