"""``KeyedRows``: a tier read's rows read from hand-built PostgreSQL-wire bytes straight into
key order, and every answer it does not read left to the general reader (``None``)."""

from __future__ import annotations

import struct

import numpy as np
import pyarrow as pa

from ontology.history._values import SeriesKey
from ontology.history.questdb._fetch import CODED_TEXT, fixed8
from ontology.history.questdb._keyed import KeyedRows
from tests.ontology.history.test_questdb_fetch_jit import Cell, as_buffer, data_row

EPOCH_2000_US = 946_684_800_000_000
TIMESTAMP, INT8, FLOAT8, FLOAT4 = 1114, 20, 701, 700
LONG_A = "plant/línea-7/máquina-12/a"  # past 16 bytes, not ASCII
LONG_B = LONG_A.replace("7", "8")  # differs from LONG_A only between its first and last 8 bytes
NUMBERS = [("n", pa.float64()), ("mn", pa.float64())]
SCHEMA = pa.schema([("twin", CODED_TEXT), ("signal", CODED_TEXT), ("bucket", pa.int64()), *NUMBERS])
CELLS = [fixed8(o) for o in (1043, 1043, TIMESTAMP, INT8, FLOAT8)]


def row(twin: str | None, signal: str, bucket: int, n: int, mn: float | None) -> bytes:
    cells: list[Cell] = [None if twin is None else twin.encode(), signal.encode()]
    cells += [struct.pack("!q", bucket), struct.pack("!q", n)]
    cells.append(None if mn is None else struct.pack("!d", mn))
    return data_row(cells)


def decode(
    rows: list[bytes], keyed: KeyedRows, cells: list[tuple[bool, int] | None] = CELLS
) -> pa.Table | None:
    data = b"".join(rows)
    starts = np.cumsum([0, *(len(r) for r in rows)])[:-1].astype(np.int64)
    return keyed.decode(as_buffer(data), starts, cells)


KEYS = [
    SeriesKey(LONG_B, "power"),
    SeriesKey("m1", "speed"),
    SeriesKey("plant/m10", "power"),
    SeriesKey(LONG_A, "power"),
    SeriesKey("m1", "power"),
]
TWINS = sorted({k.twin for k in KEYS})
KEYED = KeyedRows(SCHEMA, KEYS, TWINS, ["power", "speed"], 2)


def test_rows_go_to_their_keys_runs_in_bucket_order_with_numbers_as_doubles() -> None:
    """Five keys of names short, of 8-16 bytes and past 16 (two alike but in the middle),
    two signals, rows interleaved by bucket; a twin not asked, a NULL twin and a pair not
    asked (``plant/m10``, ``speed``) are left out; a NULL number is NaN."""
    rows = []
    for minute in (0, 1, 2):
        rows += [
            row(LONG_A, "power", minute, 10 + minute, 1.5 * minute),
            row("m1", "speed", minute, 20 + minute, None if minute == 1 else -1.0),
            row("plant/m11", "power", minute, 0, 0.0),
            row(None, "power", minute, 0, 0.0),
            row("plant/m10", "speed", minute, 0, 0.0),
            row(LONG_B, "power", minute, 30 + minute, 2.0),
            row("m1", "power", minute, 40 + minute, 4.0),
        ]
    rows.append(row("plant/m10", "power", 5, 50, 8.0))  # one row, the last
    got = decode(rows, KEYED)
    assert got is not None
    assert got.schema.names == ["position", "bucket", "n", "mn"]
    assert got.column("position").to_pylist() == [0, 0, 0, 1, 1, 1, 2, 3, 3, 3, 4, 4, 4]
    assert got.column("bucket").to_pylist() == [
        EPOCH_2000_US + m for m in (0, 1, 2, 0, 1, 2, 5, 0, 1, 2, 0, 1, 2)
    ]
    assert got.column("n").to_pylist() == [30, 31, 32, 20, 21, 22, 50, 10, 11, 12, 40, 41, 42]
    mn = got.column("mn").to_numpy()
    np.testing.assert_array_equal(mn[:6], [2.0, 2.0, 2.0, -1.0, np.nan, -1.0])
    np.testing.assert_array_equal(mn[6:], [8.0, 0.0, 1.5, 3.0, 4.0, 4.0, 4.0])


def test_one_signal_asked_is_not_read_per_row() -> None:
    schema = pa.schema([("twin", CODED_TEXT), ("bucket", pa.int64()), ("n", pa.float64())])
    keys = [SeriesKey("b", "power"), SeriesKey("a", "power")]
    keyed = KeyedRows(schema, keys, ["a", "b"], ["power"], 1)
    rows = [
        data_row([t.encode(), struct.pack("!q", m), struct.pack("!q", m)])
        for m in (1, 2)
        for t in ("a", "b")
    ]
    got = decode(rows, keyed, [fixed8(o) for o in (1043, INT8, INT8)])
    assert got is not None
    assert got.column("position").to_pylist() == [0, 0, 1, 1]
    assert got.column("bucket").to_pylist() == [1, 2, 1, 2]


def test_answers_it_does_not_read_are_left_to_the_general_reader() -> None:
    """``None`` for a key's bucket twice or going back (an open row meeting its closed
    one), a NULL bucket, a number of another type, a row that does not add up (placed or
    not) and a column missing."""
    good = [row("m1", "power", 1, 1, 1.0), row("m1", "speed", 1, 1, 1.0)]
    assert decode(good, KEYED) is not None
    for again in (1, 0):
        assert decode([*good, row("m1", "power", again, 2, 2.0)], KEYED) is None
    null_bucket = data_row([b"m1", b"power", None, struct.pack("!q", 1), struct.pack("!d", 1)])
    assert decode([*good, null_bucket], KEYED) is None
    floats4 = [*CELLS[:-1], fixed8(FLOAT4)]
    assert floats4[-1] is None and decode(good, KEYED, floats4) is None
    for twin in ("m1", "plant/none"):
        short = data_row([twin.encode(), b"power", struct.pack("!q", 2), struct.pack("!q", 1)])
        leftover = row(twin, "power", 3, 1, 1.0)
        leftover = leftover[:1] + struct.pack("!i", len(leftover)) + leftover[5:] + b"\0"
        for broken in (short, leftover):
            assert decode([*good, broken], KEYED) is None
