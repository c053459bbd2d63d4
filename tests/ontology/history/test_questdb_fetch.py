"""Query results read straight into Arrow columns over QuestDB's PostgreSQL wire (``_fetch``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest

from ontology.history import HistoryInputError, HistoryUnavailableError
from ontology.history._values import SeriesKey
from ontology.history.questdb._fetch import CODED_TEXT, ColumnReader
from ontology.history.questdb._keyed import KeyedRows
from tests._services import QuestDBAddress, unique_name
from tests.ontology.history.conftest import questdb_history_settings

pytestmark = pytest.mark.questdb
S, F, INT = pa.string(), pa.float64(), pa.int64()


@pytest.fixture
def reader(questdb: QuestDBAddress) -> Iterator[ColumnReader]:
    opened = ColumnReader(questdb_history_settings(questdb, unique_name("f")))
    yield opened
    opened.close()


def test_every_column_type_reads_into_its_arrow_type_with_nulls_kept(reader: ColumnReader) -> None:
    sql = (
        "SELECT x, cast(x AS int) * -3, cast(x AS short), cast(x AS byte), x * 0.5, "
        "cast(x AS float), cast(x * 1000000 AS timestamp), "
        "CASE WHEN x = 2 THEN NULL ELSE 'é' || x END, "
        "CASE WHEN x = 2 THEN NULL ELSE x * 1.0 END, %s, %s, %s, %s "
        "FROM long_sequence(3)"
    )
    schema = pa.schema(
        [(n, INT) for n in ("long", "int", "short", "byte")]
        + [("double", F), ("float", F), ("ts", INT), ("text", S), ("maybe", F)]
        + [("p_text", S), ("p_long", INT), ("p_double", F), ("p_ts", INT)]
    )
    at = datetime(2026, 6, 1, 0, 0, 1, 5, tzinfo=UTC)
    table = reader.table(sql, ["naïve", -(2**40), 0.25, at], schema)
    assert table.schema == schema
    assert table.column("long").to_pylist() == [1, 2, 3]
    assert table.column("int").to_pylist() == [-3, -6, -9]
    assert table.column("short").to_pylist() == [1, 2, 3]
    assert table.column("byte").to_pylist() == [1, 2, 3]
    assert table.column("double").to_pylist() == [0.5, 1.0, 1.5]
    assert table.column("float").to_pylist() == [1.0, 2.0, 3.0]
    assert table.column("ts").to_pylist() == [1_000_000, 2_000_000, 3_000_000]
    assert table.column("text").to_pylist() == ["é1", None, "é3"]
    assert table.column("maybe").to_pylist() == [1.0, None, 3.0]
    assert table.column("p_text").to_pylist() == ["naïve"] * 3
    assert table.column("p_long").to_pylist() == [-(2**40)] * 3
    assert table.column("p_double").to_pylist() == [0.25] * 3
    assert table.column("p_ts").to_pylist() == [int(at.timestamp()) * 1_000_000 + 5] * 3


def test_text_read_as_a_dictionary_keeps_every_value_and_null(reader: ColumnReader) -> None:
    sql = (
        "SELECT CASE WHEN x % 4 = 0 THEN NULL ELSE 'plant/é' || (x % 3) END, "
        "CASE WHEN x = 2 THEN '' ELSE %s END FROM long_sequence(9)"
    )
    schema = pa.schema([("twin", CODED_TEXT), ("other", CODED_TEXT)])
    table = reader.table(sql, ["a much longer value than sixteen bytes"], schema)
    assert table.schema == schema
    want = [None if x % 4 == 0 else f"plant/é{x % 3}" for x in range(1, 10)]
    assert table.column("twin").to_pylist() == want
    assert table.column("twin").chunk(0).dictionary.to_pylist() == [
        "plant/é1",
        "plant/é2",
        "plant/é0",
    ]
    other = ["" if x == 2 else "a much longer value than sixteen bytes" for x in range(1, 10)]
    assert table.column("other").to_pylist() == other


def test_a_large_answer_crosses_many_receives_whole(reader: ColumnReader) -> None:
    n = 300_000
    sql = "SELECT x, x * 0.5, 'twin/' || x FROM long_sequence(300000) WHERE x <= %s"
    table = reader.table(sql, [n], pa.schema([("x", INT), ("half", F), ("name", S)]))
    x = np.arange(1, n + 1)
    assert np.array_equal(table.column("x").to_numpy(), x)
    assert np.array_equal(table.column("half").to_numpy(), x * 0.5)
    assert table.column("name")[n - 1].as_py() == f"twin/{n}"
    again = reader.table("SELECT x FROM long_sequence(2)", [], pa.schema([("x", INT)]))
    assert again.column("x").to_pylist() == [1, 2]  # the connection is ready for the next


def test_no_rows_give_an_empty_table_of_the_schema(reader: ColumnReader) -> None:
    schema = pa.schema([("x", INT), ("name", S)])
    table = reader.table("SELECT x, 'a' FROM long_sequence(3) WHERE x > %s", [5], schema)
    assert table.num_rows == 0
    assert table.schema == schema


def test_a_column_of_another_type_or_count_than_the_schema_is_refused(reader: ColumnReader) -> None:
    with pytest.raises(HistoryInputError, match="'name' has type oid 1042"):
        reader.table(
            "SELECT x, 'a' name FROM long_sequence(1)", [], pa.schema([("x", INT), ("n", INT)])
        )
    with pytest.raises(HistoryInputError, match="returned 2 columns"):
        reader.table("SELECT x, x FROM long_sequence(1)", [], pa.schema([("x", INT)]))
    assert reader.table("SELECT 7 FROM long_sequence(1)", [], pa.schema([("x", INT)])).num_rows == 1


def test_a_query_the_server_refuses_raises_and_the_next_one_runs(reader: ColumnReader) -> None:
    with pytest.raises(HistoryUnavailableError, match="refused a query"):
        reader.table("SELECT nothing FROM no_such_table_here", [], pa.schema([("x", INT)]))
    assert reader.table("SELECT x FROM long_sequence(1)", [], pa.schema([("x", INT)])).num_rows == 1


def test_bad_parameters_are_refused_before_anything_is_sent(reader: ColumnReader) -> None:
    one = pa.schema([("x", INT)])
    with pytest.raises(HistoryInputError, match="1 placeholders for 2 parameters"):
        reader.table("SELECT x FROM long_sequence(1) WHERE x > %s", [1, 2], one)
    with pytest.raises(HistoryInputError, match="expected str, int, float"):
        reader.table("SELECT x FROM long_sequence(1) WHERE x > %s", [b"1"], one)
    with pytest.raises(HistoryInputError, match="an aware datetime"):
        reader.table("SELECT x FROM long_sequence(1) WHERE %s IS NULL", [datetime(2026, 1, 1)], one)


def test_a_server_that_does_not_answer_is_unavailable() -> None:
    where = QuestDBAddress("127.0.0.1", 1, "127.0.0.1", 1)
    closed = ColumnReader(questdb_history_settings(where, unique_name("f")))
    with pytest.raises(HistoryUnavailableError, match="cannot reach"):
        closed.table("SELECT 1 FROM long_sequence(1)", [], pa.schema([("x", INT)]))


def test_several_queries_answer_in_one_round_trip_each_with_its_rows(reader: ColumnReader) -> None:
    """All bound to one parameter list, each using its own of them (QuestDB 9.2.0 would run
    every query of a request with the last one's values)."""
    one, two = pa.schema([("x", INT)]), pa.schema([("x", INT), ("name", S)])
    counted, none, rows = reader.tables(
        [
            ("SELECT count() FROM long_sequence(5) WHERE x > $1", one),
            ("SELECT x, 'a' FROM long_sequence(3) WHERE x > $2", two),
            ("SELECT x, $4 || x FROM long_sequence(4) WHERE x >= $3", two),
        ],
        [2, 5, 3, "n"],
    )
    assert counted.column("x").to_pylist() == [3]
    assert none.num_rows == 0
    assert none.schema == two
    assert rows.column("x").to_pylist() == [3, 4]
    assert rows.column("name").to_pylist() == ["n3", "n4"]


def test_several_queries_name_only_the_parameters_given(reader: ColumnReader) -> None:
    one = pa.schema([("x", INT)])
    for sql in (
        "SELECT x FROM long_sequence(2) WHERE x > $2",
        "SELECT x FROM long_sequence(2) WHERE x > %s",
    ):
        with pytest.raises(HistoryInputError, match=r"expected \$1 to \$1"):
            reader.tables([(sql, one)], [1])
    assert (
        reader.tables([("SELECT x FROM long_sequence(2) WHERE x > $1", one)], [1])[0].num_rows == 1
    )


def test_a_refused_query_among_several_raises_and_the_next_request_runs(
    reader: ColumnReader,
) -> None:
    one = pa.schema([("x", INT)])
    with pytest.raises(HistoryUnavailableError, match="refused a query"):
        reader.tables(
            [
                ("SELECT x FROM long_sequence(2)", one),
                ("SELECT nothing FROM no_such_table_here", one),
            ],
            [],
        )
    assert reader.tables([("SELECT x FROM long_sequence(2)", one)], [])[0].num_rows == 2


def test_more_bind_parameters_than_the_server_takes_are_refused_before_sending(
    reader: ColumnReader,
) -> None:
    many = [1] * 32_768
    sql = "SELECT x FROM long_sequence(1) WHERE x IN (" + ", ".join(["%s"] * len(many)) + ")"
    with pytest.raises(HistoryInputError, match="32768 parameters; expected at most 32767"):
        reader.table(sql, many, pa.schema([("x", INT)]))


def test_rows_read_in_key_order_from_the_server_or_the_general_way_when_not(
    reader: ColumnReader,
) -> None:
    """A ``KeyedRows`` in place of a schema (``_keyed``): rows whose buckets rise within
    each key come back in key order (``position``, ``bucket``, the numbers as doubles);
    rows where one key's bucket comes twice come back as the schema reads them."""
    schema = pa.schema([("twin", CODED_TEXT), ("bucket", INT), ("n", F), ("mn", F)])
    keys = [SeriesKey("b", "power"), SeriesKey("a", "power")]
    keyed = KeyedRows(schema, keys, ["a", "b"], ["power"], 1)
    rows = (
        "SELECT CASE WHEN x % 2 = 0 THEN 'a' ELSE 'b' END, cast((x + 1) / 2 AS timestamp), x, "
        "CASE WHEN x = 3 THEN NULL ELSE x * 0.5 END FROM long_sequence({})"
    )
    table = reader.tables([(rows.format(6), keyed)], [])[0]
    assert table.column_names == ["position", "bucket", "n", "mn"]
    assert table.column("position").to_pylist() == [0, 0, 0, 1, 1, 1]
    assert table.column("bucket").to_pylist() == [1, 2, 3, 1, 2, 3]
    assert table.column("n").to_pylist() == [1.0, 3.0, 5.0, 2.0, 4.0, 6.0]
    np.testing.assert_array_equal(table.column("mn").to_numpy()[:3], [0.5, np.nan, 2.5])
    again = f"{rows.format(6)} UNION ALL SELECT 'a', cast(3 AS timestamp), 7, 7.5"
    table = reader.tables([(again, keyed)], [])[0]
    assert table.schema == schema
    assert table.column("twin").to_pylist() == ["b", "a"] * 3 + ["a"]
    assert table.column("n").to_pylist() == [1, 2, 3, 4, 5, 6, 7]
