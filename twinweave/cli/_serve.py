"""``twinweave demo`` and ``twinweave serve``: run the HTTP server."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from server import ServerSettings, create_app
from twinweave._config import ConfigError, load_settings
from twinweave._version import __version__

# Capabilities whose issues are still open; the server lists them as not ready.
MISSING = (
    "twin-graph",
    "models",
    "history",
    "events",
    "lineage",
    "subscriptions",
    "federation",
    "aas",
    "ingest",
    "simulator",
)


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    try:
        settings = load_settings(os.environ)
    except ConfigError as exc:
        print(f"twinweave {args.command_name}: {exc}", file=sys.stderr)
        return 2
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    app = create_app(
        ServerSettings(
            version=__version__,
            graph_store=settings.graph_store,
            history_store=settings.history_store,
            missing=MISSING,
        )
    )
    if args.command_name == "demo":
        print(
            "twinweave demo: the server skeleton on embedded defaults. Not built yet: "
            + ", ".join(MISSING)
            + ".",
            file=sys.stderr,
        )
    print(f"GraphQL at http://{host}:{port}/graphql  (Ctrl-C stops)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level)
    return 0


def _add(subparsers: Any, name: str, help_text: str) -> None:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser.add_argument("--host", help="address to bind (default: TWINWEAVE_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to bind (default: TWINWEAVE_PORT or 8000)")
    parser.set_defaults(handler=_run, command_name=name)


def register(subparsers: Any) -> None:
    _add(subparsers, "demo", "run Twinweave on embedded defaults, no servers needed")
    _add(subparsers, "serve", "run the GraphQL server with the configured stores")
