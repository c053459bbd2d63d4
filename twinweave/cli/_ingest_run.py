"""The composition behind ``twinweave ingest``: settings -> stores, pipeline, source, worker."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

from aiokafka.errors import KafkaError

import ingest
import ontology
from ingest.codecs import (
    ARROW_STREAM,
    Codec,
    ColumnarCodec,
    ContentTypeCodec,
    JsonCodec,
    TopicCodec,
)
from ingest.codecs.sparkplug import SparkplugCodec
from ingest.pipeline import Fusion, Pipeline, PipelineError, default_pipeline, load_pipeline
from ingest.sim import SimSettings, SimSource, Simulator, plant_assets, publish_to_kafka
from ingest.sources import (
    BackloggedSource,
    KafkaLogSource,
    KafkaSource,
    KafkaSourceSettings,
    MqttSource,
    MqttSourceSettings,
    ReplaySource,
    Source,
)
from ingest.worker import (
    MAX_REJECTS_KEPT,
    BatchCommitter,
    BatchOutcome,
    FeedHealth,
    Worker,
    WorkerSettings,
    WorkerStats,
    tune_collector,
)
from ontology.changefeed.kafka import KafkaChangeFeed, KafkaChangeFeedSettings
from ontology.history import HistoryStore
from twinweave._config import ConfigError, Settings, load_settings
from twinweave.cli._history import open_history
from twinweave.cli._kafka_url import KafkaUrlError, kafka_address
from twinweave.cli._reject_lines import MAX_TOLD, reject_line
from twinweave.cli._slow_notice import KERNEL_NOTICE, notice_if_slow

EXIT_OK = 0
EXIT_ERROR = 2
DEFAULT_FRESHNESS_S = 60.0
"""A feed's freshness limit when the pipeline's ``feeds`` does not name it."""


class UsageError(Exception):
    """A bad argument: the message says which and what was expected."""


def run(args: argparse.Namespace) -> int:
    tune_collector()  # this process is a worker: short-lived objects by the million
    if args.bridge_to is not None:
        from twinweave.cli._ingest_bridge import bridge

        return bridge(args)
    if args.sim_publish is not None:
        return _publish(args)
    try:
        settings = load_settings(os.environ)
        _check_rebuild(args)
        pipeline = _pipeline(args.pipeline)
        worker_settings = WorkerSettings(
            principal=args.principal, max_records=args.max_records, grow_limit=args.grow_limit
        )
    except (ConfigError, UsageError, PipelineError, ingest.IngestError) as error:
        _err(f"twinweave ingest: {error}")
        return EXIT_ERROR
    with ExitStack() as stack:
        try:
            graph = _graph(settings)
            stack.callback(graph.close)
            history = open_history(settings)
            stack.callback(history.close)
            source = _source(args, settings, history, graph)
            feed = None
            change_feed, where = (
                (args.change_feed, "--change-feed")
                if args.change_feed is not None
                else (settings.change_feed, "TWINWEAVE_CHANGE_FEED")
            )
            if change_feed:
                bootstrap, topic = _kafka_address(change_feed, where)
                feed = KafkaChangeFeed(KafkaChangeFeedSettings(bootstrap, topic))
                stack.callback(feed.close)
            columnar = ColumnarCodec()
            default: Codec = columnar if args.record_format == "arrow" else JsonCodec()
            codec: Codec = ContentTypeCodec({ARROW_STREAM: columnar}, default)
            if isinstance(source, MqttSource):
                sparkplug = SparkplugCodec(
                    on_rebirth=source.request_rebirth,
                    reorder_timeout_s=args.sparkplug_reorder_timeout,
                )
                stack.callback(sparkplug.close)
                codec = TopicCodec(sparkplug, codec)
        except (UsageError, ontology.OntologyError, ingest.IngestError, OSError) as error:
            _err(f"twinweave ingest: {error}")
            return EXIT_ERROR
        with notice_if_slow(f"twinweave ingest: {KERNEL_NOTICE}", enabled=not args.quiet):
            fusion = Fusion(
                pipeline, graph, load_state=not args.rebuild, kernel_threads=args.kernel_threads
            )
        committer = BatchCommitter(
            fusion=fusion,
            graph=graph,
            history=history,
            feed=feed,
            codec=codec,
            feed_name=source.feed,
            principal=args.principal,
        )
        flush = graph.flush if isinstance(graph, ontology.MemoryStore) else None
        progress = None if args.quiet else Progress(args.progress_interval, rebuild=args.rebuild)
        health = None
        if not args.rebuild:  # a rebuild says nothing about how the feed is doing now
            health = FeedHealth(
                graph,
                source.feed,
                freshness_s=pipeline.freshness_s.get(source.feed, DEFAULT_FRESHNESS_S),
                principal=args.principal,
            )
        worker = Worker(
            source,
            committer,
            worker_settings,
            flush=flush,
            on_batch=progress.batch if progress else None,
            health=health,
        )
        try:
            stats = asyncio.run(_main(worker, source, args.exit_when_idle, progress))
        except (ontology.OntologyError, ingest.IngestError) as error:
            _err(f"twinweave ingest: {error}")
            return EXIT_ERROR
        if progress is not None:
            done = f"rebuilt; {stats.records} records read" if args.rebuild else "stopped"
            _err(f"twinweave ingest: {done}; {stats.line()}")
    return EXIT_OK


async def _main(
    worker: Worker, source: Source, idle_s: float | None, progress: Progress | None
) -> WorkerStats:
    _on_signals(worker.stop)
    watcher = asyncio.ensure_future(_watch(worker, source, idle_s, progress))
    try:
        return await worker.run()
    finally:
        watcher.cancel()


async def _watch(
    worker: Worker, source: Source, idle_s: float | None, progress: Progress | None
) -> None:
    """Progress lines with the lag; stops the worker once idle for ``idle_s`` with no lag."""
    seen, quiet_since = -1, time.monotonic()
    backlogged = source if isinstance(source, BackloggedSource) else None
    while True:
        await asyncio.sleep(0.2)
        lag = await backlogged.lag() if backlogged is not None else None
        if progress is not None:
            progress.tick(worker.stats, lag)
        caught_up = lag == 0 if backlogged is not None else True
        if worker.stats.batches != seen or not caught_up:
            seen, quiet_since = worker.stats.batches, time.monotonic()
        elif idle_s is not None and time.monotonic() - quiet_since >= idle_s:
            worker.stop()
            return


def _on_signals(stop: Callable[[], None]) -> None:
    """SIGTERM and Ctrl-C call ``stop`` (only the main thread can catch signals)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(RuntimeError, ValueError, NotImplementedError):
            loop.add_signal_handler(signum, stop)


class Progress:
    """Progress lines on stderr: every ``interval`` seconds, or every batch when 0; and the
    run's first ``MAX_TOLD`` rejects, one line each (where, what was wrong, the record's
    start)."""

    def __init__(self, interval: float, *, rebuild: bool = False) -> None:
        self.interval = interval
        self.behind = "{} records to rebuild" if rebuild else "lag {} records"
        self._last = time.monotonic()
        self.told = 0
        """Rejects told so far."""

    def batch(self, outcome: BatchOutcome, stats: WorkerStats) -> None:
        if self.told <= MAX_TOLD and outcome.rejects:
            for reject in outcome.rejects[: MAX_TOLD - self.told]:
                _err(f"twinweave ingest: rejected {reject_line(reject)}")
            self.told = min(self.told + len(outcome.rejects), MAX_TOLD + 1)
            if self.told > MAX_TOLD:
                _err(
                    f"twinweave ingest: {MAX_TOLD} rejects told; later ones are counted, and "
                    f"history keeps up to {MAX_REJECTS_KEPT} of each reason a batch with "
                    "their place and detail"
                )
        if self.interval <= 0:
            kind = "state-only " if outcome.state_only else ""
            _err(f"batch {outcome.batch} {kind}records {outcome.records}; {stats.line()}")

    def tick(self, stats: WorkerStats, lag: int | None) -> None:
        if self.interval > 0 and time.monotonic() - self._last >= self.interval:
            self._last = time.monotonic()
            behind = "" if lag is None else f"; {self.behind.format(lag)}"
            _err(f"{stats.line()}{behind}")


def _check_rebuild(args: argparse.Namespace) -> None:
    """``--rebuild`` reads a Kafka topic once, without a group, and ends by itself."""
    if not args.rebuild:
        return
    if args.source is not None and not args.source.startswith("kafka://"):
        msg = (
            "--rebuild reads a Kafka topic; expected --source kafka://HOST:PORT/TOPIC or no "
            f"--source, not {args.source!r}"
        )
        raise UsageError(msg)
    for option, value in (("--group", args.group), ("--exit-when-idle", args.exit_when_idle)):
        if value is not None:
            msg = (
                f"--rebuild with {option} {value!r}: a rebuild joins no group and ends at the "
                f"topic's end; expected no {option}"
            )
            raise UsageError(msg)


def _pipeline(path: str | None) -> Pipeline:
    if path is None:
        return default_pipeline()
    try:
        text = Path(path).read_bytes()
    except OSError as error:
        msg = f"--pipeline {path!r} cannot be read ({error.strerror}); expected a YAML or JSON file"
        raise UsageError(msg) from None
    return load_pipeline(text, where=path)


def _graph(settings: Settings) -> ontology.GraphStore:
    if settings.graph_store == "neo4j":
        from twinweave.cli._neo4j_store import neo4j_store_settings

        return ontology.Neo4jStore(neo4j_store_settings(settings.neo4j))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return ontology.MemoryStore(snapshot=settings.data_dir / "graph.snapshot")


def _publish(args: argparse.Namespace) -> int:
    """``--source sim --sim-publish kafka://...``: the simulator's records to a Kafka topic."""
    try:
        settings = load_settings(os.environ)
        if args.source != "sim":
            msg = f"--sim-publish goes with --source sim, not --source {args.source!r}"
            raise UsageError(msg)
        bootstrap, topic = _kafka_address(args.sim_publish, "--sim-publish")
        graph = _graph(settings)
        try:
            simulator = _simulator(args, graph)
        finally:
            graph.close()
    except (ConfigError, UsageError, ontology.OntologyError, ingest.IngestError) as error:
        _err(f"twinweave ingest: {error}")
        return EXIT_ERROR

    async def main() -> int:
        stop = asyncio.Event()
        _on_signals(stop.set)
        tick_s = args.sim_tick if args.sim_tick > 0 else None
        return await publish_to_kafka(
            simulator, bootstrap, topic, ticks=args.sim_ticks, tick_s=tick_s, stop=stop
        )

    try:
        sent = asyncio.run(main())
    except (KafkaError, OSError) as error:
        _err(f"twinweave ingest: Kafka at {bootstrap!r}: {error}")
        return EXIT_ERROR
    if not args.quiet:
        _err(f"twinweave ingest: published {sent} simulated records to {topic}")
    return EXIT_OK


def _simulator(args: argparse.Namespace, graph: ontology.GraphStore) -> Simulator:
    if args.sim_ticks is not None and args.sim_ticks < 1:
        msg = f"--sim-ticks {args.sim_ticks}; expected a whole number >= 1"
        raise UsageError(msg)
    if not 0 <= args.sim_tick <= 3600:
        msg = f"--sim-tick {args.sim_tick}; expected seconds from 0 to 3600"
        raise UsageError(msg)
    tick_ms = max(1, round(args.sim_tick * 1000)) if args.sim_tick > 0 else 1000
    now_ms = int(time.time() * 1000)
    sim_settings = SimSettings(
        seed=args.sim_seed, start_ms=now_ms, tick_ms=tick_ms, format=args.sim_format
    )
    return Simulator(plant_assets(graph), sim_settings)


def _kafka_address(spec: str, option: str) -> tuple[str, str]:
    try:
        return kafka_address(spec, option)
    except KafkaUrlError as error:
        raise UsageError(str(error)) from None


def _source(
    args: argparse.Namespace, settings: Settings, history: HistoryStore, graph: ontology.GraphStore
) -> Source:
    spec: str | None = args.source
    group = args.group or settings.kafka_group
    if spec is None or spec.startswith("kafka://"):
        bootstrap, topic = settings.kafka_bootstrap, settings.kafka_topics[0]
        if spec is not None:
            bootstrap, topic = _kafka_address(spec, "--source")
        kafka = KafkaSourceSettings(bootstrap, topic, group, fetch_linger_ms=args.fetch_linger_ms)
        if args.rebuild:
            return KafkaLogSource(kafka, history)
        return KafkaSource(kafka, history, on_rebalance=None if args.quiet else _rebalanced)
    if spec == "mqtt" or spec.startswith("mqtt://"):
        host, port = mqtt_address(spec, settings)
        mqtt = MqttSourceSettings(host, port, settings.mqtt_topics, client_id=args.client_id or "")
        return MqttSource(mqtt)
    if spec == "sim":
        # a simulated run starts now, so its samples are fresh, not late
        tick_s = args.sim_tick if args.sim_tick > 0 else None
        return SimSource(_simulator(args, graph), ticks=args.sim_ticks, tick_s=tick_s)
    if spec.startswith("replay:"):
        path = Path(spec.removeprefix("replay:"))
        if not path.is_file():
            msg = f"--source {spec!r}: no file {str(path)!r}; expected replay:FILE"
            raise UsageError(msg)
        return ReplaySource(path)
    msg = (
        f"--source {spec!r} is not understood; expected kafka://HOST:PORT/TOPIC, "
        "mqtt://HOST:PORT, replay:FILE or sim"
    )
    raise UsageError(msg)


def _rebalanced(what: str, partitions: frozenset[int]) -> None:
    if partitions:
        _err(f"twinweave ingest: partitions {what} {sorted(partitions)}")


def mqtt_address(spec: str, settings: Settings) -> tuple[str, int]:
    """``mqtt://HOST:PORT``, or ``mqtt`` / ``mqtt://``: TWINWEAVE_MQTT_HOST and _PORT."""
    if spec in ("mqtt", "mqtt://"):
        return settings.mqtt_host, settings.mqtt_port
    parts = urlsplit(spec)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.hostname is None or port is None or parts.path.strip("/"):
        msg = (
            f"--source {spec!r}; expected mqtt://HOST:PORT, or mqtt for TWINWEAVE_MQTT_HOST "
            "and TWINWEAVE_MQTT_PORT (topics: TWINWEAVE_MQTT_TOPICS)"
        )
        raise UsageError(msg)
    return parts.hostname, port


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
