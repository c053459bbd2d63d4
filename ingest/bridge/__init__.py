"""The MQTT-to-Kafka bridge: MQTT/Sparkplug B messages resolved to twins, republished to
Kafka keyed by twin, acknowledged on MQTT only after Kafka acknowledged them."""

from ingest.bridge._bridge import Bridge, BridgeSettings, BridgeStats
from ingest.bridge._records import finite_only, keyed_records

__all__ = ["Bridge", "BridgeSettings", "BridgeStats", "finite_only", "keyed_records"]
