"""Reading Sparkplug B payloads into metric columns (the stateless half of the codec)."""

from __future__ import annotations

import math

import pytest

from ingest.codecs import CodecLimits
from ingest.codecs.sparkplug import PayloadError, parse_payload
from ingest.codecs.sparkplug import sparkplug_b_pb2 as pb
from ingest.frame import Kind, RejectReason

SENT_MS = 1_767_225_600_000


def payload(*metrics: pb.Payload.Metric, seq: int | None = 3) -> bytes:
    message = pb.Payload(timestamp=SENT_MS, metrics=list(metrics))
    if seq is not None:
        message.seq = seq
    return message.SerializeToString()


def test_numbers_booleans_and_text_become_columns() -> None:
    read = parse_payload(
        payload(
            pb.Payload.Metric(name="speed", alias=1, datatype=10, double_value=1.5),
            pb.Payload.Metric(alias=2, datatype=11, boolean_value=True, timestamp=SENT_MS + 7),
            pb.Payload.Metric(name="mode", datatype=12, string_value="RUNNING"),
            pb.Payload.Metric(name="gone", datatype=9, is_null=True),
            pb.Payload.Metric(name="old", datatype=9, float_value=2.5, is_historical=True),
        ),
        CodecLimits(),
    )
    assert read.seq == 3
    assert read.timestamp == SENT_MS * 1000
    m = read.metrics
    assert m.name == ("speed", None, "mode", "gone", "old")
    assert list(m.alias) == [1, 2, -1, -1, -1]
    assert list(m.kind) == [Kind.NUMBER, Kind.BOOLEAN, Kind.TEXT, Kind.NULL, Kind.NUMBER]
    assert m.value[0] == 1.5 and m.value[1] == 1.0 and m.value[4] == 2.5
    assert math.isnan(m.value[2]) and math.isnan(m.value[3])
    assert list(m.text) == [None, None, "RUNNING", None, None]
    assert list(m.time) == [SENT_MS * 1000, (SENT_MS + 7) * 1000] + [SENT_MS * 1000] * 3
    assert list(m.historical) == [False, False, False, False, True]
    assert read.rejects == ()


@pytest.mark.parametrize(
    ("datatype", "field", "raw", "expected"),
    [
        (1, "int_value", 2**32 - 1, -1.0),  # Int8 -1, two's complement in a uint32
        (3, "int_value", 2**31, -(2.0**31)),
        (7, "int_value", 2**32 - 1, 2.0**32 - 1),  # UInt32
        (4, "long_value", 2**64 - 2, -2.0),  # Int64
        (8, "long_value", 2**40, 2.0**40),
        (13, "long_value", SENT_MS, float(SENT_MS)),  # DateTime: ms since the epoch
    ],
)
def test_integers_follow_their_datatype(
    datatype: int, field: str, raw: int, expected: float
) -> None:
    metric = pb.Payload.Metric(name="n", datatype=datatype)
    setattr(metric, field, raw)
    read = parse_payload(payload(metric), CodecLimits())
    assert list(read.metrics.value) == [expected]


def test_metrics_that_cannot_be_fused_are_refused_one_by_one() -> None:
    read = parse_payload(
        payload(
            pb.Payload.Metric(name="ok", datatype=10, double_value=1.0),
            pb.Payload.Metric(name="mismatch", datatype=10, string_value="x"),
            pb.Payload.Metric(name="blob", datatype=17, bytes_value=b"\x00"),
            pb.Payload.Metric(datatype=10, double_value=2.0),
            pb.Payload.Metric(name="empty", datatype=10),
            pb.Payload.Metric(name="x" * 300, datatype=10, double_value=2.0),
        ),
        CodecLimits(),
    )
    assert read.metrics.name == ("ok",)
    reasons = [(r.index, r.reason) for r in read.rejects]
    assert reasons == [
        (1, RejectReason.WRONG_TYPE),
        (2, RejectReason.WRONG_TYPE),
        (3, RejectReason.BAD_SHAPE),
        (4, RejectReason.BAD_SHAPE),
        (5, RejectReason.TOO_LARGE),
    ]


@pytest.mark.parametrize("cut", [1, 5, 11, 20])
def test_a_truncated_or_garbled_payload_is_malformed(cut: int) -> None:
    data = payload(pb.Payload.Metric(name="speed", alias=1, datatype=10, double_value=1.5))
    with pytest.raises(PayloadError) as caught:
        parse_payload(data[:-cut] + b"\xff", CodecLimits())
    assert caught.value.reason == RejectReason.MALFORMED


def test_payload_limits() -> None:
    data = payload(*[pb.Payload.Metric(name="s", datatype=10, double_value=1.0)] * 3)
    with pytest.raises(PayloadError, match="3 metrics"):
        parse_payload(data, CodecLimits(max_samples_per_record=2))
    with pytest.raises(PayloadError, match="bytes"):
        parse_payload(data, CodecLimits(max_record_bytes=10))


def test_a_payload_without_seq_or_timestamp() -> None:
    data = pb.Payload(metrics=[pb.Payload.Metric(name="s", datatype=10, double_value=1.0)])
    read = parse_payload(data.SerializeToString(), CodecLimits())
    assert read.seq is None and read.timestamp is None
    assert list(read.metrics.time) == [-1]
