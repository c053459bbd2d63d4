"""Sparkplug B 3.0: the payload schema (``sparkplug_b.proto``, compiled) and its reading."""

from ingest.codecs.sparkplug._payload import (
    NO_ALIAS,
    NO_TIME,
    MetricReject,
    Metrics,
    Payload,
    PayloadError,
    parse_payload,
)
from ingest.codecs.sparkplug._session import SparkplugCodec

__all__ = [
    "NO_ALIAS",
    "NO_TIME",
    "MetricReject",
    "Metrics",
    "Payload",
    "PayloadError",
    "SparkplugCodec",
    "parse_payload",
]
