"""The Kafka source hands each record's ``content-type`` header to the codecs: columnar records
published by the simulator are decoded by the columnar codec, JSON ones by the JSON codec."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaProducer

from ingest.codecs import ARROW_STREAM, ColumnarCodec, ContentTypeCodec, JsonCodec, RawRecord
from ingest.sim import AssetKind, SimAsset, SimSettings, Simulator, publish_to_kafka
from ingest.sources import KafkaSource, KafkaSourceSettings
from ontology.history import DuckDBHistoryStore

pytestmark = pytest.mark.kafka
WAIT_S = 60.0  # a guard against hanging, not a timing assertion


async def fetch_all(bootstrap: str, topic: str, count: int) -> list[RawRecord]:
    history = DuckDBHistoryStore()
    source = KafkaSource(KafkaSourceSettings(bootstrap, topic, group=f"{topic}-g"), history)
    await source.start()
    records: list[RawRecord] = []
    try:
        async with asyncio.timeout(WAIT_S):
            while len(records) < count:
                batch = await source.fetch(1000, 0.2)
                if batch is not None:
                    records.extend(batch.records)
    finally:
        await source.stop()
        history.close()
    return records


async def test_the_content_type_header_selects_the_columnar_codec(
    kafka_bootstrap: str, kafka_topic: str
) -> None:
    assets = (SimAsset("machine/m1", AssetKind.PACKAGING), SimAsset("r1", AssetKind.ROTATING))
    quiet = SimSettings(
        seed=1, format="arrow", dropout_rate=0, duplicate_rate=0, late_rate=0,
        out_of_order_rate=0, impossible_rate=0,
    )  # fmt: skip
    arrow = Simulator(assets, quiet)
    sent = await publish_to_kafka(arrow, kafka_bootstrap, kafka_topic, ticks=3)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        json = b'{"signal": "speed", "time": 1767225600000, "value": 5}'
        await producer.send_and_wait(kafka_topic, json, key=b"machine/m1")
    finally:
        await producer.stop()
    records = await fetch_all(kafka_bootstrap, kafka_topic, sent + 1)
    assert [r.content_type for r in records] == [ARROW_STREAM] * sent + [None]
    codec = ContentTypeCodec({ARROW_STREAM: ColumnarCodec()}, JsonCodec())
    out = codec.decode(records)
    assert out.rejects == ()
    twins = set(out.frame.twin_names().tolist())
    assert twins == {"machine/m1", "r1"}
    assert len(out.frame) > sent  # several signals per columnar record, one in the JSON one
