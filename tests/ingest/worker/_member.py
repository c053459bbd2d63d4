"""One worker of a consumer group as a process of its own, for the SIGKILL test:
``python -m tests.ingest.worker._member BOOTSTRAP TOPIC NEO4J_URI NAMESPACE QUESTDB_HTTP_PORT
QUESTDB_PG_PORT PREFIX``. Stores: the real Neo4j (a label namespace) and the real QuestDB (a
table prefix). Prints ``ready`` before it joins the group, ``batch ID RECORDS`` per committed
batch and ``revoked [P...]`` / ``assigned [P...]`` at rebalances; SIGTERM stops it gracefully."""

from __future__ import annotations

import asyncio
import signal
import sys

from ingest.codecs import JsonCodec
from ingest.pipeline import Fusion, pipeline_from_document
from ingest.sources import KafkaSource, KafkaSourceSettings
from ingest.worker import BatchCommitter, BatchOutcome, Worker, WorkerSettings, WorkerStats
from ontology import Neo4jStore, Neo4jStoreSettings
from ontology.history import QuestDBHistorySettings, QuestDBHistoryStore
from tests.ingest.conftest import PIPELINE_DOC
from tests.ingest.worker.test_worker import NOW


async def main(argv: list[str]) -> None:
    bootstrap, topic, uri, namespace, http_port, pg_port, prefix = argv
    graph = Neo4jStore(Neo4jStoreSettings(uri=uri, namespace=namespace))
    history = QuestDBHistoryStore(
        QuestDBHistorySettings(http_port=int(http_port), pg_port=int(pg_port), prefix=prefix)
    )

    def told(what: str, partitions: frozenset[int]) -> None:
        if partitions:
            print(f"{what} {sorted(partitions)}", flush=True)

    source = KafkaSource(
        KafkaSourceSettings(bootstrap, topic, group=f"{topic}-g", session_timeout_ms=6000),
        history,
        on_rebalance=told,
    )
    committer = BatchCommitter(
        fusion=Fusion(pipeline_from_document(PIPELINE_DOC), graph), graph=graph,
        history=history, feed=None, codec=JsonCodec(), feed_name=source.feed,
        principal="member", clock=lambda: NOW,
    )  # fmt: skip

    def printed(outcome: BatchOutcome, stats: WorkerStats) -> None:
        print(f"batch {outcome.batch} {outcome.records}", flush=True)

    worker = Worker(
        source, committer, WorkerSettings(max_records=20, fetch_timeout_s=0.05), on_batch=printed
    )
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, worker.stop)
    print("ready", flush=True)
    try:
        await worker.run()
    finally:
        graph.close()
        history.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
