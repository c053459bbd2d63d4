"""``KafkaSourceSettings``: a fetch takes big enough a slice of a partition, within limits."""

from __future__ import annotations

import orjson
import pytest

from ingest import IngestError
from ingest.pipeline import Pipeline
from ingest.sources import KafkaSourceSettings
from ingest.worker import WorkerSettings
from ontology import GraphStore
from ontology.history import HistoryStore
from tests.ingest.conftest import T0_US
from tests.ingest.worker._kafka import produce, run_until
from tests.ingest.worker.test_kafka import drained
from tests.ingest.worker.test_kafka import worker as kafka_worker
from tests.ingest.worker.test_worker import END, START


@pytest.mark.parametrize("size", [0, 1 << 15, (1 << 30) + 1])
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
    worker = kafka_worker(kafka_bootstrap, kafka_topic, pipeline, plant_store, history)
    worker.settings = WorkerSettings(max_records=5000, fetch_timeout_s=0.1)
    await run_until(worker, lambda: drained(worker, 2000 * 100))
    sizes = [
        (p.last_offset or 0) - (p.first_offset or 0) + 1
        for batch in history.batches(START, END).items
        for p in batch.sources
    ]
    assert sum(sizes) == 2000
    assert max(sizes) > 1000, sizes
