"""``KafkaSourceSettings``: a fetch takes big enough a slice of a partition, within limits."""

from __future__ import annotations

import orjson
import pytest

from ingest import IngestError
from ingest.codecs import JsonCodec
from ingest.pipeline import Fusion, Pipeline
from ingest.sources import KafkaSource, KafkaSourceSettings
from ingest.worker import BatchCommitter, BatchOutcome, Worker, WorkerSettings, WorkerStats
from ontology import GraphStore
from ontology.history import HistoryStore
from tests.ingest.conftest import T0_US
from tests.ingest.worker._kafka import produce, run_until


@pytest.mark.parametrize("size", [0, 1 << 15, (1 << 28) + 1])
def test_a_fetch_size_out_of_bounds_is_refused(size: int) -> None:
    with pytest.raises(IngestError, match="max_partition_fetch_bytes"):
        KafkaSourceSettings("127.0.0.1:9092", "t", max_partition_fetch_bytes=size)


@pytest.mark.kafka
async def test_one_batch_takes_more_than_a_mebibyte_of_records(
    kafka_bootstrap: str,
    kafka_topic: str,
    pipeline: Pipeline,
    plant_store: GraphStore,
    history: HistoryStore,
) -> None:
    """2,000 records of ~1.9 KB (3.7 MB): the client's default fetch (1 MiB) would split them."""
    ms = T0_US // 1000
    records = []
    for r in range(2000):
        times = list(range(ms + r * 100, ms + (r + 1) * 100))
        values = [float(t % 7) for t in times]
        columns = {"twin": "machine/m1", "signal": "faultCode", "time": times, "value": values}
        records.append(("machine/m1", orjson.dumps({"columns": columns})))
    assert sum(len(p) for _, p in records) > 3 << 20
    await produce(kafka_bootstrap, kafka_topic, records)
    source = KafkaSource(
        KafkaSourceSettings(kafka_bootstrap, kafka_topic, group=f"{kafka_topic}-g"), history
    )
    committer = BatchCommitter(
        fusion=Fusion(pipeline, plant_store),
        graph=plant_store,
        history=history,
        feed=None,
        codec=JsonCodec(),
        feed_name=source.feed,
        principal="tester",
    )
    sizes: list[int] = []

    def on_batch(outcome: BatchOutcome, stats: WorkerStats) -> None:
        sizes.append(outcome.records)

    worker = Worker(source, committer, WorkerSettings(max_records=5000), on_batch=on_batch)
    await run_until(worker, lambda: sum(sizes) >= 2000)
    assert max(sizes) > 1000, sizes
