"""Sources of telemetry records: in-memory, file replay, Kafka (the contract: ``_source``)."""

from ingest.sources._kafka import KafkaSource, KafkaSourceSettings
from ingest.sources._memory import MemorySource
from ingest.sources._mqtt import MqttSource, MqttSourceSettings
from ingest.sources._replay import ReplaySource
from ingest.sources._source import Source, SourceBatch

__all__ = [
    "KafkaSource",
    "KafkaSourceSettings",
    "MemorySource",
    "MqttSource",
    "MqttSourceSettings",
    "ReplaySource",
    "Source",
    "SourceBatch",
]
