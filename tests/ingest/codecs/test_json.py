"""The JSON codec: every record shape, size limits, and a reason for each refusal."""

from __future__ import annotations

import math
from typing import Any

import orjson
import pytest

from ingest import IngestError
from ingest.codecs import CodecLimits, JsonCodec, RawRecord
from ingest.frame import Kind, RejectReason

T_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def record(document: Any, position: int = 0, **defaults: str) -> RawRecord:
    return RawRecord(position, orjson.dumps(document), **defaults)


def test_one_sample_per_record() -> None:
    out = JsonCodec().decode(
        [record({"twin": "m1", "signal": "speed", "time": T_MS, "value": 1.5}, position=42)]
    )
    f = out.frame
    assert out.rejects == ()
    assert list(f.twin_names()) == ["m1"]
    assert list(f.signal_names()) == ["speed"]
    assert list(f.time) == [T_MS * 1000]
    assert list(f.value) == [1.5]
    assert list(f.position) == [42]


def test_a_batch_gives_defaults_to_its_samples() -> None:
    doc = {
        "twin": "m1",
        "time": "2026-01-01T00:00:00Z",
        "quality": 1,
        "samples": [
            {"signal": "mode", "value": "RUNNING"},
            {"signal": "on", "value": True},
            {"signal": "speed", "value": 3, "twin": "m2", "time": T_MS + 5, "quality": 0},
            {"signal": "gone", "value": None},
        ],
    }
    f = JsonCodec().decode([record(doc)]).frame
    assert list(f.twin_names()) == ["m1", "m1", "m2", "m1"]
    assert list(f.kind) == [Kind.TEXT, Kind.BOOLEAN, Kind.NUMBER, Kind.NULL]
    assert list(f.text) == ["RUNNING", None, None, None]
    assert f.value[1] == 1.0 and f.value[2] == 3.0 and math.isnan(f.value[3])
    assert list(f.time) == [T_MS * 1000, T_MS * 1000, (T_MS + 5) * 1000, T_MS * 1000]
    assert list(f.quality) == [1, 1, 0, 1]


def test_an_array_of_samples_and_the_record_defaults() -> None:
    doc = [{"signal": "a", "time": T_MS, "value": 1}, {"time": T_MS, "value": 2}]
    f = JsonCodec().decode([record(doc, twin="k1", signal="dflt")]).frame
    assert list(f.twin_names()) == ["k1", "k1"]
    assert list(f.signal_names()) == ["a", "dflt"]


def test_signals_of_one_twin_at_one_time() -> None:
    doc = {"twin": "m1", "time": T_MS, "signals": {"speed": 2.5, "mode": "IDLE"}}
    f = JsonCodec().decode([record(doc)]).frame
    assert list(f.signal_names()) == ["speed", "mode"]
    assert list(f.text) == [None, "IDLE"]


def test_columns_decode_at_once() -> None:
    doc = {
        "columns": {
            "twin": "m1",
            "signal": ["a", "b", "a"],
            "time": [1, 2, 3],
            "value": [1, 2.5, 3],
        }
    }
    f = JsonCodec().decode([record(doc, position=9)]).frame
    assert list(f.signal_names()) == ["a", "b", "a"]
    assert list(f.time) == [1000, 2000, 3000]
    assert list(f.value) == [1.0, 2.5, 3.0]
    assert list(f.position) == [9, 9, 9]


def test_columns_with_mixed_values_keep_the_good_rows_and_refuse_the_bad() -> None:
    doc = {
        "columns": {
            "twin": "m1",
            "signal": ["a", "b", "c", ""],
            "time": [1, "2026-01-01T00:00:00+00:00", 3, 4],
            "value": [1, "RUN", [1], 2],
        }
    }
    out = JsonCodec().decode([record(doc)])
    assert list(out.frame.signal_names()) == ["a", "b"]
    assert sorted(r.reason for r in out.rejects) == [RejectReason.WRONG_TYPE] * 2


def test_fast_and_general_records_interleave_in_order() -> None:
    """Numeric columns and one-number records take short paths; the others the general one:
    the frame keeps the records' order and each sample's kind, quality and position."""
    docs: list[Any] = [
        {"columns": {"twin": "m1", "signal": ["a"] * 2, "time": [1, 2], "value": [1, 2.5]}},
        {"twin": "m2", "signal": "b", "time": 3, "value": True},  # a boolean: general path
        {"twin": "m2", "signal": "b", "time": 4, "value": 7, "quality": 2},
        {
            "columns": {
                "twin": "m3",
                "signal": ["c", "d"],
                "time": 5,
                "value": [1, False],
                "quality": [1, 1],
            }
        },
        {"twin": "m2", "signal": "b", "time": 6, "value": [1]},  # refused: not a value
        {"columns": {"twin": "m4", "signal": ["e"], "time": [7], "value": [3], "quality": 1}},
    ]
    out = JsonCodec().decode([record(doc, position=i) for i, doc in enumerate(docs)])
    f = out.frame
    assert list(f.twin_names()) == ["m1", "m1", "m2", "m2", "m3", "m3", "m4"]
    assert list(f.time) == [1000, 2000, 3000, 4000, 5000, 5000, 7000]
    number, boolean = Kind.NUMBER, Kind.BOOLEAN
    assert list(f.kind) == [number, number, boolean, number, number, boolean, number]
    assert list(f.quality) == [0, 0, 0, 2, 1, 1, 1]
    assert list(f.position) == [0, 0, 1, 2, 3, 3, 5]
    assert [(r.position, r.reason) for r in out.rejects] == [(4, RejectReason.WRONG_TYPE)]


def test_columns_of_different_lengths_are_refused_whole() -> None:
    doc = {"columns": {"twin": "m1", "signal": ["a"], "time": [1, 2], "value": [1, 2]}}
    out = JsonCodec().decode([record(doc)])
    assert len(out.frame) == 0
    (reject,) = out.rejects
    assert reject.reason == RejectReason.BAD_SHAPE
    assert reject.count == 2
    assert "'signal'" in reject.detail


@pytest.mark.parametrize(
    ("payload", "reason", "detail"),
    [
        (b"{not json", RejectReason.MALFORMED, "not JSON"),
        (b'{"twin": "m1", "signal": "s", "time": 1, "va', RejectReason.MALFORMED, "not JSON"),
        (b"42", RejectReason.BAD_SHAPE, "expected an object"),
        (b'{"twin": "m1", "signal": "s", "time": 1}', RejectReason.BAD_SHAPE, "'value'"),
        (b'{"signal": "s", "time": 1, "value": 1}', RejectReason.BAD_SHAPE, "'twin' is missing"),
        (b'{"twin": 5, "signal": "s", "time": 1, "value": 1}', RejectReason.WRONG_TYPE, "'twin'"),
        (b'{"twin": "m", "signal": "s", "value": 1}', RejectReason.BAD_SHAPE, "'time'"),
        (
            b'{"twin": "m", "signal": "s", "time": "noon", "value": 1}',
            RejectReason.BAD_TIME,
            "noon",
        ),
        (
            b'{"twin": "m", "signal": "s", "time": "2026-01-01T00:00:00", "value": 1}',
            RejectReason.BAD_TIME,
            "zone",
        ),
        (b'{"twin": "m", "signal": "s", "time": -5, "value": 1}', RejectReason.BAD_TIME, "-5"),
        (b'{"twin": "m", "signal": "s", "time": true, "value": 1}', RejectReason.BAD_TIME, "True"),
        (
            b'{"twin": "m", "signal": "s", "time": 1, "value": {"a": 1}}',
            RejectReason.WRONG_TYPE,
            "dict",
        ),
        (
            b'{"twin": "m", "signal": "s", "time": 1, "value": 1, "quality": 9}',
            RejectReason.WRONG_TYPE,
            "quality",
        ),
        (
            b'{"twin": "m", "signal": "s", "time": 1, "value": 1e999}',
            RejectReason.MALFORMED,
            "JSON",
        ),
        (b'{"twin": "m", "samples": 5}', RejectReason.BAD_SHAPE, "'samples'"),
        (b'{"twin": "m", "time": 1, "signals": []}', RejectReason.BAD_SHAPE, "'signals'"),
        (b"[" * 5000 + b"]" * 5000, RejectReason.MALFORMED, "JSON"),
    ],
)
def test_a_bad_record_is_refused_with_its_reason(
    payload: bytes, reason: RejectReason, detail: str
) -> None:
    out = JsonCodec().decode([RawRecord(3, payload)])
    assert len(out.frame) == 0
    (reject,) = out.rejects
    assert reject.reason == reason
    assert reject.position == 3
    assert detail in reject.detail


def test_size_limits_refuse_with_too_large() -> None:
    codec = JsonCodec(
        CodecLimits(
            max_record_bytes=200, max_samples_per_record=2, max_name_length=4, max_text_length=3
        )
    )
    sample = {"twin": "m", "signal": "s", "time": 1}
    records = [
        RawRecord(0, b" " * 201),
        record([{**sample, "value": i} for i in range(3)], 1),
        record({**sample, "twin": "toolong", "value": 1}, 2),
        record({**sample, "value": "long text"}, 3),
        record({**sample, "value": "ok"}, 4),
    ]
    out = JsonCodec(codec.limits).decode(records)
    assert [r.position for r in out.rejects] == [0, 1, 2, 3]
    assert {r.reason for r in out.rejects} == {RejectReason.TOO_LARGE}
    assert out.rejects[1].count == 3
    assert list(out.frame.text) == ["ok"]


def test_limits_must_be_positive() -> None:
    with pytest.raises(IngestError, match="max_record_bytes"):
        CodecLimits(max_record_bytes=0)


def test_a_huge_integer_value_is_refused_not_raised() -> None:
    payload = b'{"twin": "m", "signal": "s", "time": 1, "value": ' + b"9" * 400 + b"}"
    out = JsonCodec().decode([RawRecord(0, payload)])
    assert len(out.frame) == 0
    assert len(out.rejects) == 1


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        (b'{"twin": "m1", "value": 3,}', "trailing comma is not allowed at column 26;"),
        (b'{"twin": "m1",\n "value": }', "at line 2, column 11 of the record;"),
    ],
)
def test_a_record_that_is_not_json_is_told_where_and_what_a_record_is(
    payload: bytes, where: str
) -> None:
    """The parser's place is the record's own (not "line 1" of a replay file's line 7),
    and the detail says what a record is."""
    (reject,) = JsonCodec().decode([RawRecord(7, payload)]).rejects
    assert reject.reason == RejectReason.MALFORMED
    assert where in reject.detail
    assert "expected a JSON object" in reject.detail
    assert "line 1 column" not in reject.detail
