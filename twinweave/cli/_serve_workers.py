"""``twinweave serve --workers N``: several server processes on one port, over shared stores.

uvicorn starts the processes; each builds its own application from the
environment through ``create_worker_app`` (the change feed named on the command
line is handed down as ``TWINWEAVE_CHANGE_FEED``, ``--exists-stale-ms`` and
``--model-recheck-ms`` as their variables). Only Neo4j and QuestDB can
be shared by processes: the embedded graph store and DuckDB belong to one.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from twinweave._config import Settings, load_settings

if TYPE_CHECKING:
    from starlette.applications import Starlette

MAX_WORKERS = 32


def workers_problem(settings: Settings, workers: int) -> str | None:
    """Why ``workers`` processes cannot serve these settings, or ``None``."""
    if not 1 <= workers <= MAX_WORKERS:
        return f"--workers {workers}; expected 1 to {MAX_WORKERS}"
    if workers > 1 and (settings.graph_store, settings.history_store) != ("neo4j", "questdb"):
        return (
            f"--workers {workers} needs stores that processes can share: "
            "TWINWEAVE_GRAPH_STORE=neo4j and TWINWEAVE_HISTORY_STORE=questdb (got "
            f"{settings.graph_store} and {settings.history_store}; the embedded stores "
            "belong to one process)"
        )
    return None


def serve_workers(settings: Settings, args: argparse.Namespace, change_feed: str) -> int:
    """Run ``args.workers`` processes until Ctrl-C; 2 when the settings cannot allow it."""
    import uvicorn

    from twinweave.cli._listen import listen_address
    from twinweave.cli._serve import uvicorn_options, with_store_options

    problem = workers_problem(settings, args.workers)
    if problem is not None:
        print(f"twinweave serve: {problem}", file=sys.stderr)
        return 2
    if change_feed:
        from twinweave.cli._kafka_url import KafkaUrlError, kafka_address

        try:
            kafka_address(change_feed, "--change-feed")
        except KafkaUrlError as exc:
            print(f"twinweave serve: {exc}", file=sys.stderr)
            return 2
        os.environ["TWINWEAVE_CHANGE_FEED"] = change_feed  # what the workers read
    with_store_options(settings, args, os.environ)  # the store options, likewise
    host, port = listen_address(settings, args.host, args.port)
    print(
        f"GraphQL at http://{host}:{port}/graphql, {args.workers} processes  (Ctrl-C stops)",
        file=sys.stderr,
    )
    print(f"AAS at http://{host}:{port}/aas/api/v3.1 and /aas/api/v3.0", file=sys.stderr)
    uvicorn.run(
        "twinweave.cli._serve_workers:create_worker_app",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        **uvicorn_options(settings, access_log=args.access_log),
    )
    return 0


def create_worker_app() -> Starlette:
    """One worker process's application, from the environment (uvicorn calls this)."""
    from server import create_app
    from twinweave.cli._history import open_history
    from twinweave.cli._load_run import open_store
    from twinweave.cli._serve import open_change_feed, server_settings

    settings = load_settings(os.environ)
    changes = (
        open_change_feed(settings.change_feed, "TWINWEAVE_CHANGE_FEED")
        if settings.change_feed
        else None
    )
    store = open_store(settings, dry_run=False)
    history = open_history(settings)
    return create_app(
        server_settings(settings, changes), store=store, history=history, changes=changes
    )
