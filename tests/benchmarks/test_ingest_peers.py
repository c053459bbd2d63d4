"""Sections (c) and (e) of the ingest benchmark: the answer they check, and the runs."""

from __future__ import annotations

import asyncio
import os
import re

import pytest

from benchmarks import ingest
from benchmarks._ingest_peers._venv import VENV
from benchmarks._ingest_peers._workload import (
    END,
    PRE_TWINS,
    SIGNALS,
    START,
    T0_MS,
    Workload,
    digest,
    expected,
    pipeline,
)
from ingest.codecs import JsonCodec
from ingest.pipeline import Fusion
from ingest.sources import MemorySource
from ingest.worker import BatchCommitter, Worker
from ontology import MemoryStore
from ontology.history import DuckDBHistoryStore, SeriesKey
from tests._services import QuestDBAddress

SMALL_B = ["--singles", "20"]
"""Section (b) runs whenever --kafka is given, by default over 100,000 one-sample records; it
is tested in tests/benchmarks/test_ingest.py (with 20), so the (c) and (e) tests give 20 too."""


def _ingest(work: Workload, graph: MemoryStore, history: DuckDBHistoryStore) -> None:
    """Our worker over ``work``'s records (an in-memory source), into ``graph`` and ``history``."""
    source = MemorySource("bench")
    for key, payload in work.payloads():
        source.put([payload], twin=key)
    source.close()
    committer = BatchCommitter(
        fusion=Fusion(pipeline(), graph),
        graph=graph,
        history=history,
        feed=None,
        codec=JsonCodec(),
        feed_name="bench",
        principal="bench",
    )
    asyncio.run(Worker(source, committer).run())


@pytest.mark.parametrize(
    "work",
    [
        Workload(records=30, per_record=40, twins=7),
        # one sample a record: twins whose only mode samples leave them in STOP
        Workload(records=2000, per_record=1, twins=500),
    ],
    ids=["40-a-record", "1-a-record"],
)
def test_the_generators_answer_is_what_our_worker_reads_back(work: Workload) -> None:
    graph, history = MemoryStore(), DuckDBHistoryStore()
    work.plant(graph)
    _ingest(work, graph, history)
    got, want = digest(work, graph, history), expected(work)
    assert (got.rows, got.event_count) == (work.samples, want.event_count)
    assert want.event_count > 0
    assert got == want
    other = expected(Workload(work.records, work.per_record, work.twins, seed=12))
    assert other.history != want.history and other.state != want.state


def test_the_prewritten_rows_are_other_twins_and_leave_the_answer() -> None:
    work = Workload(records=30, per_record=40, twins=7)
    graph, history = MemoryStore(), DuckDBHistoryStore()
    work.plant(graph)
    assert work.prewrite(history) == PRE_TWINS * len(SIGNALS) * 2
    _ingest(work, graph, history)
    assert digest(work, graph, history) == expected(work)
    # the other twins' rows are there, none later than the records' first time
    last = f"pre{PRE_TWINS - 1}"
    for signal in SIGNALS:
        raw = history.raw(SeriesKey(last, signal), START, END)
        assert raw.time.astype("int64").tolist() == [(T0_MS - 60_000) * 1000, T0_MS * 1000]
    events = history.events([f"pre{i}" for i in range(PRE_TWINS)], START, END)
    assert [(e.twin, e.code) for e in events.items] == [("pre0", "STOP->RUNNING")]
    assert not set(work.twin_ids()) & {f"pre{i}" for i in range(PRE_TWINS)}


@pytest.mark.kafka
@pytest.mark.neo4j
@pytest.mark.questdb
def test_the_neo4j_questdb_section_checks_the_writes_per_batch(
    kafka_bootstrap: str,
    neo4j_uri: str,
    questdb: QuestDBAddress,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--samples", "600", "--twins", "20", "--runs", "1", "--kafka", kafka_bootstrap]
    argv += SMALL_B
    where = f"{questdb.http_host}:{questdb.http_port}:{questdb.pg_port}"
    stores = ["--stores", "neo4j+questdb", "--neo4j", neo4j_uri, "--questdb", where]
    sizes = ["--e-max-records", "30,10"]  # one batch; three, each prepared beside a write
    assert ingest.main([*argv, "--records", "30", "--per-record", "10", *stores, *sizes]) == 0
    output = capsys.readouterr().out
    batches = {
        int(size): int(count)
        for size, count in re.findall(r"up to (\d+) records a batch \((\d+) batches\)", output)
    }
    assert set(batches) == {30, 10} and batches[10] >= 3  # 30 records, at most 10 a batch
    assert "embedded stores:" in output
    assert "state and history as the records imply, every run: yes" in output
    assert output.count("within that bound: yes") == 2
    # the state write split where it waits for history: each part timed, once per size
    for part in ("state rows", "state wait", "state commit"):
        assert len(re.findall(rf"{part} \d+\.\d\d s", output)) == 2
    assert (
        f"one batch of {PRE_TWINS * len(SIGNALS) * 2} samples of {PRE_TWINS} other twins" in output
    )
    # the former cold figure: the timed batches into empty tables
    fresh = ["--e-max-records", "30", "--fresh-tables"]
    assert ingest.main([*argv, "--records", "30", "--per-record", "10", *stores, *fresh]) == 0
    output = capsys.readouterr().out
    assert "freshly created and empty (--fresh-tables)" in output
    assert "other twins" not in output
    assert "state and history as the records imply, every run: yes" in output


REQUIRE_PEERS = "TWINWEAVE_TEST_REQUIRE_PEERS"


@pytest.mark.kafka
@pytest.mark.slow
def test_the_peers_section_runs_both_peers_on_the_same_records(
    kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if not (VENV / "bin" / "python").exists():  # making it needs a package index: not in tests
        why = f"no {VENV.name}: python -m benchmarks.ingest --peers (or scripts/test) makes it"
        required = os.environ.get("CI") == "true" or os.environ.get(REQUIRE_PEERS) == "1"
        if required:  # scripts/test made it: its absence is a failure, not a reason to skip
            pytest.fail(why)
        pytest.skip(why)
    argv = ["--samples", "600", "--twins", "20", "--runs", "1", "--kafka", kafka_bootstrap]
    argv += SMALL_B
    peers = ["--peers", "--peer-records", "20", "--faust-records", "2"]
    assert ingest.main([*argv, "--records", "10", "--per-record", "10", *peers]) == 0
    output = capsys.readouterr().out
    assert "faust agent:" in output and "quix job:" in output
    assert output.count("as the records imply: yes") == 3
    assert "ours' median run" in output and "ours / quix job stays under about" in output


def test_the_peer_options_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        ingest.main(["--samples", "600", "--twins", "20", "--runs", "1", "--peers"])
    assert caught.value.code == 2
    assert "--peers and --stores neo4j+questdb need --kafka HOST:PORT" in capsys.readouterr().err
