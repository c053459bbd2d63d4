"""A batch's twins are read from the graph store while the batch is decoded, not after it.

The record keys name the default twin of their samples; the committer has the
fusion resolve them and read their stored state in a thread of its own while the
codec decodes (``ingest/worker/_warming``). The answer is a serial run's.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import cast

import orjson

from ingest.codecs import Decoded, RawRecord
from ingest.pipeline import Pipeline
from ingest.sources import MemorySource
from ingest.worker import Worker, WorkerSettings
from ontology import GraphStore
from ontology.history import HistoryStore
from tests.ingest.worker.test_pipelined import WAIT_S, assert_as_serial, payloads
from tests.ingest.worker.test_worker import committer


class AskedTwins:
    """A real graph store noting the twins it was asked for (``get_twins``)."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self.asked: list[str] = []
        self.event = threading.Event()

    def get_twins(self, ids: Sequence[str]) -> object:
        found = self._store.get_twins(ids)
        self.asked.extend(ids)
        self.event.set()
        return found

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


async def test_the_record_keys_twins_are_read_while_the_batch_decodes(
    pipeline: Pipeline, plant_store: GraphStore, history: HistoryStore
) -> None:
    asked = AskedTwins(plant_store)
    work = committer(pipeline, cast(GraphStore, asked), history, None)
    decode = work.codec.decode
    asked_before: list[list[str]] = []

    def waiting(records: Sequence[RawRecord]) -> Decoded:
        # the twins must be asked for while this decode runs: it waits for that
        assert asked.event.wait(WAIT_S), "the twins were not read beside the decoding"
        asked_before.append(list(asked.asked))
        return decode(records)

    work.codec.decode = waiting  # type: ignore[method-assign]
    source = MemorySource("plant")
    for payload in payloads():
        source.put([payload], twin=orjson.loads(payload)["twin"])  # keyed by twin, as Kafka's
    source.close()
    worker = Worker(source, work, WorkerSettings(max_records=100))
    await worker.run()
    assert asked_before == [["machine/m1", "machine/m2"]]  # one batch, its keys asked first
    assert asked.asked == ["machine/m1", "machine/m2"]  # and fuse asked nothing more
    assert source.acked == 5
    await assert_as_serial(pipeline, history, plant_store)
