"""The work behind ``twinweave load`` (imported only when the command runs).

``twinweave load``: models, hierarchies and twin graphs from files into the graph store.

The store comes from the settings: ``TWINWEAVE_GRAPH_STORE=memory`` (the
embedded store, persisted to ``<TWINWEAVE_DATA_DIR>/graph.snapshot``) or
``neo4j`` (``TWINWEAVE_NEO4J_*``). The report goes to stdout (text, or JSON
with ``--report json``), the progress bar to stderr (only on a terminal).

Exit codes: 0 everything loaded, 1 some rows were rejected, 2 usage,
configuration, file or store errors (then nothing was written by the failing
phase).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

import ontology
from loaders import LoaderError, LoadLimits, LoadReport, load_paths
from twinweave._config import ConfigError, Settings, load_settings
from twinweave.cli._load import EXIT_ERROR, EXIT_OK, EXIT_REJECTED

SHOWN_REJECTIONS = 200
"""Rejections the text report lists; ``--report json`` lists all."""


class _Bar:
    """The loader's progress protocol on a rich progress bar (stderr)."""

    def __init__(self, progress: RichProgress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def phase(self, name: str, total: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, visible=False)
        self._task = self._progress.add_task(name, total=max(total, 1))
        if total == 0:
            self._progress.update(self._task, completed=1)

    def advance(self, done: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, done)


def open_store(settings: Settings, *, dry_run: bool) -> ontology.GraphStore:
    """The graph store the settings name; raises ``LoaderError`` when it cannot be opened."""
    if settings.graph_store == "neo4j":
        from twinweave.cli._neo4j_store import neo4j_store_settings

        store: ontology.GraphStore = ontology.Neo4jStore(neo4j_store_settings(settings.neo4j))
        return store
    snapshot = settings.data_dir / "graph.snapshot"
    if not dry_run:
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            msg = f"cannot create TWINWEAVE_DATA_DIR {str(settings.data_dir)!r}: {err.strerror}"
            raise LoaderError(msg) from err
    if dry_run and not snapshot.exists():
        return ontology.MemoryStore()
    return ontology.MemoryStore(snapshot=snapshot)


def _print_report(report: LoadReport, style: str) -> None:
    try:
        print(_render(report, style), flush=True)
    except BrokenPipeError:  # e.g. piped into head: the reader has gone, so has the rest
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _render(report: LoadReport, style: str) -> str:
    if style == "json":
        return json.dumps(report.as_json(), indent=2)
    text = report.as_text()
    lines = text.splitlines()
    head = len(lines) - len(report.rejections)
    if len(report.rejections) > SHOWN_REJECTIONS:
        lines = lines[: head + SHOWN_REJECTIONS]
        more = len(report.rejections) - SHOWN_REJECTIONS
        lines.append(f"  ... and {more} more (--report json lists them all)")
    return "\n".join(lines)


def _error(message: str) -> None:
    print(f"twinweave load: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(os.environ)
    except ConfigError as exc:
        _error(str(exc))
        return EXIT_ERROR
    if args.batch_size < 1:
        _error(f"--batch-size {args.batch_size} must be 1 or more")
        return EXIT_ERROR
    limits = LoadLimits(batch_size=args.batch_size)
    show = not args.quiet and sys.stderr.isatty()
    bar = RichProgress(
        TextColumn("{task.description:>8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not show,
        transient=True,
    )
    try:
        store = open_store(settings, dry_run=args.dry_run)
    except (LoaderError, ontology.OntologyError) as exc:
        _error(str(exc))
        return EXIT_ERROR
    try:
        with bar:
            report = load_paths(
                [Path(p) for p in args.paths],
                store,
                principal=args.principal,
                dry_run=args.dry_run,
                limits=limits,
                progress=_Bar(bar),
            )
    except (LoaderError, ontology.OntologyError) as exc:
        _error(str(exc))
        return EXIT_ERROR
    finally:
        if not args.dry_run:
            store.close()
    _print_report(report, args.report)
    return EXIT_OK if report.ok else EXIT_REJECTED
