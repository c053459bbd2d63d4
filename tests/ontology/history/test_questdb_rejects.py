"""QuestDB's rejects table made before rejects named their refused sample (``Reject.item``):
opened, it gets the two columns (once: a second opening adds nothing), its rows read back as
written, and a refused sample two runs write is counted and listed once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from ontology.history import QuestDBHistoryStore, empty_samples
from tests._services import QuestDBAddress, questdb_connect, unique_name
from tests.ontology.history.conftest import questdb_history_settings
from tests.ontology.history.test_contract_records import reject
from tests.ontology.history.test_contract_samples import T0, batch

pytestmark = pytest.mark.questdb
DAY = timedelta(days=1)


def test_a_rejects_table_made_before_gets_its_columns_and_reads_its_rows(
    questdb: QuestDBAddress,
) -> None:
    settings = questdb_history_settings(questdb, prefix=unique_name("t"))
    table = f"{settings.prefix}_rejects"
    with questdb_connect(questdb) as con:  # the table and a row as the code before made them
        con.execute(
            f"CREATE TABLE {table} (ts TIMESTAMP, batch_id VARCHAR, seq LONG, feed SYMBOL, "
            "reason SYMBOL, source VARCHAR, off LONG, detail VARCHAR, raw VARCHAR) "
            "TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, batch_id, seq)"
        )
        con.execute(
            f"INSERT INTO {table} VALUES (%s, 'b0', 0, 'kafka:telemetry', 'range', %s, 3, "
            "'old', '')",
            [
                T0 + timedelta(seconds=3),
                '{"kind":"kafka","topic":"telemetry","partition":0,"first_offset":0,'
                '"last_offset":99,"topics":[],"path":null}',
            ],
        )
    store = QuestDBHistoryStore(settings)
    again: QuestDBHistoryStore | None = None
    try:
        named = replace(reject("b1", 3, "range"), item=0)
        store.write_batch(batch("b1", 1), empty_samples(), rejects=[named])
        store.close()
        again = QuestDBHistoryStore(settings)  # the columns are there now: nothing to add
        again.write_batch(
            batch("b2", 1),
            empty_samples(),
            rejects=[replace(named, batch="b2", time=named.time + timedelta(seconds=1))],
        )
        found = again.rejects(T0, T0 + DAY).items
        assert [(r.batch, r.item, r.detail) for r in found] == [
            ("b0", None, "old"),
            ("b2", 0, named.detail),
        ]
        assert found[0].source.topic == "telemetry"
        assert again.reject_counts(T0, T0 + DAY) == {"range": 2}
    finally:
        (again or store).drop_tables()
        store.close()
        if again is not None:
            again.close()
