"""``twinweave serve``: run the HTTP server (GraphQL at ``/graphql``)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from twinweave._config import ConfigError, Settings, load_settings
from twinweave._version import __version__

if TYPE_CHECKING:
    from pathlib import Path

    import ontology
    from ontology.history import HistoryStore

# Capabilities whose issues are still open; the server lists them as not ready.
MISSING = (
    "subscriptions",
    "aas",
    "ingest",
    "simulator",
)


def open_history(settings: Settings, path: Path) -> HistoryStore | None:
    """The embedded history store at ``path``, or ``None`` (said on stderr) when it cannot open."""
    import ontology
    from ontology.history import DuckDBHistorySettings, open_history_store

    if settings.history_store != "duckdb":
        name = settings.history_store
        print(f"history store {name!r} is not supported yet; serving without it", file=sys.stderr)
        return None
    try:
        return open_history_store(DuckDBHistorySettings(path=path))
    except ontology.OntologyError as exc:
        print(f"the history store did not open ({exc}); serving without history", file=sys.stderr)
        return None


def serve(
    settings: Settings,
    store: ontology.GraphStore,
    *,
    host: str | None,
    port: int | None,
    history: HistoryStore | None = None,
) -> int:
    """Serve ``store`` (and ``history``) until Ctrl-C; closes them afterwards."""
    import uvicorn

    from server import ServerSettings, create_app

    host = host or settings.host
    port = settings.port if port is None else port
    app = create_app(
        ServerSettings(
            version=__version__,
            graph_store=settings.graph_store,
            history_store=settings.history_store,
            missing=MISSING,
        ),
        store=store,
        history=history,
    )
    print(f"GraphQL at http://{host}:{port}/graphql  (Ctrl-C stops)", file=sys.stderr)
    try:
        uvicorn.run(app, host=host, port=port, log_level=settings.log_level)
    finally:
        store.close()
        if history is not None:
            history.close()
    return 0


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to bind (default: TWINWEAVE_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to bind (default: TWINWEAVE_PORT or 8000)")


def _run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(os.environ)
    except ConfigError as exc:
        print(f"twinweave serve: {exc}", file=sys.stderr)
        return 2
    import ontology
    from loaders import LoaderError
    from twinweave.cli._load_run import open_store

    try:
        store = open_store(settings, dry_run=False)
    except (LoaderError, ontology.OntologyError) as exc:
        print(f"twinweave serve: the graph store did not open: {exc}", file=sys.stderr)
        return 1
    history = open_history(settings, settings.data_dir / "history.duckdb")
    return serve(settings, store, host=args.host, port=args.port, history=history)


def register(subparsers: Any) -> None:
    text = "run the GraphQL server with the configured stores"
    parser = subparsers.add_parser("serve", help=text, description=text)
    add_server_arguments(parser)
    parser.set_defaults(handler=_run)
