"""``twinweave dtdl``: validate DTDL models (not built yet)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def _run(args: argparse.Namespace) -> int:
    print("twinweave dtdl: not built yet. Nothing was validated.", file=sys.stderr)
    return 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("dtdl", help="(not built yet) validate DTDL v2/v3 models")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.set_defaults(handler=_run)
