"""``kafka://HOST:PORT/TOPIC``: how the CLI names a Kafka topic (sources, change feeds)."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["KafkaUrlError", "kafka_address"]


class KafkaUrlError(ValueError):
    """A Kafka URL that is not ``kafka://HOST:PORT/TOPIC``; the message names where it came from."""


def kafka_address(spec: str, where: str) -> tuple[str, str]:
    """``(bootstrap, topic)`` of ``spec``; ``where`` names the option or variable it came from."""
    parts = urlsplit(spec)
    topic = parts.path.strip("/")
    if parts.scheme != "kafka" or not parts.netloc or not topic or "/" in topic:
        msg = f"{where} {spec!r}; expected kafka://HOST:PORT/TOPIC"
        raise KafkaUrlError(msg)
    return parts.netloc, topic
