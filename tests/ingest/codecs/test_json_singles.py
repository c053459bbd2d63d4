"""A batch of one-number-sample records is parsed in one call; each record keeps its own
boundaries, so a bad record among them is refused alone, with its position and reason."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.codecs import CodecLimits, Decoded, JsonCodec, RawRecord, _json_singles
from ingest.codecs._json import SINGLES_CHUNK
from ingest.codecs._json_singles import MIN_RECORDS, decode_singles
from ingest.frame import FrameBuilder, RejectReason

T0 = 1_767_225_600_000


def singles(n: int, start: int = 0) -> list[RawRecord]:
    return [
        RawRecord(
            start + i,
            orjson.dumps({"signal": "pressure", "time": T0 + i, "value": 6.0 + i / 8}),
            twin=f"t{i % 3}",
        )
        for i in range(n)
    ]


def one_by_one(records: list[RawRecord]) -> list[tuple[Any, ...]]:
    """The per-record path's rows: each record decoded alone (too few for the batch path)."""
    rows: list[tuple[Any, ...]] = []
    for record in records:
        rows.extend(rows_of(JsonCodec().decode([record])))
    return rows


def rows_of(decoded: Decoded) -> list[tuple[Any, ...]]:
    f = decoded.frame
    return [
        (str(f.twins[t]), str(f.signals[s]), int(at), None if v != v else float(v), x, int(q), p)
        for t, s, at, v, x, q, p in zip(
            f.twin, f.signal, f.time, f.value, f.text, f.quality, f.position.tolist(), strict=True
        )
    ]


def test_a_batch_of_singles_takes_the_batch_path_and_gives_the_per_record_rows() -> None:
    records = singles(MIN_RECORDS + 5)
    builder = FrameBuilder()
    assert decode_singles(records, CodecLimits(), builder)
    assert rows_of(Decoded(builder.build(), ())) == one_by_one(records)
    decoded = JsonCodec().decode(records)
    assert decoded.rejects == ()
    assert rows_of(decoded) == one_by_one(records)


def test_records_that_only_parse_joined_are_each_refused_alone() -> None:
    """Two objects in one record, and one object split over two records: joined they make
    as many array elements as records, yet each of the three is malformed on its own."""
    good = singles(MIN_RECORDS, start=10)
    two = b'{"signal":"a","time":1,"value":1},\n{"signal":"a","time":2,"value":2}'
    head, tail = b'{"signal":"a"', b'"time":3,"value":3}'
    bad = [RawRecord(0, two, twin="x"), RawRecord(1, head, twin="x"), RawRecord(2, tail, twin="x")]
    records = [*bad, *good]
    assert not decode_singles(records, CodecLimits(), FrameBuilder())
    decoded = JsonCodec().decode(records)
    assert sorted((r.position, r.reason) for r in decoded.rejects) == [
        (0, RejectReason.MALFORMED),
        (1, RejectReason.MALFORMED),
        (2, RejectReason.MALFORMED),
    ]
    assert rows_of(decoded) == one_by_one(good)


def test_a_string_cannot_span_two_records() -> None:
    """An unterminated string in one record would swallow the next joined: a raw newline
    separates them, which no JSON string may hold."""
    good = singles(MIN_RECORDS)
    left = RawRecord(100, b'{"signal":"a}', twin="x")
    right = RawRecord(101, b'{","time":1,"value":1}', twin="x")
    records = [*good[:5], left, right, *good[5:]]
    decoded = JsonCodec().decode(records)
    assert {r.position for r in decoded.rejects} == {100, 101}
    assert rows_of(decoded) == one_by_one(good)


def test_a_nested_value_is_not_a_single_sample() -> None:
    records = singles(MIN_RECORDS)
    records[3] = RawRecord(3, b'{"signal":"s","time":1,"value":{"x":1}}', twin="x")
    assert not decode_singles(records, CodecLimits(), FrameBuilder())
    decoded = JsonCodec().decode(records)
    assert [(r.position, r.reason) for r in decoded.rejects] == [(3, RejectReason.WRONG_TYPE)]
    assert len(decoded.frame) == MIN_RECORDS - 1


def test_limits_hold_on_the_batch_path() -> None:
    records = singles(MIN_RECORDS)
    limits = CodecLimits(max_name_length=4)  # "pressure" is longer
    assert not decode_singles(records, limits, FrameBuilder())
    decoded = JsonCodec(limits).decode(records)
    assert {r.reason for r in decoded.rejects} == {RejectReason.TOO_LARGE}
    assert sum(r.count for r in decoded.rejects) == MIN_RECORDS


scalars = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(2**63), 2**64 - 1),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
)
docs = st.fixed_dictionaries(
    {"signal": st.sampled_from(["s", "", "p" * 300])},
    optional={
        "twin": st.sampled_from(["a", "b"]),
        "time": st.one_of(st.integers(-5, 2**45), scalars),
        "value": scalars,
        "quality": st.one_of(st.integers(-1, 4), scalars),
        "extra": scalars,
    },
)
good = st.fixed_dictionaries(
    {
        "signal": st.sampled_from(["s", "p"]),
        "time": st.integers(0, 2**45),
        "value": st.one_of(st.floats(allow_nan=False), st.integers(-(2**63), 2**64 - 1)),
    },
    optional={"twin": st.sampled_from(["a", "b"]), "quality": st.integers(0, 3)},
).map(orjson.dumps)
payloads = st.one_of(
    docs.map(orjson.dumps),
    docs.map(orjson.dumps).map(lambda b: b[: len(b) // 2]),
    st.sampled_from([b"", b"{}", b"[]", b"{,\n}", b'{"a":1},\n{"b":2}']),
)


@settings(max_examples=120, deadline=None)
@given(
    st.one_of(
        st.lists(good, min_size=MIN_RECORDS, max_size=MIN_RECORDS + 8),
        st.lists(st.one_of(good, payloads), min_size=MIN_RECORDS, max_size=MIN_RECORDS + 8),
    )
)
def test_the_batch_path_agrees_with_each_record_alone(batch: list[bytes]) -> None:
    records = [RawRecord(i, p, twin="k") for i, p in enumerate(batch)]
    decoded = JsonCodec().decode(records)
    alone = [JsonCodec().decode([r]) for r in records]
    assert rows_of(decoded) == [row for d in alone for row in rows_of(d)]
    assert sorted((r.position, r.reason, r.count) for r in decoded.rejects) == sorted(
        (r.position, r.reason, r.count) for d in alone for r in d.rejects
    )
    assert np.array_equal(decoded.frame.kind, np.concatenate([d.frame.kind for d in alone]))


def test_a_big_batch_is_parsed_in_chunks_and_a_bad_record_costs_only_its_own_chunk() -> None:
    records = singles(SINGLES_CHUNK + 40)
    bad = SINGLES_CHUNK + 7
    records[bad] = RawRecord(bad, b'{"signal":"s","time":1,"value":', twin="x")
    decoded = JsonCodec().decode(records)
    assert [(r.position, r.reason) for r in decoded.rejects] == [(bad, RejectReason.MALFORMED)]
    assert rows_of(decoded) == one_by_one(records[:bad] + records[bad + 1 :])


SHAPES = [
    {"signal": "s", "value": 1.5},
    {"twin": "a", "signal": "s", "value": 2},
    {"signal": "s", "value": -0.5, "quality": 2},
    {"twin": "b", "signal": "p", "value": 7.0, "quality": 1},
]


def test_records_of_one_shape_take_the_batch_path_with_the_records_own_defaults() -> None:
    """Every record with the same keys (the usual batch): the columns are taken whole; a
    key none of them has is the record's default (its twin) or the sample's (quality 0)."""
    for shape in SHAPES:
        records = [
            RawRecord(i, orjson.dumps({**shape, "time": T0 + i}), twin=f"k{i % 4}")
            for i in range(MIN_RECORDS + 3)
        ]
        builder = FrameBuilder()
        assert decode_singles(records, CodecLimits(), builder), shape
        assert rows_of(Decoded(builder.build(), ())) == one_by_one(records), shape


def test_records_of_one_shape_without_a_value_are_each_refused() -> None:
    records = [
        RawRecord(i, orjson.dumps({"signal": "s", "time": T0 + i}), twin="k")
        for i in range(MIN_RECORDS)
    ]
    assert not decode_singles(records, CodecLimits(), FrameBuilder())
    decoded = JsonCodec().decode(records)
    assert [(r.position, r.reason) for r in decoded.rejects] == [
        (i, RejectReason.BAD_SHAPE) for i in range(MIN_RECORDS)
    ]
    assert len(decoded.frame) == 0


def test_a_payload_not_from_brace_to_brace_leaves_the_batch_path() -> None:
    """The first and last byte of each payload are read at their places in the joined
    buffer: an empty record is refused alone, by its position; one with spaces around its
    object is valid JSON and decoded like the others."""
    good = singles(MIN_RECORDS)
    empty = RawRecord(100, b"", twin="x")
    spaced = RawRecord(101, b' {"signal":"a","time":5,"value":1.0} ', twin="x")
    for odd in (empty, spaced):
        for at in (0, 7, len(good)):
            records = [*good[:at], odd, *good[at:]]
            assert not decode_singles(records, CodecLimits(), FrameBuilder())
            decoded = JsonCodec().decode(records)
            assert rows_of(decoded) == one_by_one(records)
            want = [(100, RejectReason.MALFORMED)] if odd is empty else []
            assert [(r.position, r.reason) for r in decoded.rejects] == want


def test_a_record_over_the_byte_limit_leaves_the_batch_path_and_is_refused_alone() -> None:
    records = singles(MIN_RECORDS)
    limit = max(len(r.payload) for r in records)
    big = RawRecord(50, b'{"signal":"s","time":1,"value":1.0' + b" " * limit + b"}", twin="x")
    records.insert(3, big)
    limits = CodecLimits(max_record_bytes=limit)
    assert not decode_singles(records, limits, FrameBuilder())
    decoded = JsonCodec(limits).decode(records)
    assert [(r.position, r.reason) for r in decoded.rejects] == [(50, RejectReason.TOO_LARGE)]
    assert rows_of(decoded) == one_by_one(records[:3] + records[4:])


def test_a_batch_whose_first_record_is_not_one_sample_is_not_parsed_joined(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Records of columns (100 samples each): the batch path looks at the first record alone
    and leaves, rather than parse the whole batch joined and then each record again."""
    columns = [
        RawRecord(
            i,
            orjson.dumps(
                {"columns": {"signal": ["s", "p"], "time": [T0, T0 + 1], "value": [1, 2]}}
            ),
            twin="m1",
        )
        for i in range(MIN_RECORDS + 5)
    ]
    parsed: list[int] = []

    def loads(data: bytes) -> Any:
        parsed.append(len(data))
        return orjson.loads(data)

    spy = SimpleNamespace(loads=loads, JSONDecodeError=orjson.JSONDecodeError)
    monkeypatch.setattr(_json_singles, "orjson", spy)
    assert not decode_singles(columns, CodecLimits(), FrameBuilder())
    assert parsed == [len(columns[0].payload)]
    monkeypatch.undo()
    decoded = JsonCodec().decode(columns)
    assert decoded.rejects == ()
    assert rows_of(decoded) == one_by_one(columns)
