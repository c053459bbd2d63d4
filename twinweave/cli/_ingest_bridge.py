"""``twinweave ingest --source mqtt://... --bridge-to kafka://HOST:PORT/TOPIC``: the bridge.

Opens only the graph store (the aliases) and the pipeline (its identity
namespaces): the bridge writes no state and no history; the workers reading
the Kafka topic do.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

import ingest
import ontology
from ingest.bridge import Bridge, BridgeSettings, BridgeStats
from ingest.codecs import JsonCodec, TopicCodec
from ingest.codecs.sparkplug import SparkplugCodec
from ingest.pipeline import Fusion, PipelineError
from ingest.sources import MqttSource, MqttSourceSettings
from twinweave._config import ConfigError, load_settings
from twinweave.cli._ingest_run import (
    EXIT_ERROR,
    EXIT_OK,
    UsageError,
    _err,
    _graph,
    _kafka_address,
    _on_signals,
    _pipeline,
    mqtt_address,
)

BRIDGE_CLIENT_ID = "twinweave-bridge"


def bridge(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(os.environ)
        spec = args.source or ""
        if not (spec == "mqtt" or spec.startswith("mqtt://")):
            msg = (
                f"--bridge-to reads MQTT; expected --source mqtt://HOST:PORT or mqtt, not {spec!r}"
            )
            raise UsageError(msg)
        if args.rebuild or args.sim_publish is not None or args.change_feed is not None:
            msg = (
                "--bridge-to writes no stores; expected no --rebuild, --sim-publish or "
                "--change-feed"
            )
            raise UsageError(msg)
        host, port = mqtt_address(spec, settings)
        bootstrap, topic = _kafka_address(args.bridge_to, "--bridge-to")
        pipeline = _pipeline(args.pipeline)
        bridge_settings = BridgeSettings(bootstrap, topic, max_records=args.max_records)
        source = MqttSource(
            MqttSourceSettings(
                host, port, settings.mqtt_topics, client_id=args.client_id or BRIDGE_CLIENT_ID
            )
        )
        graph = _graph(settings)
    except (
        ConfigError,
        UsageError,
        PipelineError,
        ingest.IngestError,
        ontology.OntologyError,
    ) as error:
        _err(f"twinweave ingest: {error}")
        return EXIT_ERROR
    try:
        codec = TopicCodec(SparkplugCodec(on_rebirth=source.request_rebirth), JsonCodec())
        fusion = Fusion(pipeline, graph, kernel_threads=args.kernel_threads)
        runner = Bridge(source, codec, fusion, bridge_settings)
        try:
            stats = asyncio.run(_main(runner, None if args.quiet else args.progress_interval))
        except (ingest.IngestError, ontology.OntologyError) as error:
            _err(f"twinweave ingest: {error}")
            return EXIT_ERROR
    finally:
        graph.close()
    if not args.quiet:
        _err(f"twinweave ingest: bridge stopped; {stats.line()}")
    return EXIT_OK


async def _main(runner: Bridge, interval: float | None) -> BridgeStats:
    _on_signals(runner.stop)
    ticker = asyncio.ensure_future(_progress(runner, interval))
    try:
        return await runner.run()
    finally:
        ticker.cancel()


async def _progress(runner: Bridge, interval: float | None) -> None:
    if interval is None:
        return
    seen = -1
    last = time.monotonic()
    while True:
        await asyncio.sleep(0.2 if interval <= 0 else min(interval, 1.0))
        if interval <= 0 and runner.stats.batches != seen:
            seen = runner.stats.batches
            _err(f"bridge: {runner.stats.line()}")
        elif interval > 0 and time.monotonic() - last >= interval:
            last = time.monotonic()
            _err(f"bridge: {runner.stats.line()}")
