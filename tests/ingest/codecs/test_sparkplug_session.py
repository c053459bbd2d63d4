"""The Sparkplug B host side: births, aliases, seq, rebirth requests, deaths marking STALE."""

from __future__ import annotations

import math
import threading

import pytest

from ingest import IngestError
from ingest.codecs import RawRecord
from ingest.codecs.sparkplug import SparkplugCodec
from ingest.codecs.sparkplug import sparkplug_b_pb2 as pb
from ingest.frame import Kind, RejectReason
from ontology.history import Quality

MS = 1_767_225_600_000
Metric = pb.Payload.Metric


def message(*metrics: Metric, seq: int | None, at: int = MS) -> bytes:
    payload = pb.Payload(timestamp=at, metrics=list(metrics))
    if seq is not None:
        payload.seq = seq
    return payload.SerializeToString()


def bd(value: int) -> Metric:
    return Metric(name="bdSeq", datatype=8, long_value=value)


class Edge:
    """One edge node's messages, numbered as a source would."""

    def __init__(self) -> None:
        self.position = 0
        self.rebirths: list[tuple[str, str]] = []
        self.codec = SparkplugCodec(on_rebirth=lambda g, e: self.rebirths.append((g, e)))

    def send(self, kind: str, payload: bytes, device: str | None = None):  # type: ignore[no-untyped-def]
        topic = f"spBv1.0/JKT1/{kind}/PACKAGING-LINE1" + (f"/{device}" if device else "")
        self.position += 1
        return self.codec.decode([RawRecord(self.position, payload, topic=topic)])


def born(edge: Edge) -> None:
    edge.send(
        "NBIRTH",
        message(
            bd(4),
            Metric(name="Node Control/Rebirth", datatype=11, boolean_value=False),
            Metric(name="uptime", alias=1, datatype=10, double_value=5.0),
            seq=0,
        ),
    )
    edge.send(
        "DBIRTH",
        message(
            Metric(name="speed", alias=10, datatype=10, double_value=100.0),
            Metric(name="mode", alias=11, datatype=12, string_value="RUNNING"),
            seq=1,
        ),
        device="filler1",
    )


def test_births_give_samples_and_aliases_resolve_later_data() -> None:
    edge = Edge()
    born(edge)
    out = edge.send(
        "DDATA",
        message(Metric(alias=10, datatype=10, double_value=120.0, timestamp=MS + 5), seq=2),
        device="filler1",
    )
    f = out.frame
    assert out.rejects == ()
    assert list(f.twin_names()) == ["JKT1/PACKAGING-LINE1/filler1"]
    assert list(f.signal_names()) == ["speed"]
    assert list(f.value) == [120.0]
    assert list(f.time) == [(MS + 5) * 1000]
    assert edge.rebirths == []


def test_birth_values_are_samples_and_control_metrics_are_not() -> None:
    edge = Edge()
    edge.position = 0
    out = edge.send(
        "NBIRTH",
        message(bd(1), Metric(name="Node Control/Rebirth", datatype=11, boolean_value=False),
                Metric(name="uptime", alias=1, datatype=10, double_value=5.0), seq=0),
    )  # fmt: skip
    assert list(out.frame.signal_names()) == ["uptime"]
    assert list(out.frame.twin_names()) == ["JKT1/PACKAGING-LINE1"]


def test_a_seq_gap_asks_for_a_rebirth_but_keeps_the_data() -> None:
    edge = Edge()
    born(edge)
    out = edge.send(
        "DDATA", message(Metric(alias=10, datatype=10, double_value=1.0), seq=7), device="filler1"
    )
    assert len(out.frame) == 1
    assert edge.rebirths == [("JKT1", "PACKAGING-LINE1")]


def test_seq_wraps_at_256_without_a_rebirth() -> None:
    edge = Edge()
    born(edge)
    for seq in [*range(2, 256), 0, 1]:
        edge.send("NDATA", message(Metric(alias=1, datatype=10, double_value=1.0), seq=seq))
    assert edge.rebirths == []


def test_an_unknown_alias_or_data_before_a_birth_is_refused_and_asks_for_a_rebirth() -> None:
    edge = Edge()
    out = edge.send("NDATA", message(Metric(alias=1, datatype=10, double_value=1.0), seq=5))
    assert [(r.reason, r.count) for r in out.rejects] == [(RejectReason.UNKNOWN_SIGNAL, 1)]
    born(edge)
    out = edge.send("NDATA", message(Metric(alias=99, datatype=10, double_value=1.0), seq=2))
    assert [r.reason for r in out.rejects] == [RejectReason.UNKNOWN_SIGNAL]
    assert edge.rebirths == [("JKT1", "PACKAGING-LINE1")] * 2


def test_ndeath_of_the_session_marks_every_metric_stale() -> None:
    edge = Edge()
    born(edge)
    late = edge.send("NDEATH", message(bd(3), seq=None, at=MS + 50))  # an older session's death
    assert len(late.frame) == 0
    out = edge.send("NDEATH", message(bd(4), seq=None, at=MS + 60))
    f = out.frame
    assert sorted(zip(f.twin_names(), f.signal_names(), strict=True)) == [
        ("JKT1/PACKAGING-LINE1", "uptime"),
        ("JKT1/PACKAGING-LINE1/filler1", "mode"),
        ("JKT1/PACKAGING-LINE1/filler1", "speed"),
    ]
    assert set(f.quality.tolist()) == {Quality.STALE}
    assert set(f.kind.tolist()) == {Kind.NULL}
    assert all(math.isnan(v) for v in f.value)
    assert not edge.codec.session_known("JKT1", "PACKAGING-LINE1")


def test_ddeath_marks_only_that_device_stale() -> None:
    edge = Edge()
    born(edge)
    out = edge.send("DDEATH", message(seq=2, at=MS + 70), device="filler1")
    assert sorted(out.frame.signal_names()) == ["mode", "speed"]
    after = edge.send(
        "DDATA", message(Metric(alias=10, datatype=10, double_value=1.0), seq=3), device="filler1"
    )
    assert [r.reason for r in after.rejects] == [RejectReason.UNKNOWN_SIGNAL]


def test_bad_topics_and_payloads_are_refused_not_raised() -> None:
    codec = SparkplugCodec()
    out = codec.decode(
        [
            RawRecord(1, b"", topic="spBv1.0/JKT1/NBIRTH"),
            RawRecord(2, b"\xff\xff", topic="spBv1.0/JKT1/NBIRTH/E1"),
            RawRecord(3, b"", topic="spBv1.0/JKT1/NOPE/E1"),
            RawRecord(4, b"", topic="spBv1.0/JKT1/NCMD/E1"),
        ]
    )
    assert [(r.position, r.reason) for r in out.rejects] == [
        (1, RejectReason.BAD_SHAPE),
        (2, RejectReason.MALFORMED),
        (3, RejectReason.BAD_SHAPE),
    ]


def test_historical_metrics_are_marked_history_only() -> None:
    edge = Edge()
    born(edge)
    out = edge.send(
        "DDATA",
        message(
            Metric(alias=10, datatype=10, double_value=120.0, timestamp=MS + 5),
            Metric(alias=10, datatype=10, double_value=90.0, timestamp=MS - 5, is_historical=True),
            seq=2,
        ),
        device="filler1",
    )
    f = out.frame
    assert list(f.value) == [120.0, 90.0]
    assert f.historical is not None
    assert f.historical.tolist() == [False, True]


def data(edge: Edge, seq: int, value: float) -> None:
    out = edge.send(
        "DDATA",
        message(Metric(alias=10, datatype=10, double_value=value, timestamp=MS + seq), seq=seq),
        device="filler1",
    )
    assert out.frame.value.tolist() == [value]  # decoded on arrival, never held back


def test_a_seq_gap_filled_within_the_reorder_timeout_asks_no_rebirth() -> None:
    edge = Edge()
    edge.codec = SparkplugCodec(
        on_rebirth=lambda g, e: edge.rebirths.append((g, e)), reorder_timeout_s=3600
    )
    born(edge)  # seq 0 and 1
    data(edge, 4, 1.0)  # 2 and 3 are missing: the timer starts
    assert edge.codec.waiting("JKT1", "PACKAGING-LINE1") == {2, 3}
    data(edge, 3, 2.0)
    data(edge, 2, 3.0)
    assert edge.codec.waiting("JKT1", "PACKAGING-LINE1") == frozenset()
    data(edge, 5, 4.0)  # in order again
    assert edge.rebirths == []
    edge.codec.close()


def test_a_seq_gap_not_filled_asks_a_rebirth_when_the_timeout_ends() -> None:
    asked = threading.Event()
    edge = Edge()
    edge.codec = SparkplugCodec(on_rebirth=lambda g, e: asked.set(), reorder_timeout_s=0.05)
    born(edge)
    data(edge, 3, 1.0)  # 2 never comes
    assert asked.wait(30)
    assert edge.codec.rebirths_requested == 1
    assert edge.codec.waiting("JKT1", "PACKAGING-LINE1") == frozenset()


def test_a_new_birth_stops_the_reorder_timer() -> None:
    edge = Edge()
    edge.codec = SparkplugCodec(reorder_timeout_s=3600)
    born(edge)
    data(edge, 7, 1.0)
    assert edge.codec.waiting("JKT1", "PACKAGING-LINE1")
    born(edge)
    assert edge.codec.waiting("JKT1", "PACKAGING-LINE1") == frozenset()


def test_a_reorder_timeout_out_of_bounds_is_refused() -> None:
    with pytest.raises(IngestError, match=r"reorder_timeout_s=-1; expected 0 to 3600 seconds"):
        SparkplugCodec(reorder_timeout_s=-1)
