"""``twinweave aas export``: twins as AAS V3 (JSON, XML or AASX) from the graph store.

The store comes from the settings, opened as ``twinweave load`` opens it
(the embedded store's snapshot under ``TWINWEAVE_DATA_DIR``, or Neo4j). The
work lives in ``_aas_run``, imported only when the command runs.

Exit codes: 0 written, 2 usage, configuration, store or file error (then no
file is left behind).
"""

from __future__ import annotations

import argparse
from typing import Any


def _run(args: argparse.Namespace) -> int:
    from twinweave.cli._aas_run import run

    return run(args)


def register(subparsers: Any) -> None:
    description = (
        "Asset Administration Shells (AAS V3, metamodel 3.1; the JSON is also valid 3.0) of "
        "twins and their DTDL models: everything, one twin (--twin) or a twin and everything "
        "below it (--subtree). JSON is streamed; XML and AASX are built in memory."
    )
    parser = subparsers.add_parser(
        "aas", help="AAS V3 exports (JSON, XML, AASX)", description=description
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    export = commands.add_parser(
        "export",
        help="write twins as an AAS environment file",
        description=description,
        epilog=(
            "Exit codes: 0 written, 2 usage, configuration, store or file error. Example: "
            "twinweave aas export --format aasx --subtree acme/jkt1 -o jkt1.aasx. "
            "See docs/aas.md."
        ),
    )
    export.add_argument(
        "--format", choices=("json", "xml", "aasx"), default="json", help="file format (json)"
    )
    export.add_argument(
        "--metamodel",
        choices=("3.1", "3.0"),
        default="3.1",
        help="XML namespace of --format xml (3.1); JSON is valid under both",
    )
    export.add_argument(
        "--aasx-part",
        choices=("json", "xml"),
        default="json",
        help=(
            "format of the environment inside an AASX (json: the JSON export, valid under "
            "3.0 and 3.1; xml: 3.1 XML for readers that take only XML parts)"
        ),
    )
    scope = export.add_mutually_exclusive_group()
    scope.add_argument("--subtree", metavar="ID", help="this twin and its descendants")
    scope.add_argument("--twin", metavar="ID", help="this twin only")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write")
    export.add_argument("--quiet", "-q", action="store_true", help="no progress bar on stderr")
    export.set_defaults(handler=_run)
    parser.set_defaults(handler=lambda _args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2
