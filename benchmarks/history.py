"""The history stores (DuckDB, QuestDB), each figure beside a baseline measured in the same run.

    python -m benchmarks.history [--series 100] [--hours 24] [--batch 100000] [--repeat 50]
        [--as-of-twins 10000] [--skip-questdb | --skip-duckdb] [--append-only]
        [--questdb-http 127.0.0.1:19000] [--questdb-pg 127.0.0.1:18812] [--questdb-pid PID]

Data: ``--series`` series (twin ``plant/m<i>``, signal ``power``) at 1 Hz over
``--hours``, appended in time slices of ``--batch`` samples (every series, the
next seconds), then ``--as-of-twins`` more twins with one sample a minute over
the last hour. For each store it prints:

- append rate with duplicate protection and the tiers (cold: empty tables),
  beside the database's own bulk load of the same frames into a plain table
  (DuckDB ``INSERT ... SELECT`` from Arrow; QuestDB ILP without dedup keys);
  and the same per CPU second of this process (steadier than wall time on a
  loaded machine; for QuestDB the client's share only, the server not counted);
- one series, ``--hours`` at 1-minute buckets (min, max, mean, first, last,
  count), p50 / p99 of ``--repeat`` warm calls, beside a plain ``GROUP BY``
  (QuestDB: ``SAMPLE BY 1m``) over the raw table;
- all ``--series`` series in one call, the same, beside the same baseline;
- ``as_of`` of ``--as-of-twins`` twins beside ``arg_max`` (QuestDB: ``LATEST ON``)
  over the raw table;
- bytes per sample on disk (DuckDB: the file; QuestDB: ``table_storage()``,
  which counts preallocated column files);
- with ``--questdb-pid`` (a server on this machine): the QuestDB process's CPU
  seconds per million samples, from the first append until every table is
  applied, and its CPU ms per warm call of each read, for the store and the
  baseline (``/proc``; other clients of the same server count too).

``--append-only`` prints the append figures alone: each read is called once, untimed,
only to check its answer. Every store answer is checked against its baseline's; the
exit status is 1 if one differs. Targets (2 vCPU): append >= 1 M samples/s DuckDB, >= 700 k QuestDB;
one series <= 10 ms p99; 100 series <= 50 ms; as_of of 10,000 twins <= 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd
import psycopg
import pyarrow as pa
from questdb import Sender

from ontology.history import (
    Agg,
    Batch,
    DuckDBHistorySettings,
    DuckDBHistoryStore,
    HistoryStore,
    QuestDBHistorySettings,
    QuestDBHistoryStore,
    Samples,
    Series,
    SeriesKey,
)

START = datetime(2026, 6, 1, tzinfo=UTC)
AGGS = (Agg.COUNT, Agg.MIN, Agg.MAX, Agg.MEAN, Agg.FIRST, Agg.LAST)
APPEND_TARGET = {"DuckDB": 1e6, "QuestDB": 7e5}
READ_TARGET_MS = {"one": 10.0, "many": 50.0, "as_of": 100.0}
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Data:
    series: int
    seconds: int
    batch_seconds: int
    as_of_twins: int

    @property
    def keys(self) -> list[SeriesKey]:
        return [SeriesKey(f"plant/m{i}", "power") for i in range(self.series)]

    @property
    def as_of_keys(self) -> list[SeriesKey]:
        return [SeriesKey(f"plant/t{i}", "power") for i in range(self.as_of_twins)]

    @property
    def end(self) -> datetime:
        return START + timedelta(seconds=self.seconds)

    def batches(self) -> Iterator[Samples]:
        """Time slices: every series, ``batch_seconds`` seconds; then the as-of twins."""
        twins = np.array([k.twin for k in self.keys], dtype=object)
        for first in range(0, self.seconds, self.batch_seconds):
            last = min(first + self.batch_seconds, self.seconds)
            sec = np.repeat(np.arange(first, last), self.series)
            offset = np.tile(np.arange(self.series), last - first)
            yield _samples(np.tile(twins, last - first), sec, np.sin(sec / 600.0) * 50 + offset)
        others = np.array([k.twin for k in self.as_of_keys], dtype=object)
        minutes = np.arange(max(self.seconds - 3600, 0), self.seconds, 60)
        sec = np.repeat(minutes, len(others))
        yield _samples(np.tile(others, len(minutes)), sec, (sec % 97).astype(np.float64))


def _samples(twins: npt.NDArray[np.object_], sec: npt.NDArray[np.int64], value: Floats) -> Samples:
    t0 = np.datetime64(START.replace(tzinfo=None), "us")
    return Samples(
        twin=twins,
        signal=np.full(len(sec), "power", dtype=object),
        time=t0 + sec.astype("timedelta64[s]"),
        value=value,
    )


WARM_CALLS = 3
"""Untimed calls before a read's timed ones. A QuestDB server's JIT compiles a read's path
during its first calls: on a server just started, the 100-series read's second call cost
the server 206 ms of CPU (its C2 compiler 93, the PostgreSQL-wire worker 92) against 35-40
warm, so with one untimed call that compilation fell in the first timed one, the p99 of
ten (docs/history.md, "The tail"). On a server just started the compilation takes more
than three such calls (the server's CPU per 100-series call 630, 360, 220, then 40-80 ms:
docs/history.md, "Reads on a fresh server"), so a run right after a start may still meet
it in its first timed calls. Every untimed call is timed and printed, the first cold.
(The first one-series call also waits for the replayed batch to be applied.)"""


@dataclass
class Reads:
    """Per read (``one``, ``many``, ``as_of``): its untimed calls' ms, this process's CPU ms
    per timed call (all its threads) and, with ``server``, the server's."""

    server: ServerCpu | None = None
    cpu: dict[str, float] = field(default_factory=dict)
    first: dict[str, list[float]] = field(default_factory=dict)
    """Each read's untimed calls, ms (the first one cold)."""
    client: dict[str, float] = field(default_factory=dict)


@dataclass
class Figures:
    """One side of a comparison: append rate, read timings (ms), answers, bytes on disk."""

    rate: float
    rates: list[float]
    total: int
    one: list[float]
    many: list[float]
    as_of: list[float]
    one_out: Floats
    many_out: Floats
    as_of_out: Floats
    size: int = 0
    cpu: float = 0.0
    """CPU seconds this process spent appending (QuestDB: the client's share only)."""
    server_cpu: float = 0.0
    """QuestDB (``--questdb-pid``): the server's CPU seconds from the first append until
    every table written was applied."""
    reads: Reads = field(default_factory=Reads)
    """Each read's untimed calls, and (QuestDB, ``--questdb-pid``) the server's CPU ms per
    warm call."""


def timings(
    repeat: int, work: Callable[[], Any], reads: Reads, name: str
) -> tuple[list[float], Any]:
    """Milliseconds of ``repeat`` warm calls (after ``WARM_CALLS`` untimed ones, whose
    milliseconds go to ``reads.first[name]``) and the last answer; this process's CPU ms
    per timed call goes to ``reads.client[name]``, and with ``reads.server`` the server's
    to ``reads.cpu[name]``. ``repeat`` 0 (``--append-only``): one untimed call, for its
    answer."""
    reads.first[name] = []
    for _ in range(WARM_CALLS if repeat else 1):
        start = time.perf_counter()
        out = work()
        reads.first[name].append((time.perf_counter() - start) * 1e3)
    times = []
    server = reads.server
    before = server.seconds() if server else 0.0
    cpu = time.process_time()
    for _ in range(repeat):
        start = time.perf_counter()
        out = work()
        times.append((time.perf_counter() - start) * 1e3)
    if not repeat:
        return times, out
    reads.client[name] = (time.process_time() - cpu) / repeat * 1e3
    if server:
        reads.cpu[name] = (server.seconds() - before) / repeat * 1e3
    return times, out


def buckets(series: Sequence[Series]) -> Floats:
    """(count, min, max, mean, first, last) of every bucket of every series, stacked."""
    return np.vstack([np.column_stack([s.values[a] for a in AGGS]) for s in series])


def batch_record(i: int, n: int) -> Batch:
    return Batch(
        id=f"bench-{i}",
        sources=(),
        received_at=START + timedelta(seconds=i),
        pipeline_version="bench",
        model_versions=(),
        principal="bench",
        count_in=n,
        accepted=n,
    )


# --------------------------------------------------------------------------- the stores


def store_figures(
    store: HistoryStore, data: Data, repeat: int, server: ServerCpu | None = None
) -> Figures:
    rates = []
    total = 0
    server_start = server.seconds() if server else 0.0
    start, cpu = time.perf_counter(), time.process_time()
    for i, samples in enumerate(data.batches()):
        t = time.perf_counter()
        store.write_batch(batch_record(i, len(samples)), samples)
        rates.append(len(samples) / (time.perf_counter() - t))
        total += len(samples)
    rate = total / (time.perf_counter() - start)
    cpu = time.process_time() - cpu
    server_cpu = server.applied() - server_start if server else 0.0
    first = next(data.batches())
    store.write_batch(batch_record(0, len(first)), first)  # a replay changes nothing
    minute = timedelta(minutes=1)
    by_twin = sorted(data.keys, key=lambda k: k.twin)  # the baselines order by twin
    few = max(repeat // 5, 3) if repeat else 0
    reads = Reads(server)
    one, one_out = timings(
        repeat, lambda: store.range(by_twin[:1], START, data.end, minute, AGGS), reads, "one"
    )
    many, many_out = timings(
        few, lambda: store.range(by_twin, START, data.end, minute, AGGS), reads, "many"
    )
    others = sorted(data.as_of_keys, key=lambda k: k.twin)
    as_of, as_of_out = timings(few, lambda: store.as_of(others, data.end), reads, "as_of")
    out = buckets(one_out), buckets(many_out), as_of_out.value
    return Figures(
        rate, rates, total, one, many, as_of, *out, cpu=cpu, server_cpu=server_cpu, reads=reads
    )


# --------------------------------------------------------------------------- DuckDB

_GROUP_BY = (
    "SELECT twin, ts // 60000000 AS b, count(*)::DOUBLE, min(value), max(value), avg(value), "
    "arg_min(value, ts), arg_max(value, ts) FROM plain WHERE {} AND ts >= ? AND ts < ? "
    "GROUP BY ALL ORDER BY twin, b"
)


def _table(out: dict[str, Any], skip: int) -> Floats:
    return np.column_stack([np.asarray(c, dtype=np.float64) for c in list(out.values())[skip:]])


def duckdb_baseline(data: Data, repeat: int, path: Path) -> Figures:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE plain (twin VARCHAR, signal VARCHAR, ts BIGINT, value DOUBLE)")
    total = 0
    start, cpu = time.perf_counter(), time.process_time()
    for samples in data.batches():
        frame = pa.table(
            {
                "twin": pa.array(samples.twin, pa.string()),
                "signal": pa.array(samples.signal, pa.string()),
                "ts": pa.array(samples.time.astype("datetime64[us]").view(np.int64)),
                "value": pa.array(samples.value),
            }
        )
        con.register("frame", frame)
        con.execute("INSERT INTO plain SELECT * FROM frame")
        con.unregister("frame")
        total += len(samples)
    rate = total / (time.perf_counter() - start)
    cpu = time.process_time() - cpu
    con.execute("CHECKPOINT")
    lo, hi = int(START.timestamp() * 1e6), int(data.end.timestamp() * 1e6)
    twins = sorted(k.twin for k in data.keys)
    one_sql = _GROUP_BY.format("twin = ? AND signal = 'power'")
    many_sql = _GROUP_BY.format("list_contains(?, twin)")
    few = max(repeat // 5, 3) if repeat else 0
    reads = Reads()
    one, one_out = timings(
        repeat, lambda: con.execute(one_sql, [twins[0], lo, hi]).fetchnumpy(), reads, "one"
    )
    many, many_out = timings(
        few, lambda: con.execute(many_sql, [twins, lo, hi]).fetchnumpy(), reads, "many"
    )
    others = sorted(k.twin for k in data.as_of_keys)
    as_of_sql = (
        "SELECT twin, arg_max(value, ts) FROM plain WHERE list_contains(?, twin) AND ts <= ? "
        "GROUP BY twin ORDER BY twin"
    )
    as_of, as_of_out = timings(
        few, lambda: con.execute(as_of_sql, [others, hi]).fetchnumpy(), reads, "as_of"
    )
    con.close()
    return Figures(
        rate,
        [],
        total,
        one,
        many,
        as_of,
        _table(one_out, 2),
        _table(many_out, 2),
        _table(as_of_out, 1)[:, 0],
        path.stat().st_size,
        cpu,
        reads=reads,
    )


# --------------------------------------------------------------------------- QuestDB


def _connect(settings: QuestDBHistorySettings) -> psycopg.Connection[tuple[Any, ...]]:
    return psycopg.connect(
        host=settings.host,
        port=settings.pg_port,
        user=settings.user,
        password=settings.password,
        dbname=settings.database,
        autocommit=True,
    )


@dataclass(frozen=True)
class ServerCpu:
    """The CPU time of the QuestDB server process ``pid`` on this machine (``/proc``)."""

    pid: int
    settings: QuestDBHistorySettings

    def seconds(self) -> float:
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def applied(self) -> float:
        """Wait until the server applied every table of the settings' prefix; its CPU then."""
        wal = "SELECT name, writerTxn, sequencerTxn FROM wal_tables()"
        with _connect(self.settings) as con:
            while any(
                str(name).startswith(self.settings.prefix + "_") and writer < sequencer
                for name, writer, sequencer in con.execute(wal).fetchall()
            ):
                time.sleep(0.005)
        return self.seconds()


def questdb_baseline(
    data: Data, repeat: int, settings: QuestDBHistorySettings, server: ServerCpu | None = None
) -> Figures:
    table = f"{settings.prefix}_plain"
    server_start = server.seconds() if server else 0.0
    con = _connect(settings)
    con.execute(
        f"CREATE TABLE {table} (ts TIMESTAMP, twin SYMBOL CAPACITY 65536 CACHE INDEX, "
        "signal SYMBOL, value DOUBLE) TIMESTAMP(ts) PARTITION BY DAY WAL"
    )
    total = 0
    start, cpu = time.perf_counter(), time.process_time()
    with Sender.from_conf(settings.ilp_conf()) as sender:
        for samples in data.batches():
            frame = pd.DataFrame(
                {
                    "twin": pd.Categorical(samples.twin),
                    "signal": pd.Categorical(samples.signal),
                    "value": samples.value,
                    "ts": pd.to_datetime(samples.time, utc=True),
                }
            )
            sender.dataframe(frame, table_name=table, at="ts")
            sender.flush()
            total += len(samples)
    wal = "SELECT writerTxn, sequencerTxn FROM wal_tables() WHERE name = %s"
    while (row := con.execute(wal, [table]).fetchone()) and row[0] < row[1]:  # until queryable
        time.sleep(0.005)
    rate = total / (time.perf_counter() - start)
    cpu = time.process_time() - cpu
    server_cpu = server.seconds() - server_start if server else 0.0
    # The table name is ours; every value is a parameter.
    sample_by = (
        "SELECT twin, ts, count()::DOUBLE, min(value), max(value), avg(value), first(value), "  # noqa: S608
        f"last(value) FROM {table} WHERE {{}} AND ts >= %s AND ts < %s SAMPLE BY 1m "
        "ORDER BY twin, ts"
    )

    def rows(sql: str, params: Sequence[object]) -> Floats:
        found = con.execute(sql, params).fetchall()
        return np.array([r[2:] for r in found], dtype=np.float64).reshape(len(found), -1)

    twins = sorted(k.twin for k in data.keys)
    window = [START, data.end]
    one_sql = sample_by.format("twin = %s AND signal = 'power'")
    many_sql = sample_by.format(f"twin IN ({', '.join(['%s'] * len(twins))})")
    few = max(repeat // 5, 3) if repeat else 0
    reads = Reads(server)
    one, one_out = timings(repeat, lambda: rows(one_sql, [twins[0], *window]), reads, "one")
    many, many_out = timings(few, lambda: rows(many_sql, [*twins, *window]), reads, "many")
    others = sorted(k.twin for k in data.as_of_keys)
    in_others = f"twin IN ({', '.join(['%s'] * len(others))})"
    as_of_sql = (
        f"SELECT twin, 0, value FROM {table} WHERE {in_others} "  # noqa: S608
        "AND ts <= %s LATEST ON ts PARTITION BY twin ORDER BY twin"
    )
    as_of, as_of_out = timings(few, lambda: rows(as_of_sql, [*others, data.end]), reads, "as_of")
    storage = "SELECT diskSize FROM table_storage() WHERE tableName = %s"
    size = con.execute(storage, [table]).fetchone()
    con.execute(f"DROP TABLE {table}")
    con.close()
    return Figures(
        rate, [], total, one, many, as_of, one_out, many_out, as_of_out[:, 0],
        int(size[0]) if size else 0, cpu, server_cpu, reads,
    )  # fmt: skip


def questdb_bytes(settings: QuestDBHistorySettings) -> int:
    with _connect(settings) as con:
        rows = con.execute("SELECT tableName, diskSize FROM table_storage()").fetchall()
    return sum(int(size) for name, size in rows if str(name).startswith(settings.prefix + "_"))


# --------------------------------------------------------------------------- report


def _ms(times: Sequence[float]) -> str:
    return f"p50 {statistics.median(times):.1f} / p99 {np.percentile(times, 99):.1f} ms"


def _line(what: str, store: str, base: str, target: str) -> None:
    print(f"  {what:<32} {store:<44} baseline {base:<40} {target}")


def _same(name: str, got: Floats, want: Floats) -> bool:
    ok = got.shape == want.shape and np.allclose(got, want, rtol=1e-9, equal_nan=True)
    if not ok:
        print(f"  MISMATCH {name}: store {got.shape} {got[:2]} baseline {want.shape} {want[:2]}")
    return bool(ok)


def report(name: str, got: Figures, base: Figures, data: Data, words: Sequence[str]) -> bool:
    load, query, latest = words
    print(
        f"{name}: {got.total:,} samples ({data.series} series x {data.seconds} s at 1 Hz, then "
        f"{data.as_of_twins} twins x 60), batches of {data.series * data.batch_seconds:,}"
    )
    median = statistics.median(got.rates)
    _line(
        "append, dedup + tiers (cold)",
        f"{got.rate / 1e6:.2f} M samples/s (batch min {min(got.rates) / 1e6:.2f}, "
        f"median {median / 1e6:.2f})",
        f"{base.rate / 1e6:.2f} M/s {load}",
        f"target >= {APPEND_TARGET[name] / 1e6:.1f} M/s",
    )
    _line(
        "append per CPU second",
        f"{got.total / got.cpu / 1e6:.2f} M samples per CPU s of this process",
        f"{base.total / base.cpu / 1e6:.2f} M/CPU s",
        "QuestDB: client CPU only" if name == "QuestDB" else "",
    )
    if got.server_cpu and base.server_cpu:
        _line(
            "server CPU until applied",
            f"{got.server_cpu / got.total * 1e6:.2f} CPU s per M samples",
            f"{base.server_cpu / base.total * 1e6:.2f} CPU s per M",
            "the QuestDB process (--questdb-pid)",
        )
    reads = (
        ("one", "1 series, 1-min buckets (warm)", got.one, base.one, query),
        ("many", f"{data.series} series, 1-min buckets (warm)", got.many, base.many, query),
        ("as_of", f"as_of {data.as_of_twins} twins (warm)", got.as_of, base.as_of, latest),
    )
    for key, what, mine, theirs, how in reads if got.one else ():  # not --append-only
        _line(
            what,
            f"{_ms(mine)} (min {min(mine):.1f}, n={len(mine)}, slowest #{np.argmax(mine) + 1})",
            f"{_ms(theirs)} {how}",
            f"target <= {READ_TARGET_MS[key]:.0f} ms",
        )
        _line(
            "  untimed calls before (cold first)",
            " / ".join(f"{ms:.1f}" for ms in got.reads.first[key]) + " ms",
            " / ".join(f"{ms:.1f}" for ms in base.reads.first[key]) + " ms",
            "",
        )
        _line(
            "  client CPU per call",
            f"{got.reads.client[key]:.1f} ms",
            f"{base.reads.client[key]:.1f} ms",
            "this process, all its threads",
        )
        if key in got.reads.cpu and key in base.reads.cpu:
            _line(
                "  server CPU per call",
                f"{got.reads.cpu[key]:.1f} ms",
                f"{base.reads.cpu[key]:.1f} ms",
                "the QuestDB process (--questdb-pid)",
            )
    _line(
        "bytes per sample on disk",
        f"{got.size / got.total:.1f} (with tiers, batches, series)",
        f"{base.size / base.total:.1f} plain table",
        "",
    )
    ok = _same(f"{name} one series", got.one_out, base.one_out)
    ok &= _same(f"{name} {data.series} series", got.many_out, base.many_out)
    return ok & _same(f"{name} as_of", got.as_of_out, base.as_of_out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.history",
        description="The DuckDB and QuestDB history stores, each figure beside a baseline.",
    )
    parser.add_argument("--series", type=int, default=100, help="series at 1 Hz (100)")
    parser.add_argument("--hours", type=float, default=24, help="hours of 1 Hz samples (24)")
    parser.add_argument("--batch", type=int, default=100_000, help="samples per batch (100000)")
    parser.add_argument("--repeat", type=int, default=50, help="warm one-series reads (50)")
    parser.add_argument("--as-of-twins", type=int, default=10_000, help="as_of twins (10000)")
    skip = parser.add_mutually_exclusive_group()
    skip.add_argument("--skip-questdb", action="store_true", help="DuckDB only")
    skip.add_argument("--skip-duckdb", action="store_true", help="QuestDB only")
    parser.add_argument(
        "--append-only",
        action="store_true",
        help="print the append figures alone (each read called once, untimed, to check its "
        "answer against the baseline's)",
    )
    parser.add_argument("--questdb-http", default="127.0.0.1:19000", help="QuestDB HTTP")
    parser.add_argument("--questdb-pg", default="127.0.0.1:18812", help="QuestDB PG wire")
    parser.add_argument(
        "--questdb-pid",
        type=int,
        help="the QuestDB server's process id on this machine: also print its CPU seconds "
        "per million samples until applied and its CPU ms per read call (other clients' "
        "work counts too)",
    )
    parser.add_argument(
        "--questdb-sample-requests",
        type=int,
        default=QuestDBHistorySettings().sample_requests,
        help="ILP requests at once for a batch's samples (the store's sample_requests: "
        f"{QuestDBHistorySettings().sample_requests} by default)",
    )
    args = parser.parse_args(argv)
    seconds = int(args.hours * 3600)
    if not (
        1 <= args.series <= 10_000
        and 3600 <= seconds <= 7 * 86400
        and args.series <= args.batch <= 2_000_000
        and 1 <= args.as_of_twins <= 100_000
        and args.repeat >= 3
    ):
        parser.error(
            "expected 1..10000 series, 1 h..7 days, a batch of --series..2000000 samples, "
            "1..100000 as-of twins and at least 3 repeats"
        )
    data = Data(args.series, seconds, args.batch // args.series, args.as_of_twins)
    if args.append_only:
        args.repeat = 0
    print(f"benchmarks.history: appends cold (empty tables), reads warm; {vars(args)}")
    ok = True
    if not args.skip_duckdb:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "history.duckdb"
            store = DuckDBHistoryStore(DuckDBHistorySettings(path=path))
            got = store_figures(store, data, args.repeat)
            store.close()
            got.size = path.stat().st_size
            base = duckdb_baseline(data, args.repeat, Path(tmp) / "plain.duckdb")
            words = ("INSERT from Arrow, no dedup", "GROUP BY", "arg_max GROUP BY")
            ok = report("DuckDB", got, base, data, words)
    if not args.skip_questdb:
        host, http = args.questdb_http.rsplit(":", 1)
        pg = args.questdb_pg.rsplit(":", 1)[1]
        prefix = f"bench_{uuid.uuid4().hex[:8]}"
        # read_cache=0: every timed read goes to the server (a repeated read would be a hit)
        settings = QuestDBHistorySettings(
            host=host,
            http_port=int(http),
            pg_port=int(pg),
            prefix=prefix,
            read_cache=0,
            sample_requests=args.questdb_sample_requests,
        )
        server = ServerCpu(args.questdb_pid, settings) if args.questdb_pid else None
        opened = time.perf_counter()
        qstore = QuestDBHistoryStore(settings)
        opened = time.perf_counter() - opened
        print(
            f"QuestDB store opened in {opened * 1e3:.0f} ms (its tables made; the read path's "
            "warm-up, QuestDBHistorySettings.warm_up, runs on a thread of its own, not waited for)"
        )
        try:
            got = store_figures(qstore, data, args.repeat, server)
            got.size = questdb_bytes(settings)
        finally:
            qstore.drop_tables()
            qstore.close()
        base = questdb_baseline(data, args.repeat, settings, server)
        ok &= report(
            "QuestDB", got, base, data, ("ILP, no dedup keys", "SAMPLE BY 1m", "LATEST ON")
        )
    print("answers equal to the baselines" if ok else "ANSWERS DIFFER from the baselines")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
