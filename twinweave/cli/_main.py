"""Argument parsing and dispatch for the ``twinweave`` command.

Each subcommand lives in its own module with a ``register(subparsers)``
function that adds its parser and sets ``handler`` to a function taking the
parsed arguments and returning the exit code.

Exit codes: 0 success, 1 the work found a problem (invalid models, rejected
rows), 2 usage, configuration or I/O error.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence

from twinweave._config import environment_help
from twinweave._version import __version__
from twinweave.cli import _aas, _demo, _dtdl, _ingest, _load, _serve

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    description = (
        "Twinweave: a federated twin knowledge-graph server. DTDL v3 models say what a "
        "twin is, a graph says which twins exist and how they relate, telemetry says what "
        "they are doing."
    )
    parser = argparse.ArgumentParser(
        prog="twinweave",
        description=textwrap.fill(description, 79),
        epilog=(
            "Settings come from these environment variables (see README.md, Configuration):\n"
            + environment_help()
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"twinweave {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    _demo.register(subparsers)
    _serve.register(subparsers)
    _load.register(subparsers)
    _dtdl.register(subparsers)
    _aas.register(subparsers)
    _ingest.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    code: int = handler(args)
    return code
