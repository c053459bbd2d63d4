"""Sources of telemetry records: in-memory, file replay, Kafka (the contract: ``_source``)."""

from ingest.sources._memory import MemorySource
from ingest.sources._replay import ReplaySource
from ingest.sources._source import Source, SourceBatch

__all__ = ["MemorySource", "ReplaySource", "Source", "SourceBatch"]
