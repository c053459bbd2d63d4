"""A Sparkplug B payload (protobuf, compiled from ``sparkplug_b.proto``) -> metric columns.

This is the stateless half of Sparkplug decoding: it reads one payload's
``seq``, timestamp and metrics. Which twin a metric belongs to and what its
alias means depend on the edge node's session (births, deaths); see the
session module. Values become columns: numbers and booleans in ``value``,
strings in ``text``; types this ingest does not fuse (DataSet, Template,
Bytes, File, arrays) are refused per metric with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from google.protobuf.message import DecodeError

from ingest._errors import IngestError
from ingest.codecs._record import CodecLimits
from ingest.codecs.sparkplug import sparkplug_b_pb2 as pb
from ingest.frame import Kind, RejectReason

INT32_TYPES = frozenset({1, 2, 3})  # Int8, Int16, Int32: two's complement in a uint32
UINT32_TYPES = frozenset({5, 6, 7})
INT64, UINT64, FLOAT, DOUBLE, BOOLEAN, STRING, DATETIME, TEXT, UUID = (
    4,
    8,
    9,
    10,
    11,
    12,
    13,
    14,
    15,
)
TEXT_TYPES = frozenset({STRING, TEXT, UUID})
NO_ALIAS = -1
NO_TIME = -1
MAX_ALIAS = 2**63 - 1
MAX_TIME_US = 10**17
_SIGN32, _SIGN64 = 2**31, 2**63


class PayloadError(IngestError):
    """Internal: the payload is refused whole (malformed or too large)."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class MetricReject:
    index: int
    """The metric's place in the payload."""
    reason: RejectReason
    detail: str


@dataclass(frozen=True, slots=True)
class Metrics:
    """One payload's readable metrics as columns (row ``i`` is ``index[i]`` in the payload)."""

    index: npt.NDArray[np.int32]
    name: tuple[str | None, ...]
    alias: npt.NDArray[np.int64]
    """``NO_ALIAS`` where the metric has none."""
    time: npt.NDArray[np.int64]
    """Microseconds since the epoch: the metric's timestamp, else the payload's; ``NO_TIME``."""
    value: npt.NDArray[np.float64]
    kind: npt.NDArray[np.uint8]
    text: npt.NDArray[np.object_]
    historical: npt.NDArray[np.bool_]
    datatype: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return int(self.index.shape[0])


@dataclass(frozen=True, slots=True)
class Payload:
    seq: int | None
    timestamp: int | None
    """Microseconds since the epoch, when the payload was sent."""
    metrics: Metrics
    rejects: tuple[MetricReject, ...]


def parse_payload(data: bytes, limits: CodecLimits) -> Payload:
    """Read one Sparkplug B payload; raises ``PayloadError`` when it cannot be read at all."""
    if len(data) > limits.max_record_bytes:
        msg = f"payload of {len(data)} bytes; expected at most {limits.max_record_bytes} bytes"
        raise PayloadError(RejectReason.TOO_LARGE, msg)
    message = pb.Payload()
    try:
        message.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as error:
        msg = f"payload is not a Sparkplug B protobuf message: {error}"
        raise PayloadError(RejectReason.MALFORMED, msg) from None
    metrics = message.metrics
    if len(metrics) > limits.max_samples_per_record:
        most = limits.max_samples_per_record
        msg = f"payload holds {len(metrics)} metrics; expected at most {most}"
        raise PayloadError(RejectReason.TOO_LARGE, msg)
    sent = message.timestamp * 1000 if message.HasField("timestamp") else None
    if sent is not None and sent > MAX_TIME_US:
        sent = None
    columns = _Columns(limits, sent)
    for i, metric in enumerate(metrics):
        columns.add(i, metric)
    return Payload(
        seq=message.seq if message.HasField("seq") else None,
        timestamp=sent,
        metrics=columns.build(),
        rejects=tuple(columns.rejects),
    )


class _Columns:
    """Collects metric rows; refused metrics go to ``rejects``."""

    def __init__(self, limits: CodecLimits, sent: int | None) -> None:
        self.limits = limits
        self.sent = NO_TIME if sent is None else sent
        self.index: list[int] = []
        self.name: list[str | None] = []
        self.alias: list[int] = []
        self.time: list[int] = []
        self.value: list[float] = []
        self.kind: list[int] = []
        self.text: list[str | None] = []
        self.historical: list[bool] = []
        self.datatype: list[int] = []
        self.rejects: list[MetricReject] = []

    def add(self, i: int, metric: pb.Payload.Metric) -> None:
        problem = self.metric(i, metric)
        if problem is not None:
            self.rejects.append(MetricReject(i, *problem))

    def build(self) -> Metrics:
        text = np.empty(len(self.text), dtype=object)
        text[:] = self.text
        return Metrics(
            index=np.asarray(self.index, dtype=np.int32),
            name=tuple(self.name),
            alias=np.asarray(self.alias, dtype=np.int64),
            time=np.asarray(self.time, dtype=np.int64),
            value=np.asarray(self.value, dtype=np.float64),
            kind=np.asarray(self.kind, dtype=np.uint8),
            text=text,
            historical=np.asarray(self.historical, dtype=np.bool_),
            datatype=np.asarray(self.datatype, dtype=np.uint8),
        )

    def metric(self, i: int, metric: pb.Payload.Metric) -> tuple[RejectReason, str] | None:
        name = metric.name if metric.HasField("name") else None
        limit = self.limits.max_name_length
        if name is not None and (not name or len(name) > limit):
            return (
                RejectReason.TOO_LARGE,
                f"metric name of {len(name)} characters; expected 1..{limit}",
            )
        alias = metric.alias if metric.HasField("alias") else NO_ALIAS
        if alias > MAX_ALIAS:
            return RejectReason.WRONG_TYPE, f"metric alias {alias}; expected at most 2**63-1"
        if name is None and alias == NO_ALIAS:
            return RejectReason.BAD_SHAPE, "metric has neither a name nor an alias"
        at = metric.timestamp * 1000 if metric.HasField("timestamp") else self.sent
        if at > MAX_TIME_US:
            ms = metric.timestamp
            return RejectReason.BAD_TIME, f"metric timestamp {ms} ms; expected a plausible time"
        datatype = metric.datatype
        read = metric_value(metric, datatype, self.limits)
        if isinstance(read, tuple) and len(read) == 2:
            return read
        value, kind, text = read
        self.index.append(i)
        self.name.append(name)
        self.alias.append(alias)
        self.time.append(at)
        self.value.append(value)
        self.kind.append(kind)
        self.text.append(text)
        self.historical.append(metric.is_historical)
        self.datatype.append(datatype if datatype < 256 else 0)
        return None


ValueRead = tuple[float, Kind, str | None] | tuple[RejectReason, str]


def metric_value(metric: pb.Payload.Metric, datatype: int, limits: CodecLimits) -> ValueRead:
    """``(value, kind, text)`` of a metric, or ``(reason, detail)`` when it cannot be fused."""
    if metric.is_null:
        return float("nan"), Kind.NULL, None
    field = metric.WhichOneof("value")
    if field is None:
        return RejectReason.BAD_SHAPE, f"metric of datatype {datatype} has no value and is not null"
    if datatype in INT32_TYPES and field == "int_value":
        raw = metric.int_value
        return float(raw - 2 * _SIGN32 if raw >= _SIGN32 else raw), Kind.NUMBER, None
    if datatype in UINT32_TYPES and field == "int_value":
        return float(metric.int_value), Kind.NUMBER, None
    if datatype in (INT64, DATETIME) and field == "long_value":
        raw = metric.long_value
        return float(raw - 2 * _SIGN64 if raw >= _SIGN64 else raw), Kind.NUMBER, None
    if datatype == UINT64 and field == "long_value":
        return float(metric.long_value), Kind.NUMBER, None
    if datatype == FLOAT and field == "float_value":
        return float(metric.float_value), Kind.NUMBER, None
    if datatype == DOUBLE and field == "double_value":
        return metric.double_value, Kind.NUMBER, None
    if datatype == BOOLEAN and field == "boolean_value":
        return (1.0 if metric.boolean_value else 0.0), Kind.BOOLEAN, None
    if datatype in TEXT_TYPES and field == "string_value":
        text = metric.string_value
        if len(text) > limits.max_text_length:
            return (
                RejectReason.TOO_LARGE,
                f"text of {len(text)} characters; expected at most {limits.max_text_length}",
            )
        return float("nan"), Kind.TEXT, text
    return (
        RejectReason.WRONG_TYPE,
        f"metric of datatype {datatype} carries {field}; expected a number, boolean or "
        "string datatype with its matching value field",
    )
