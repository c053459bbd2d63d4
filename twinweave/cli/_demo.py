"""``twinweave demo``: the sample plant, the simulator through the embedded worker, the server.

No servers needed: the in-process graph store keeps its snapshot and the
embedded history store its file under ``<TWINWEAVE_DATA_DIR>/demo/``. Loading
is idempotent, so a second run finds everything unchanged. A day of simulated
history is written when the last day has none; then the simulator runs live,
and GraphQL (queries, history, subscriptions) serves it all from this process.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from twinweave._config import ConfigError, load_settings
from twinweave.cli._demo_examples import banner
from twinweave.cli._serve import add_server_arguments, cannot_listen, open_history, serve

if TYPE_CHECKING:
    import ontology

PRINCIPAL = "twinweave-demo"


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def tour(store: ontology.GraphStore) -> list[str]:
    """A few lines that show the loaded plant: hierarchy, identity, DAG."""
    import ontology

    lines: list[str] = []
    twins = store.list_twins(first=ontology.MAX_PAGE).items
    roots = [t for t in twins if not store.parents(t.id)]
    for root in roots:
        below = store.descendants(root.id, first=ontology.MAX_PAGE).items
        lines.append(f"  {root.id} ({root.model}): {len(below)} twins below it")
    for twin in twins:
        namespaces = {alias.namespace for alias in twin.aliases}
        if len(namespaces) >= 2:
            names = ", ".join(f"{a.namespace}={a.value}" for a in twin.aliases)
            resolved = {store.resolve_aliases(a.namespace, [a.value])[0] for a in twin.aliases}
            verdict = "each resolves to it" if resolved == {twin.id} else f"resolve to {resolved}"
            lines.append(f"  one twin, many names: {twin.id} <- {names} ({verdict})")
            break
    for twin in twins:
        parents = store.parents(twin.id)
        if len(parents) >= 2:
            lines.append(f"  a DAG, not a tree: {twin.id} has parents {', '.join(parents)}")
            break
    return lines


def _run(args: argparse.Namespace) -> int:
    import ontology
    from loaders import LoaderError, load_paths, sample_plant_paths

    try:
        settings = load_settings(os.environ)
    except ConfigError as exc:
        _err(f"twinweave demo: {exc}")
        return 2
    if cannot_listen("demo", settings, args):
        return 2
    demo_dir = settings.data_dir / "demo"
    try:
        demo_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _err(f"twinweave demo: cannot create {str(demo_dir)!r} (TWINWEAVE_DATA_DIR): {exc}")
        return 2
    store = ontology.MemoryStore(snapshot=demo_dir / "graph.snapshot")
    try:
        report = load_paths(sample_plant_paths(), store, principal=PRINCIPAL)
        store.flush()
    except (LoaderError, ontology.OntologyError) as exc:
        _err(f"twinweave demo: the sample plant did not load: {exc}")
        return 1
    _err("twinweave demo: the sample plant in the embedded graph store")
    _err("\n".join("  " + line for line in report.as_text().splitlines()))
    _err("\n".join(tour(store)))
    history = open_history(replace(settings, history_store="duckdb", data_dir=demo_dir))
    if history is None:
        return serve(settings, store, host=args.host, port=args.port, access_log=args.access_log)
    from ontology.changefeed.memory import MemoryChangeFeed
    from twinweave.cli._demo_live import DemoWorkers

    feed = MemoryChangeFeed()
    return serve(
        settings,
        store,
        host=args.host,
        port=args.port,
        history=history,
        changes=feed,
        background=DemoWorkers(store, history, feed),
        banner=lambda base: _err(banner(base)),
        access_log=args.access_log,
    )


def register(subparsers: Any) -> None:
    text = "load the sample plant on embedded defaults and run the server; no servers needed"
    description = (
        "Load the sample plant (9 DTDL models, 55 twins with ERP, MAC and Sparkplug aliases) "
        "into the embedded graph store, backfill a day of simulated history, run the "
        "simulator live through the embedded ingest worker, and serve the twin explorer "
        "(/), GraphQL (/graphql) and the AAS Part 2 API (/aas/api/v3.1) from this one "
        "process. Its files go under TWINWEAVE_DATA_DIR/demo (default .twinweave/demo); "
        "a second run finds the plant unchanged."
    )
    parser = subparsers.add_parser(
        "demo",
        help=text,
        description=description,
        epilog=(
            "Exit codes: 0 stopped with Ctrl-C, 1 the sample plant did not load, 2 usage or "
            "configuration error (a port in use included). Example: twinweave demo --port "
            "8080; TWINWEAVE_DATA_DIR=/tmp/tw twinweave demo. The example queries it prints "
            "run in GraphiQL at /graphql. See docs/graphql.md."
        ),
    )
    add_server_arguments(parser)
    parser.set_defaults(handler=_run)
