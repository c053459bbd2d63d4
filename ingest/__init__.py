"""Telemetry in: Kafka and MQTT (Sparkplug B) fused into twin state and history.

The parts live in sub-packages, each with its own public surface: ``ingest.frame``,
``ingest.codecs``, ``ingest.pipeline``, ``ingest.sources``, ``ingest.worker`` and
``ingest.sim``. This module holds the package's exception base.
"""

from ingest._errors import IngestError

__all__ = ["IngestError"]
