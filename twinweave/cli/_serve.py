"""``twinweave serve``: run the HTTP server (GraphQL at ``/graphql``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import sys
from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any, Protocol

from twinweave._config import (
    MAX_EXISTS_STALE_MS,
    MAX_MODEL_RECHECK_MS,
    ConfigError,
    Settings,
    load_settings,
    milliseconds,
)
from twinweave._version import __version__
from twinweave.cli._listen import listen_address, listen_problem, port_number

if TYPE_CHECKING:
    import uvicorn

    import ontology
    from ontology.changefeed import ChangeFeed
    from ontology.history import HistoryStore
    from server import ServerSettings

# Capabilities the server lists as not ready: subscriptions need a change feed
# (the demo's in-process one, or a Kafka topic named by --change-feed).
MISSING = ("subscriptions",)


def open_history(settings: Settings) -> HistoryStore | None:
    """The configured history store, or ``None`` (said on stderr) when it cannot open."""
    import ontology
    from twinweave.cli._history import open_history as open_configured

    try:
        return open_configured(settings)
    except (ontology.OntologyError, OSError) as exc:
        print(f"the history store did not open ({exc}); serving without history", file=sys.stderr)
        return None


class Background(Protocol):
    """Work that runs beside the server (the demo's simulator and worker)."""

    async def run(self) -> object: ...

    def stop(self) -> None: ...


async def _when_listening(server: uvicorn.Server, then: Callable[[], None]) -> None:
    """Call ``then`` once ``server`` listens (not when it fails to start)."""
    while not server.started and not server.should_exit:
        await asyncio.sleep(0.05)
    if server.started:
        then()


async def _serve_beside(
    server: uvicorn.Server, background: Background, listening: Callable[[], None]
) -> None:
    task = asyncio.create_task(background.run())
    said = asyncio.create_task(_when_listening(server, listening))
    try:
        await server.serve()
    finally:
        said.cancel()
        background.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)


def server_settings(settings: Settings, changes: ChangeFeed | None) -> ServerSettings:
    """The server's typed settings; subscriptions are ready when there is a change feed."""
    from server import ServerSettings

    missing = MISSING if changes is None else tuple(m for m in MISSING if m != "subscriptions")
    return ServerSettings(
        version=__version__,
        graph_store=settings.graph_store,
        history_store=settings.history_store,
        missing=missing,
    )


def serve(
    settings: Settings,
    store: ontology.GraphStore,
    *,
    host: str | None,
    port: int | None,
    history: HistoryStore | None = None,
    changes: ChangeFeed | None = None,
    background: Background | None = None,
    banner: Callable[[str], None] | None = None,
    access_log: bool = False,
) -> int:
    """Serve ``store`` (with ``history`` and ``changes``) until Ctrl-C; closes them afterwards.

    ``background`` runs beside the server in its event loop; ``banner`` gets the
    base URL once the server listens, with ``background`` (to print what to try);
    ``access_log``: write a line a request.
    """
    import uvicorn

    from server import create_app

    host, port = listen_address(settings, host, port)
    app = create_app(
        server_settings(settings, changes), store=store, history=history, changes=changes
    )
    print(f"GraphQL at http://{host}:{port}/graphql  (Ctrl-C stops)", file=sys.stderr)
    print(f"AAS at http://{host}:{port}/aas/api/v3.1 and /aas/api/v3.0", file=sys.stderr)

    def listening() -> None:  # the banner once the server answers, not before its start-up
        if banner is not None:
            banner(f"http://{host}:{port}")

    options = uvicorn_options(settings, access_log=access_log)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, **options))
    try:
        if background is None:
            server.run()
        else:
            asyncio.run(_serve_beside(server, background, listening))
    finally:
        store.close()
        if history is not None:
            history.close()
        if changes is not None:
            changes.close()
    return 0


def uvicorn_options(settings: Settings, *, access_log: bool = False) -> dict[str, Any]:
    """uvicorn's options (``server.uvicorn_options``: its HTTP protocol and loop); the access
    log (a line a request) with ``--access-log`` or at debug level."""
    from server import uvicorn_options as options

    logging = access_log or settings.log_level in ("debug", "trace")
    return options(log_level=settings.log_level, access_log=logging)


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to bind (default: TWINWEAVE_HOST or 127.0.0.1)")
    parser.add_argument(
        "--port", type=port_number, help="port to bind (default: TWINWEAVE_PORT or 8000)"
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help=(
            "write uvicorn's access log, a line a request (default: off, as it costs CPU "
            "on every request; on at TWINWEAVE_LOG_LEVEL=debug)"
        ),
    )


def _add_change_feed(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--change-feed",
        metavar="kafka://HOST:PORT/TOPIC",
        help=(
            "serve subscriptions from the change feed the ingest workers publish to this "
            "Kafka topic (default: TWINWEAVE_CHANGE_FEED; without one, no subscriptions)"
        ),
    )


def open_change_feed(spec: str, where: str) -> ChangeFeed:
    """The Kafka change feed ``spec`` names (``where``: the option or variable it came from)."""
    from ontology.changefeed.kafka import KafkaChangeFeed, KafkaChangeFeedSettings
    from twinweave.cli._kafka_url import kafka_address

    bootstrap, topic = kafka_address(spec, where)
    return KafkaChangeFeed(KafkaChangeFeedSettings(bootstrap, topic))


STORE_OPTIONS = {
    "exists_stale_ms": "TWINWEAVE_NEO4J_EXISTS_STALE_MS",
    "model_recheck_ms": "TWINWEAVE_NEO4J_MODEL_RECHECK_MS",
}
"""The Neo4j store's settings ``serve`` takes as options (``--exists-stale-ms``,
``--model-recheck-ms``), with the variable each overrides and hands down to ``--workers``
processes."""


def cannot_listen(command: str, settings: Settings, args: argparse.Namespace) -> bool:
    """Whether the server could not listen where ``args`` and ``settings`` say (said on
    stderr, for ``twinweave COMMAND`` to exit 2 before it opens or loads anything)."""
    problem = listen_problem(*listen_address(settings, args.host, args.port))
    if problem is not None:
        print(f"twinweave {command}: {problem}", file=sys.stderr)
    return problem is not None


def _milliseconds(option: str, most: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            return milliseconds(option, raw, most)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--exists-stale-ms",
        type=_milliseconds("--exists-stale-ms", MAX_EXISTS_STALE_MS),
        metavar="MS",
        help=(
            "Neo4j: how stale an answer to whether a twin exists may be about another "
            "process's writes (the other --workers processes, another server, a loader on the "
            "same Neo4j): a twin one of them creates or deletes is seen by every request "
            "that begins this long after the write committed, and may be missed by one that "
            "begins sooner; this process's own writes are seen at once. 0 is strict (every "
            f"check reads Neo4j). 0 to {MAX_EXISTS_STALE_MS} (default: "
            "TWINWEAVE_NEO4J_EXISTS_STALE_MS or 500)"
        ),
    )
    parser.add_argument(
        "--model-recheck-ms",
        type=_milliseconds("--model-recheck-ms", MAX_MODEL_RECHECK_MS),
        metavar="MS",
        help=(
            "Neo4j: how stale the models and rollup definitions a request reads may be about "
            "another process's uploads and deletes: seen by requests that begin this long "
            "after; this process's own at once. 0 reads the models' counter on every request. "
            f"0 to {MAX_MODEL_RECHECK_MS} (default: TWINWEAVE_NEO4J_MODEL_RECHECK_MS or 500)"
        ),
    )


def with_store_options(
    settings: Settings, args: argparse.Namespace, environ: MutableMapping[str, str] | None = None
) -> Settings:
    """``settings`` with the store options given on the command line; each is also set in
    ``environ`` when given (what ``--workers`` processes read)."""
    given = {
        field: getattr(args, field)
        for field in STORE_OPTIONS
        if getattr(args, field, None) is not None
    }
    if environ is not None:
        for field, value in given.items():
            environ[STORE_OPTIONS[field]] = str(value)
    neo4j = dataclasses.replace(settings.neo4j, **given)
    return dataclasses.replace(settings, neo4j=neo4j)


def _run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(os.environ)
    except ConfigError as exc:
        print(f"twinweave serve: {exc}", file=sys.stderr)
        return 2
    settings = with_store_options(settings, args)
    if cannot_listen("serve", settings, args):
        return 2
    import ontology
    from loaders import LoaderError
    from twinweave.cli._kafka_url import KafkaUrlError
    from twinweave.cli._load_run import open_store

    spec, where = (
        (args.change_feed, "--change-feed")
        if args.change_feed is not None
        else (settings.change_feed, "TWINWEAVE_CHANGE_FEED")
    )
    if args.workers != 1:
        from twinweave.cli._serve_workers import serve_workers

        return serve_workers(settings, args, spec)
    try:
        changes = open_change_feed(spec, where) if spec else None
    except (KafkaUrlError, ontology.OntologyError) as exc:
        print(f"twinweave serve: {exc}", file=sys.stderr)
        return 2
    try:
        store = open_store(settings, dry_run=False)
    except (LoaderError, ontology.OntologyError) as exc:
        print(f"twinweave serve: the graph store did not open: {exc}", file=sys.stderr)
        if changes is not None:
            changes.close()
        return 1
    history = open_history(settings)
    return serve(
        settings,
        store,
        host=args.host,
        port=args.port,
        history=history,
        changes=changes,
        access_log=args.access_log,
    )


def register(subparsers: Any) -> None:
    text = (
        "serve GraphQL (/graphql), the AAS Part 2 API (/aas/api/v3.1, /v3.0) and the "
        "twin explorer (/) over the configured graph and history stores"
    )
    parser = subparsers.add_parser(
        "serve",
        help=text,
        description=text,
        epilog=(
            "Exit codes: 0 stopped with Ctrl-C, 1 the graph store did not open, 2 usage or "
            "configuration error (a port in use included). Examples: twinweave serve --port "
            "8080 (after twinweave load ...); TWINWEAVE_GRAPH_STORE=neo4j "
            "TWINWEAVE_HISTORY_STORE=questdb twinweave serve --workers 2 --change-feed "
            "kafka://127.0.0.1:19092/twinweave.changes. See docs/graphql.md."
        ),
    )
    add_server_arguments(parser)
    _add_change_feed(parser)
    _add_store_options(parser)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help=(
            "server processes sharing the port (default 1; more than one needs the shared "
            "stores: TWINWEAVE_GRAPH_STORE=neo4j and TWINWEAVE_HISTORY_STORE=questdb)"
        ),
    )
    parser.set_defaults(handler=_run)
