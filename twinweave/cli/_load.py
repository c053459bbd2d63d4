"""``twinweave load``: hierarchies and twin graphs from files (not built yet)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def _run(args: argparse.Namespace) -> int:
    print("twinweave load: not built yet. Nothing was loaded.", file=sys.stderr)
    return 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("load", help="(not built yet) load hierarchies and twin graphs")
    parser.add_argument("paths", nargs="*", metavar="PATH")
    parser.set_defaults(handler=_run)
