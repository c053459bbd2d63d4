"""The columnar codec (Arrow IPC stream records): every column type, limits, and reasons."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

from ingest.codecs import (
    ARROW_STREAM,
    CodecLimits,
    ColumnarCodec,
    ContentTypeCodec,
    JsonCodec,
    RawRecord,
    columnar_record,
)
from ingest.frame import Kind, RejectReason

T_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def stream(columns: dict[str, Any], *, batches: int = 1) -> bytes:
    """An Arrow IPC stream of these columns (split into ``batches`` record batches)."""
    table = pa.table(columns)
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        size = max(1, math.ceil(table.num_rows / batches))
        for batch in table.to_batches(max_chunksize=size):
            writer.write_batch(batch)
    data: bytes = sink.getvalue().to_pybytes()
    return data


def reasons(out: Any) -> list[tuple[int, str, int]]:
    return [(r.position, str(r.reason), r.count) for r in out.rejects]


def test_numbers_booleans_texts_and_nulls_with_qualities() -> None:
    payload = columnar_record(
        twin="m1",
        signal=["speed", "mode", "gone", "speed"],
        time_ms=[T_MS, T_MS + 1, T_MS + 2, T_MS + 3],
        value=[1.5, None, None, 7],
        text=[None, "RUNNING", None, None],
        quality=[0, 1, 3, 2],
    )
    out = ColumnarCodec().decode([RawRecord(42, payload)])
    f = out.frame
    assert out.rejects == ()
    assert list(f.twin_names()) == ["m1"] * 4
    assert list(f.signal_names()) == ["speed", "mode", "gone", "speed"]
    assert list(f.time) == [(T_MS + i) * 1000 for i in range(4)]
    assert list(f.kind) == [Kind.NUMBER, Kind.TEXT, Kind.NULL, Kind.NUMBER]
    assert list(f.text) == [None, "RUNNING", None, None]
    assert f.value[0] == 1.5 and f.value[3] == 7.0
    assert math.isnan(f.value[1]) and math.isnan(f.value[2])
    assert list(f.quality) == [0, 1, 3, 2]
    assert list(f.position) == [42] * 4


def test_boolean_values_and_the_record_defaults_for_twin_and_signal() -> None:
    payload = stream({"time": pa.array([T_MS, T_MS + 1]), "value": pa.array([True, False])})
    out = ColumnarCodec().decode([RawRecord(3, payload, twin="k1", signal="running")])
    f = out.frame
    assert list(f.twin_names()) == ["k1", "k1"]
    assert list(f.signal_names()) == ["running", "running"]
    assert list(f.kind) == [Kind.BOOLEAN, Kind.BOOLEAN]
    assert list(f.value) == [1.0, 0.0]


def test_dictionary_columns_timestamps_several_batches_and_integer_values() -> None:
    twins = pa.array(["a", "b", "a", "b", "a"]).dictionary_encode()
    times = pa.array(
        [(T_MS + i) * 1_000_000 for i in range(5)], type=pa.timestamp("ns", tz="Europe/Berlin")
    )
    payload = stream(
        {
            "twin": twins,
            "signal": pa.array(["s"] * 5),
            "time": times,
            "value": pa.array([1, 2, 3, 4, 5], pa.int16()),
            "extra": pa.array(["ignored"] * 5),
        },
        batches=3,
    )
    f = ColumnarCodec().decode([RawRecord(0, payload)]).frame
    assert list(f.twin_names()) == ["a", "b", "a", "b", "a"]
    assert list(f.time) == [(T_MS + i) * 1000 for i in range(5)]
    assert list(f.value) == [1.0, 2.0, 3.0, 4.0, 5.0]
    in_seconds = pa.array([T_MS // 1000], pa.timestamp("s", tz="UTC"))
    seconds = stream({"signal": ["s"], "time": in_seconds, "value": [1.0]})
    g = ColumnarCodec().decode([RawRecord(0, seconds, twin="k")]).frame
    assert list(g.time) == [T_MS * 1000]


def test_records_keep_their_order_and_positions_across_schemas() -> None:
    a = columnar_record(twin="m1", signal=["x"], time_ms=[T_MS], value=[1.0])
    b = columnar_record(twin="m2", signal=["y"], time_ms=[T_MS], text=["t"])
    out = ColumnarCodec().decode([RawRecord(i, p) for i, p in enumerate([a, a, b, a])])
    f = out.frame
    assert list(f.position) == [0, 1, 2, 3]
    assert list(f.twin_names()) == ["m1", "m1", "m2", "m1"]
    assert list(f.text) == [None, None, "t", None]


def test_a_record_that_is_not_a_stream_is_malformed() -> None:
    good = columnar_record(twin="m1", signal=["x"] * 20, time_ms=[T_MS] * 20, value=[1.0] * 20)
    codec = ColumnarCodec()
    out = codec.decode(
        [RawRecord(0, b""), RawRecord(1, b"{}"), RawRecord(2, good[: len(good) // 2])]
    )
    assert reasons(out) == [(0, "malformed", 1), (1, "malformed", 1), (2, "malformed", 1)]
    assert all("truncated" in r.detail for r in out.rejects)
    out = codec.decode([RawRecord(6, b"junk" + good[-8:])])
    assert reasons(out) == [(6, "malformed", 1)]
    assert "not an Arrow IPC stream" in out.rejects[0].detail
    # truncated after a schema the codec has seen: still malformed, never a crash
    codec.decode([RawRecord(3, good)])
    out = codec.decode([RawRecord(4, good[:-20]), RawRecord(5, good)])
    assert reasons(out) == [(4, "malformed", 1)]
    assert len(out.frame) == 20


def test_size_limits() -> None:
    limits = CodecLimits(
        max_record_bytes=4000, max_samples_per_record=10, max_name_length=8, max_text_length=4
    )
    big = columnar_record(twin="m", signal=["x"] * 300, time_ms=[T_MS] * 300, value=[1.0] * 300)
    many = columnar_record(twin="m", signal=["x"] * 11, time_ms=[T_MS] * 11, value=[1.0] * 11)
    names = columnar_record(twin="m" * 9, signal=["x", "y"], time_ms=[T_MS] * 2, value=[1, 2])
    text = columnar_record(twin="m", signal=["p", "q"], time_ms=[T_MS] * 2, text=["abcd", "abcde"])
    out = ColumnarCodec(limits).decode(
        [RawRecord(i, p) for i, p in enumerate([big, many, names, text])]
    )
    assert reasons(out) == [(0, "too_large", 1), (1, "too_large", 11), (2, "too_large", 2),
                            (3, "too_large", 1)]  # fmt: skip
    assert "expected at most 4000 bytes" in out.rejects[0].detail
    assert "'twin' of 9 characters; expected at most 8" in out.rejects[2].detail
    assert list(out.frame.text) == ["abcd"]


@pytest.mark.parametrize(
    ("columns", "reason", "detail"),
    [
        ({"twin": [1], "signal": ["s"], "time": [T_MS], "value": [1.0]}, "wrong_type", "'twin'"),
        ({"signal": ["s"], "time": [1.5], "value": [1.0]}, "wrong_type", "'time'"),
        ({"signal": ["s"], "time": [T_MS], "value": ["x"]}, "wrong_type", "'value'"),
        (
            {"signal": ["s"], "time": [T_MS], "value": [1.0], "quality": [0.5]},
            "wrong_type",
            "quality",
        ),
        ({"signal": ["s"], "value": [1.0]}, "bad_shape", "no 'time'"),
        ({"signal": ["s"], "time": [T_MS]}, "bad_shape", "no 'value' or 'text'"),
        (
            {"signal": ["s"], "time": pa.array([T_MS], pa.timestamp("ms")), "value": [1.0]},
            "bad_time",
            "without a time zone",
        ),
    ],
)
def test_a_column_of_the_wrong_type_refuses_the_record(
    columns: dict[str, Any], reason: str, detail: str
) -> None:
    out = ColumnarCodec().decode([RawRecord(5, stream(columns), twin="k")])
    assert reasons(out) == [(5, reason, 1)]
    assert detail in out.rejects[0].detail
    assert len(out.frame) == 0


def test_a_missing_twin_without_a_key_is_bad_shape() -> None:
    payload = columnar_record(signal=["s", "s"], time_ms=[T_MS] * 2, value=[1, 2])
    out = ColumnarCodec().decode([RawRecord(1, payload)])
    assert reasons(out) == [(1, "bad_shape", 2)]


def test_bad_rows_alone_are_refused_counted_per_record_and_reason() -> None:
    payload = stream(
        {
            "twin": ["m1", None, "m1", "m1", "m1", "m1", "m1"],
            "signal": ["s", "s", "", "s", "s", "s", "s"],
            "time": [T_MS, T_MS, T_MS, -1, T_MS, T_MS, T_MS],
            "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            "text": [None, None, None, None, None, "both", None],
            "quality": pa.array([0, 0, 0, 0, 9, 0, None], pa.int8()),
        }
    )
    out = ColumnarCodec().decode([RawRecord(8, payload)])
    got = sorted(reasons(out))
    assert got == [(8, "bad_shape", 1), (8, "bad_time", 1), (8, "wrong_type", 3)]
    by_reason = {str(r.reason): r.detail for r in out.rejects}
    assert "row 1: 'twin' is null" in by_reason["bad_shape"]
    assert "row 3: 'time' is -1 ms" in by_reason["bad_time"]
    f = out.frame
    assert list(f.value) == [1.0, 7.0]
    assert list(f.quality) == [0, 0]  # a null quality is good


def test_a_non_finite_value_passes_to_the_pipeline_which_refuses_it() -> None:
    payload = columnar_record(twin="m", signal=["s"] * 2, time_ms=[T_MS] * 2, value=[np.inf, 1])
    f = ColumnarCodec().decode([RawRecord(0, payload)]).frame
    assert f.value[0] == np.inf and list(f.kind) == [Kind.NUMBER, Kind.NUMBER]


def test_the_content_type_picks_the_codec() -> None:
    arrow = columnar_record(twin="m1", signal=["a"], time_ms=[T_MS], value=[1.0])
    json = b'{"twin": "m2", "signal": "b", "time": %d, "value": 2}' % T_MS
    codec = ContentTypeCodec({ARROW_STREAM: ColumnarCodec()}, JsonCodec())
    out = codec.decode(
        [RawRecord(0, arrow, content_type=ARROW_STREAM), RawRecord(1, json),
         RawRecord(2, arrow)]  # no header: the default (JSON) refuses it
    )  # fmt: skip
    assert sorted(zip(out.frame.twin_names(), out.frame.value, strict=True)) == [
        ("m1", 1.0),
        ("m2", 2.0),
    ]
    assert [(r.position, r.reason) for r in out.rejects] == [(2, RejectReason.MALFORMED)]
