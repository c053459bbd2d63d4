"""Sources of telemetry records: in-memory, file replay, Kafka (a group member, or the log
read once for a rebuild), MQTT (the contract: ``_source``)."""

from ingest.sources._kafka import KafkaSource, KafkaSourceSettings
from ingest.sources._kafka_log import KafkaLogSource
from ingest.sources._kafka_start import start_kafka
from ingest.sources._memory import MemorySource
from ingest.sources._mqtt import MqttSource, MqttSourceSettings
from ingest.sources._replay import ReplaySource
from ingest.sources._source import (
    BackloggedSource,
    HandedOverSource,
    Source,
    SourceBatch,
    SourceUnavailableError,
)

__all__ = [
    "BackloggedSource",
    "HandedOverSource",
    "KafkaLogSource",
    "KafkaSource",
    "KafkaSourceSettings",
    "MemorySource",
    "MqttSource",
    "MqttSourceSettings",
    "ReplaySource",
    "Source",
    "SourceBatch",
    "SourceUnavailableError",
    "start_kafka",
]
