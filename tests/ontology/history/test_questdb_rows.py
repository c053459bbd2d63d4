"""The QuestDB store's PostgreSQL-wire rows as Arrow columns: one pass, nulls kept."""

from __future__ import annotations

import pyarrow as pa
import pytest

from ontology.history.questdb._tiers import RAW_SCHEMA
from ontology.history.questdb._wire import rows_table


def test_rows_become_columns_of_the_schema_with_nulls_kept() -> None:
    rows = [
        ("plant/m1", "power", 10, 1.5, None, 0, "b1"),
        ("plant/m2", "mode", 20, None, "auto", 3, None),
    ]
    table = rows_table(rows, RAW_SCHEMA)
    assert table.schema == RAW_SCHEMA
    assert table.to_pylist() == [dict(zip(RAW_SCHEMA.names, row, strict=True)) for row in rows]
    assert table.column("value").null_count == 1


def test_no_rows_give_an_empty_table_of_the_schema() -> None:
    table = rows_table([], RAW_SCHEMA)
    assert table.num_rows == 0
    assert table.schema == RAW_SCHEMA


def test_a_value_of_the_wrong_type_is_refused() -> None:
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
        rows_table([("plant/m1", "power", "not a time", 1.0, None, 0, "b1")], RAW_SCHEMA)
