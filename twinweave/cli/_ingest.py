"""``twinweave ingest``: run the ingest worker (Kafka, file replay or the simulator).

The stores come from the settings (as for ``twinweave load``): the embedded
graph store (``<TWINWEAVE_DATA_DIR>/graph.snapshot``) or Neo4j, and the DuckDB
history (``<TWINWEAVE_DATA_DIR>/history.duckdb``). The work lives in
``_ingest_run``, imported only when the command runs.

Exit codes: 0 stopped cleanly (SIGTERM, Ctrl-C, a replay or simulation done,
or idle), 2 usage, configuration or store errors.
"""

from __future__ import annotations

import argparse
from typing import Any

DEFAULT_PRINCIPAL = "twinweave-ingest"
DEFAULT_MAX_RECORDS = 5_000
DEFAULT_GROW_LIMIT = 10
"""As ``WorkerSettings.grow_limit``."""
DEFAULT_FETCH_LINGER_MS = 25
"""As ``KafkaSourceSettings.fetch_linger_ms``."""
DEFAULT_REORDER_TIMEOUT_S = 2.0
"""The Sparkplug Reorder Timeout (spec 5: \"as little as a couple of seconds\")."""


def _run(args: argparse.Namespace) -> int:
    from twinweave.cli._ingest_run import run

    return run(args)


def _kernel_threads(text: str) -> int:
    """``--kernel-threads``: a whole number from 1 to 64."""
    if not text.isdigit() or not 1 <= int(text) <= 64:
        msg = f"{text!r}; expected a whole number of threads from 1 to 64"
        raise argparse.ArgumentTypeError(msg)
    return int(text)


def register(subparsers: Any) -> None:
    description = (
        "Fuse telemetry into live twin state, history, events and lineage. Records are "
        "decoded (JSON), resolved to twins through aliases, checked against the pipeline "
        "(units, ranges, time limits), ordered by event time, deduplicated and written: "
        "history first, then the changed state and rollups; only then is the source "
        "acknowledged. SIGTERM or Ctrl-C finishes the batch in hand and stops."
    )
    parser = subparsers.add_parser(
        "ingest",
        help="run the telemetry ingest worker (Kafka, MQTT/Sparkplug B, file replay, simulator)",
        description=description,
        epilog=(
            "Sources: kafka://HOST:PORT/TOPIC (a consumer group; default: TWINWEAVE_KAFKA_*), "
            "mqtt://HOST:PORT or mqtt (the broker of TWINWEAVE_MQTT_HOST and _PORT; subscribes "
            "TWINWEAVE_MQTT_TOPICS; plain JSON topics and Sparkplug B), "
            "replay:FILE (one JSON record per line), sim (the built-in simulator of the "
            "plant's machines). Exit codes: 0 stopped cleanly (SIGTERM, Ctrl-C, a replay or "
            "simulation done, or idle), 2 usage, configuration, source or store error. "
            "Refused records: the run's first 10 are told on stderr, each with its place (file "
            "line, or Kafka partition and offset), the reason, what was wrong and what was "
            "expected, and the record's start; the rest are counted in the progress lines and "
            "kept in history's quarantine. A Kafka broker that cannot be "
            "reached is told first, with its address, the topic and group, and what to check. "
            "Examples: twinweave ingest --source replay:feed.ndjson; "
            "twinweave ingest --rebuild --source kafka://127.0.0.1:9092/twinweave.telemetry; "
            "twinweave ingest --source mqtt://127.0.0.1:1883 --bridge-to "
            "kafka://127.0.0.1:9092/twinweave.telemetry. "
            "See docs/ingest.md."
        ),
    )
    parser.add_argument(
        "--source",
        metavar="SPEC",
        help="kafka://HOST:PORT/TOPIC, mqtt://HOST:PORT, mqtt, replay:FILE or sim (default: Kafka)",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help=(
            "rebuild state and history from the Kafka topic (the source of truth): read it "
            "from its beginning to its current end without a consumer group, write the state "
            "a full replay gives and every sample again (history keeps one copy), then exit"
        ),
    )
    parser.add_argument(
        "--pipeline",
        metavar="FILE",
        help="pipeline file, YAML or JSON (default: the shipped ingest/pipeline/default.yaml)",
    )
    parser.add_argument("--group", help="Kafka consumer group (default: TWINWEAVE_KAFKA_GROUP)")
    parser.add_argument(
        "--record-format",
        choices=("json", "arrow"),
        default="json",
        help="how records without a content-type header are decoded: JSON, or the columnar "
        "codec's Arrow IPC stream (json); a header naming "
        "application/vnd.apache.arrow.stream always selects the columnar codec",
    )
    parser.add_argument(
        "--bridge-to",
        metavar="kafka://HOST:PORT/TOPIC",
        help=(
            "bridge mode (with --source mqtt...): resolve each MQTT JSON or Sparkplug B "
            "message's twins through the aliases and republish it to this Kafka topic keyed "
            "by twin; MQTT messages are acknowledged only after Kafka acknowledged them; no "
            "state or history is written (a worker on the topic does that)"
        ),
    )
    parser.add_argument(
        "--client-id",
        metavar="ID",
        help=(
            "MQTT client id: a persistent session that gets unacknowledged messages again "
            "after a restart (bridge default: twinweave-bridge)"
        ),
    )
    parser.add_argument(
        "--change-feed",
        metavar="kafka://HOST:PORT/TOPIC",
        help=(
            "publish what each commit changed to this Kafka topic, for the servers "
            "(default: TWINWEAVE_CHANGE_FEED; none when empty)"
        ),
    )
    parser.add_argument(
        "--max-records",
        type=int,
        default=DEFAULT_MAX_RECORDS,
        help=(
            f"records per batch ({DEFAULT_MAX_RECORDS}); a backlog of one-sample records "
            "may grow a batch to --grow-limit times this"
        ),
    )
    parser.add_argument(
        "--grow-limit",
        type=int,
        default=DEFAULT_GROW_LIMIT,
        metavar="N",
        help=(
            "while the source is behind with full batches of few samples per key (one-sample "
            "records), each batch may take twice the records of the last, up to N x "
            f"--max-records (1 to 1000; 1: never; {DEFAULT_GROW_LIMIT})"
        ),
    )
    parser.add_argument(
        "--fetch-linger-ms",
        type=int,
        default=DEFAULT_FETCH_LINGER_MS,
        metavar="MS",
        help=(
            "Kafka: after records come, wait at most this long for what the broker got "
            "meanwhile, so it joins this batch, not the next (0: never; "
            f"{DEFAULT_FETCH_LINGER_MS})"
        ),
    )
    parser.add_argument(
        "--kernel-threads",
        type=_kernel_threads,
        default=1,
        metavar="N",
        help=(
            "threads the fusion kernel runs each batch on, 1 to 64; the batches are the "
            "same whatever N; 2 helps on a machine with a free core (1)"
        ),
    )
    parser.add_argument(
        "--principal",
        default=DEFAULT_PRINCIPAL,
        help=f"who the batches' lineage names as the writer ({DEFAULT_PRINCIPAL})",
    )
    parser.add_argument(
        "--progress-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="seconds between progress lines on stderr; 0: one line per batch (1.0)",
    )
    parser.add_argument(
        "--exit-when-idle",
        type=float,
        metavar="SECONDS",
        help="stop once nothing has come for this long and nothing is waiting (Kafka lag 0)",
    )
    parser.add_argument(
        "--sparkplug-reorder-timeout",
        type=float,
        default=DEFAULT_REORDER_TIMEOUT_S,
        metavar="SECONDS",
        help=(
            "Sparkplug B (--source mqtt://): how long a gap in seq waits for the missing "
            f"messages before a rebirth is asked; 0: at once ({DEFAULT_REORDER_TIMEOUT_S})"
        ),
    )
    sim = parser.add_argument_group("simulator (--source sim)")
    sim.add_argument("--sim-ticks", type=int, metavar="N", help="ticks to run (default: forever)")
    sim.add_argument(
        "--sim-tick",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="wall time between ticks; 0: as fast as the worker takes them (1.0)",
    )
    sim.add_argument("--sim-seed", type=int, default=0, help="random seed (0)")
    sim.add_argument(
        "--sim-format",
        choices=("json", "arrow"),
        default="json",
        help="the simulated records' format: JSON, or the columnar Arrow IPC stream (json)",
    )
    sim.add_argument(
        "--sim-publish",
        metavar="kafka://HOST:PORT/TOPIC",
        help="publish the simulated records to Kafka (keyed by twin) instead of ingesting them",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    parser.set_defaults(handler=_run)
