"""Peer 1: the per-event agent of the reference article, written with faust-streaming.

Background article 001 sketches the sync pattern as a Faust agent::

    @app.agent(telemetry_topic)
    async def update_twin(stream):
        async for ev in stream:
            async with state_store.lock(asset.id):
                cur = await state_store.get(asset.id) or new_state(asset)
                cur = transition(cur, ev)
                ...
                await state_store.set(asset.id, cur)
                await history_store.append(asset.id, ev)

This module is that agent, over our records (a record carries several
samples; each sample is an event) and our stores: the state store is the
``GraphStore`` (``get_signals`` / ``set_signals``), the history store the
``HistoryStore`` (one ``write_batch`` per sample, a mode event with
``append_events``). The lock is an ``asyncio.Lock`` per twin. The app is
configured as the faust docs show (``faust.App`` with a Kafka broker, a
topic with the JSON value codec, a ``faust.Worker``); its web server is off,
its data dir a temporary folder. Run by the benchmark in ``.venv-peers``::

    .venv-peers/bin/python -m benchmarks._ingest_peers.faust_agent --job JOB.json
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
from typing import Any

import faust

from benchmarks._ingest_peers._peer import Job, StoreClock, read_job, write_result
from benchmarks._ingest_peers._stores import append_one, moment, open_stores
from benchmarks._ingest_peers._workload import Transition, columns_of, digest
from ontology import GraphStore, SignalUpdate
from ontology.history import Event, HistoryStore


def build(job: Job, graph: GraphStore, history: HistoryStore, datadir: str) -> faust.App:
    app = faust.App(
        f"{job.run_id}-faust",
        broker=f"kafka://{job.bootstrap}",
        value_serializer="json",
        web_enabled=False,
        datadir=datadir,
        consumer_auto_offset_reset="earliest",
        topic_partitions=1,
    )
    topic = app.topic(job.topic, key_type=str, value_serializer="json", key_serializer="raw")
    transition = Transition()
    locks: dict[str, asyncio.Lock] = {}
    clock = StoreClock()
    total = job.workload.samples
    seen = 0
    started = 0.0

    @app.agent(topic)  # type: ignore[untyped-decorator]
    async def update_twin(stream: Any) -> None:
        nonlocal seen, started
        async for record in stream:
            if seen >= total:
                continue  # the job's records are done: the worker is stopping
            if not started:
                started = time.perf_counter()
            columns = columns_of(record)
            twin = columns["twin"]
            for name, ms, value in zip(
                columns["signal"], columns["time"], columns["value"], strict=True
            ):
                async with locks.setdefault(twin, asyncio.Lock()):
                    with clock:
                        cur = graph.get_signals(twin)
                    held = cur.get("mode")
                    mode = str(held.value) if held is not None else transition.initial
                    new_mode, matched = transition(mode, name, value)
                    at = moment(ms)
                    updates = [SignalUpdate(twin, name, value, at)]
                    if new_mode != mode or (matched and held is None):
                        updates.append(SignalUpdate(twin, "mode", new_mode, at))
                    with clock:
                        graph.set_signals(updates)
                    with clock:
                        append_one(history, twin, name, ms, value, who="faust-agent")
                    if new_mode != mode:
                        with clock:
                            history.append_events([Event(twin, at, "mode", f"{mode}->{new_mode}")])
                seen += 1
            if seen >= total:
                seconds = time.perf_counter() - started
                write_result(job, seconds, clock.seconds, digest(job.workload, graph, history))
                os.kill(os.getpid(), signal.SIGTERM)

    return app


def main(argv: list[str] | None = None) -> int:
    job = read_job(argv, "python -m benchmarks._ingest_peers.faust_agent")
    graph, history = open_stores(job.stores)
    try:
        job.workload.plant(graph)
        with tempfile.TemporaryDirectory(prefix="faust-agent-") as datadir:
            app = build(job, graph, history, datadir)
            worker = faust.Worker(app, loglevel="WARNING", quiet=True)
            worker.execute_from_commandline()
    finally:
        graph.close()
        history.close()
    return 0 if job.result.exists() else 1


if __name__ == "__main__":
    sys.exit(main())
