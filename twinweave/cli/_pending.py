"""Commands whose capability is not built yet: they say so and run nothing."""

from __future__ import annotations

import argparse
import sys
from typing import Any

_PENDING = {
    "aas": "export twins as AAS V3 (JSON, XML, AASX)",
}


def _not_built(name: str) -> Any:
    def handler(args: argparse.Namespace) -> int:
        print(
            f"twinweave {name}: not built yet; this command will {_PENDING[name]}. "
            "Nothing was run.",
            file=sys.stderr,
        )
        return 1

    return handler


def register(subparsers: Any) -> None:
    for name, purpose in _PENDING.items():
        parser = subparsers.add_parser(name, help=f"(not built yet) {purpose}")
        parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
        parser.set_defaults(handler=_not_built(name))
