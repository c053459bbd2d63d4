"""The fault tests' private servers (see ``tests/ingest/_private.py``)."""

from tests.ingest._private import own_kafka

__all__ = ["own_kafka"]
