"""Telemetry in: Kafka and MQTT (Sparkplug B) fused into twin state and history.

The vectorised worker is not built yet; this package holds only its exception base so far.
"""

from ingest._errors import IngestError

__all__ = ["IngestError"]
