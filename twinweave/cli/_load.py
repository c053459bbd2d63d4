"""``twinweave load``: models, hierarchies and twin graphs from files into the graph store.

The store comes from the settings: ``TWINWEAVE_GRAPH_STORE=memory`` (the
embedded store, persisted to ``<TWINWEAVE_DATA_DIR>/graph.snapshot``) or
``neo4j`` (``TWINWEAVE_NEO4J_*``). The report goes to stdout (text, or JSON
with ``--report json``), the progress bar to stderr (only on a terminal).
The work lives in ``_load_run``, imported only when the command runs, so the
other commands start without loading the graph stores.

Exit codes: 0 everything loaded, 1 some rows were rejected, 2 usage,
configuration, file or store errors (then nothing was written by the failing
phase).
"""

from __future__ import annotations

import argparse
from typing import Any

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_ERROR = 2
DEFAULT_PRINCIPAL = "twinweave-load"
DEFAULT_BATCH_SIZE = 5_000
"""The same as ``loaders.LoadLimits().batch_size`` (a test holds them equal)."""


def _run(args: argparse.Namespace) -> int:
    from twinweave.cli._load_run import run

    return run(args)


def register(subparsers: Any) -> None:
    description = (
        "Load DTDL models (JSON files or folders), hierarchies (YAML, JSON, CSV) and twin "
        "graphs (Azure Digital Twins import NDJSON) into the graph store. Identities are "
        "harmonised through aliases (alias:<namespace> columns); loading twice changes "
        "nothing. Rejected rows are reported with file, line and reason."
    )
    parser = subparsers.add_parser(
        "load",
        help="load models, hierarchies and twin graphs from files",
        description=description,
        epilog=(
            "Exit codes: 0 all loaded, 1 some rows rejected, 2 usage, configuration, file or "
            "store error. Example: twinweave load models/ plant.yaml machines.csv. "
            "A large test plant: python -m loaders.synthetic --twins 100000 --out DIR. "
            "See docs/loading.md."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to load")
    parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    parser.add_argument(
        "--principal",
        default=DEFAULT_PRINCIPAL,
        help=f"who the audit trail names as the writer ({DEFAULT_PRINCIPAL})",
    )
    parser.add_argument(
        "--report",
        choices=("text", "json"),
        default="text",
        help="report format on stdout (text)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar on stderr")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"twins or edges per store call ({DEFAULT_BATCH_SIZE})",
    )
    parser.set_defaults(handler=_run)
