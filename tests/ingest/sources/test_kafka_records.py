"""The Kafka source's records, read a column at a time (the client's records, every value
bytes) or one by one (a record without a value among them): the same records either way,
each with its offset, payload, key as twin (UTF-8 of 1 to 256 bytes, else none) and its
``content-type`` header."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from aiokafka import AIOKafkaProducer

from ingest.codecs import RawRecord
from tests.ingest.sources.test_kafka_content_type import fetch_all

pytestmark = pytest.mark.kafka

SENT: list[tuple[bytes | None, bytes, list[tuple[str, bytes]]]] = [
    (b"press-1", b'{"signal": "speed", "time": 1, "value": 1}', []),
    (None, b'{"twin": "t2", "signal": "speed", "time": 2, "value": 2}', []),
    (b"\xff\xfe", b"{}", []),  # not UTF-8: no default twin
    (b"k" * 257, b"{}", []),  # too long: no default twin
    (b"press-1", b"columns", [("content-type", b"application/vnd.apache.arrow.stream")]),
    (b"press-1", b"{}", [("trace", b"x"), ("content-type", b"\xff")]),  # not ASCII: none
    (b"press-\xc3\xa9", b"", []),  # an empty payload, a two-byte UTF-8 key
]
EXPECTED = [
    RawRecord(0, SENT[0][1], "press-1"),
    RawRecord(1, SENT[1][1], None),
    RawRecord(2, b"{}", None),
    RawRecord(3, b"{}", None),
    RawRecord(4, b"columns", "press-1", content_type="application/vnd.apache.arrow.stream"),
    RawRecord(5, b"{}", "press-1"),
    RawRecord(6, b"", "press-\u00e9"),
]


async def produce_and_fetch(
    bootstrap: str,
    topic: str,
    sent: Sequence[tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]],
) -> list[RawRecord]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for key, value, headers in sent:
            await producer.send(topic, value, key=key, headers=headers or None)
        await producer.flush()
    finally:
        await producer.stop()
    return await fetch_all(bootstrap, topic, len(sent))


async def test_records_read_by_column_keep_each_offset_payload_twin_and_content_type(
    kafka_bootstrap: str, kafka_topic: str
) -> None:
    got = await produce_and_fetch(kafka_bootstrap, kafka_topic, SENT)
    assert got == EXPECTED
    assert all(type(record) is RawRecord for record in got)


async def test_a_record_without_a_value_reads_the_others_the_same(
    kafka_bootstrap: str, kafka_topic: str
) -> None:
    # a tombstone (no value) among them: its payload is empty, the others as above
    sent = [*SENT, (b"press-2", None, [])]
    got = await produce_and_fetch(kafka_bootstrap, kafka_topic, sent)
    assert got == [*EXPECTED, RawRecord(7, b"", "press-2")]
