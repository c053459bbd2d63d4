"""Peer 2: the same job written idiomatically with quixstreams.

The quixstreams way, as its docs show it: an ``Application`` on the broker, a
``StreamingDataFrame`` over the topic with the JSON deserializer, the twin's
mode kept in the framework's per-key ``State`` (records are keyed by twin) by
a stateful ``apply``, and the writes done by a ``BatchingSink``, which the
framework flushes at every checkpoint: one ``HistoryStore.write_batch`` of all
the samples and mode events of the checkpoint, one ``GraphStore.set_signals``
of the last value of each (twin, signal) it touched and each changed mode.
Run by the benchmark in ``.venv-peers``::

    .venv-peers/bin/python -m benchmarks._ingest_peers.quix_job --job JOB.json
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import numpy as np
from quixstreams import Application, State
from quixstreams.sinks import BatchingSink, SinkBatch

from benchmarks._ingest_peers._peer import StoreClock, read_job, write_result
from benchmarks._ingest_peers._stores import open_stores
from benchmarks._ingest_peers._workload import Transition, columns_of, digest
from ontology import GraphStore, SignalUpdate
from ontology.history import TIME_DTYPE, Batch, Event, HistoryStore, Samples


def _moment(ms: int) -> datetime:
    return datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=ms % 1000 * 1000)


class TwinSink(BatchingSink):  # type: ignore[misc]
    """Writes a checkpoint's records: history first, then the state of the keys they changed."""

    def __init__(self, graph: GraphStore, history: HistoryStore, total: int) -> None:
        super().__init__()
        self.graph = graph
        self.history = history
        self.total = total
        self.samples = 0
        self.finished = 0.0
        self.clock = StoreClock()

    def write(self, batch: SinkBatch) -> None:
        twins: list[str] = []
        names: list[str] = []
        times: list[int] = []
        values: list[float] = []
        events: list[Event] = []
        last: dict[tuple[str, str], tuple[int, Any]] = {}
        for item in batch:
            record = item.value
            twin = record["twin"]
            n = len(record["signal"])
            twins.extend([twin] * n)
            names.extend(record["signal"])
            times.extend(record["time"])
            values.extend(record["value"])
            for name, ms, value in zip(
                record["signal"], record["time"], record["value"], strict=True
            ):
                last[(twin, name)] = (ms, value)
            for ms, mode in record["marks"]:
                last[(twin, "mode")] = (ms, mode)
            for ms, before, after in record["moves"]:
                events.append(Event(twin, _moment(ms), "mode", f"{before}->{after}"))
                last[(twin, "mode")] = (ms, after)
        if not times:
            return
        samples = Samples(
            twin=np.array(twins, dtype=object),
            signal=np.array(names, dtype=object),
            time=(np.array(times, dtype=np.int64) * 1000).view(TIME_DTYPE),
            value=np.array(values, dtype=np.float64),
        )
        lineage = Batch(
            id=uuid.uuid4().hex,
            sources=(),
            received_at=datetime.now(UTC),
            pipeline_version="quix-job",
            model_versions=(),
            principal="quix-job",
            count_in=len(times),
            accepted=len(times),
        )
        updates = [SignalUpdate(t, s, v, _moment(ms)) for (t, s), (ms, v) in last.items()]
        with self.clock:
            self.history.write_batch(lineage, samples, events)
            self.graph.set_signals(updates)
        self.samples += len(times)
        if self.samples >= self.total:
            self.finished = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    job = read_job(argv, "python -m benchmarks._ingest_peers.quix_job")
    graph, history = open_stores(job.stores)
    state_dir = tempfile.mkdtemp(prefix="quix-job-")
    try:
        job.workload.plant(graph)
        total = job.workload.samples
        transition = Transition()
        app = Application(
            broker_address=job.bootstrap,
            consumer_group=f"{job.run_id}-quix",
            auto_offset_reset="earliest",
            state_dir=state_dir,
        )
        topic = app.topic(job.topic, value_deserializer="json", key_deserializer="str")
        sink = TwinSink(graph, history, total)
        started = 0.0

        def fuse(record: dict[str, Any], state: State) -> dict[str, Any]:
            """Run the twin's mode machine over the record's samples (the mode lives in State)."""
            nonlocal started
            if not started:
                started = time.perf_counter()
            columns = columns_of(record)
            held = state.get("mode")
            mode = held if held is not None else transition.initial
            moves, marks = [], []
            for name, ms, value in zip(
                columns["signal"], columns["time"], columns["value"], strict=True
            ):
                after, matched = transition(mode, name, value)
                if after != mode:
                    moves.append((ms, mode, after))
                    mode = held = after
                elif matched and held is None:
                    marks.append((ms, mode))  # the first rule match: the mode becomes known
                    held = mode
            if held is not None:
                state.set("mode", held)
            return {**columns, "moves": moves, "marks": marks}

        sdf = app.dataframe(topic)
        sdf = sdf.apply(fuse, stateful=True)
        sdf.sink(sink)
        # stop once every record is processed; the final checkpoint flushes the sink
        app.run(count=job.workload.records, collect=False)
        if sink.samples < total:
            print(f"quix job: the sink wrote {sink.samples} of {total} samples", file=sys.stderr)
            return 1
        seconds = sink.finished - started
        write_result(job, seconds, sink.clock.seconds, digest(job.workload, graph, history))
    finally:
        graph.close()
        history.close()
        shutil.rmtree(state_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
