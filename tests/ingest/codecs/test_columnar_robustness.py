"""Hypothesis: any mix of good and bad columnar records never crashes the codec; every good
sample comes out exactly, every bad one is refused and counted with a reason."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.codecs import CodecLimits, ColumnarCodec, RawRecord, columnar_record

LIMITS = CodecLimits(max_text_length=16, max_samples_per_record=6)
Row = tuple[str, str, int, Any]

names = st.sampled_from(["m1", "m2", "acme/jkt1/l1", "ünï"])
values = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=16))
good_rows = st.lists(st.tuples(names, names, st.integers(0, 2**41), values), min_size=1, max_size=5)


def encode(rows: list[Row]) -> bytes:
    return columnar_record(
        twin=[r[0] for r in rows],
        signal=[r[1] for r in rows],
        time_ms=[r[2] for r in rows],
        value=[None if isinstance(r[3], str) else r[3] for r in rows],
        text=[r[3] if isinstance(r[3], str) else None for r in rows],
    )


def stream(columns: dict[str, Any]) -> bytes:
    table = pa.table(columns)
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    data: bytes = sink.getvalue().to_pybytes()
    return data


@st.composite
def bad_records(draw: st.DrawFn) -> tuple[bytes, int, list[Row]]:
    """(payload, samples it must be refused as, the good rows still in it)."""
    rows: list[Row] = draw(good_rows)
    n = len(rows)
    how = draw(st.sampled_from(["truncate", "garbage", "type", "many", "time", "text", "null"]))
    if how == "truncate":
        data = encode(rows)
        return data[: draw(st.integers(0, len(data) - 1))], 1, []
    if how == "garbage":
        return b"\xff" + draw(st.binary(max_size=60)), 1, []
    if how == "type":
        twins = draw(st.lists(st.integers(-9, 9), min_size=n, max_size=n))
        columns = {"twin": twins, "signal": [r[1] for r in rows], "time": [r[2] for r in rows],
                   "value": [1.0] * n}  # fmt: skip
        return stream(columns), n, []
    if how == "many":
        more = rows * (LIMITS.max_samples_per_record // n + 1)
        return encode(more), len(more), []
    bad = draw(st.integers(0, n - 1))
    twin, signal, at, value = rows[bad]
    if how == "time":
        at = draw(st.integers(-(2**40), -1))
    elif how == "text":
        value = "x" * (LIMITS.max_text_length + draw(st.integers(1, 40)))
    broken = [*rows[:bad], (twin, signal, at, value), *rows[bad + 1 :]]
    if how == "null":
        columns = {
            "twin": [None if i == bad else r[0] for i, r in enumerate(rows)],
            "signal": [r[1] for r in rows],
            "time": [r[2] for r in rows],
            "value": [None if isinstance(r[3], str) else r[3] for r in rows],
            "text": pa.array([r[3] if isinstance(r[3], str) else None for r in rows], pa.string()),
        }
        return stream(columns), 1, rows[:bad] + rows[bad + 1 :]
    return encode(broken), 1, rows[:bad] + rows[bad + 1 :]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(good_rows.map(lambda r: ("good", r)), bad_records().map(lambda b: ("bad", b))),
        max_size=30,
    )
)
def test_mixed_records_keep_every_good_sample_and_count_every_bad_one(
    items: list[tuple[str, Any]],
) -> None:
    records, good, refused = [], [], 0
    for position, (what, item) in enumerate(items):
        if what == "good":
            good.extend(item)
            records.append(RawRecord(position, encode(item)))
        else:
            payload, count, kept = item
            refused += count
            good.extend(kept)
            records.append(RawRecord(position, payload))
    out = ColumnarCodec(LIMITS).decode(records)
    f = out.frame
    assert sum(r.count for r in out.rejects) == refused
    got = []
    for i in range(len(f)):
        value = f.text[i] if f.text[i] is not None else f.value[i]
        got.append((f.twin_names()[i], f.signal_names()[i], int(f.time[i]), value))
    assert got == [(t, s, time * 1000, v) for t, s, time, v in good]
