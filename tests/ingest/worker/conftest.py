"""The fault tests' private servers (see ``tests/ingest/_private.py``)."""

from tests.ingest._private import own_kafka, own_neo4j, own_questdb

__all__ = ["own_kafka", "own_neo4j", "own_questdb"]
