"""The options ``benchmarks/ingest.py`` takes for sections (c) and (e), and running them."""

from __future__ import annotations

import argparse
import uuid

from benchmarks._ingest_peers._runner import neo4j_questdb_section, peers_section
from benchmarks._ingest_peers._stores import KINDS, StoreSpec
from benchmarks._ingest_peers._venv import peers_python
from benchmarks._ingest_peers._workload import Workload
from ingest.worker import WorkerSettings

MAX_SIZES = 8
"""``--e-max-records`` takes at most this many batch sizes."""


def add_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("(c) peers and (e) Neo4j + QuestDB (need --kafka)")
    group.add_argument(
        "--peers",
        action="store_true",
        help="(c) run the faust-streaming agent and the quixstreams job beside ours on one "
        "topic (in .venv-peers, made on first use)",
    )
    group.add_argument(
        "--stores",
        choices=KINDS,
        default="embedded",
        help="neo4j+questdb: run (e), ours into Neo4j + QuestDB, and put (c)'s stores there too",
    )
    group.add_argument("--peer-records", type=int, default=1000, help="(c)'s records")
    group.add_argument(
        "--e-max-records",
        type=_sizes,
        default=(WorkerSettings().max_records,),
        metavar="N[,N...]",
        help="(e): the worker's records per batch at most, without growth (grow_limit 1; "
        "default: twinweave ingest's max_records, "
        f"{WorkerSettings().max_records}); several, comma-separated, are taken in turns "
        "(smaller: more batches, the next prepared while one is written)",
    )
    group.add_argument(
        "--fresh-tables",
        action="store_true",
        help="(e): time the batches into each run's freshly created, empty history tables "
        "(their first commits); by default one small batch of other twins is written into "
        "them first, untimed, as a running worker's tables hold rows",
    )
    group.add_argument(
        "--faust-records",
        type=int,
        default=10,
        help="the first records of (c)'s topic the faust agent ingests (it is slow)",
    )
    group.add_argument("--peers-python", metavar="PATH", help="an interpreter with the peers")
    group.add_argument("--peer-timeout", type=float, default=1800.0, help="seconds per peer run")
    group.add_argument("--neo4j", default="bolt://127.0.0.1:17687", help="Bolt URI (auth off)")
    group.add_argument(
        "--questdb",
        default="127.0.0.1:19000:18812",
        metavar="HOST:HTTP:PG",
        help="QuestDB host, HTTP port, PostgreSQL-wire port",
    )


def _sizes(text: str) -> tuple[int, ...]:
    """``--e-max-records``: one or more record counts, comma-separated, each 1 to 1,000,000."""
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or len(sizes) > MAX_SIZES or not all(1 <= n <= 1_000_000 for n in sizes):
        msg = f"{text!r}; expected 1 to {MAX_SIZES} counts of 1 to 1000000, comma-separated"
        raise argparse.ArgumentTypeError(msg)
    return sizes


def run_sections(
    parser: argparse.ArgumentParser, args: argparse.Namespace, twins: int, runs: int
) -> bool:
    """Sections (c) and (e) as the options ask; True when every answer matched."""
    if not (args.peers or args.stores != "embedded"):
        return True
    if not args.kafka:
        parser.error("--peers and --stores neo4j+questdb need --kafka HOST:PORT")
    if min(args.peer_records, args.faust_records, args.per_record) < 1:
        parser.error("--peer-records, --faust-records and --per-record must be >= 1")
    host, _, ports = args.questdb.partition(":")
    http, _, pg = ports.partition(":")
    if not (host and http.isdigit() and pg.isdigit()):
        parser.error(f"--questdb {args.questdb!r}; expected HOST:HTTP_PORT:PG_PORT")
    mine = f"b{uuid.uuid4().hex[:10]}"  # this run's Neo4j namespaces and QuestDB prefixes
    spec = StoreSpec(args.stores, args.neo4j, mine, host, int(http), int(pg), mine)
    ok = True
    if args.stores == "neo4j+questdb":
        work = Workload(args.records, args.per_record, twins)
        ok = neo4j_questdb_section(
            args.kafka, work, spec, runs, args.e_max_records, fresh=args.fresh_tables
        )
    if args.peers:
        python = peers_python(args.peers_python)
        work = Workload(args.peer_records, args.per_record, twins)
        ok = (
            peers_section(
                args.kafka, work, args.faust_records, spec, runs, python, args.peer_timeout
            )
            and ok
        )
    return ok
