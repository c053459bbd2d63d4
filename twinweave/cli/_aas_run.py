"""The work behind ``twinweave aas export`` (imported only when the command runs)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

import aas
import ontology
from loaders import LoaderError
from twinweave._config import ConfigError, load_settings
from twinweave.cli._load_run import open_store

EXIT_OK = 0
EXIT_ERROR = 2


def _error(message: str) -> int:
    print(f"twinweave aas export: {message}", file=sys.stderr)
    return EXIT_ERROR


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(os.environ)
    except ConfigError as exc:
        return _error(str(exc))
    output = Path(args.output)
    if not output.parent.is_dir():
        return _error(f"--output {args.output!r}: folder {str(output.parent)!r} does not exist")
    try:
        store = open_store(settings, dry_run=True)  # read only: never creates or writes
    except (LoaderError, ontology.OntologyError) as exc:
        return _error(str(exc))
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
    started = time.perf_counter()
    try:
        exporter = aas.Exporter(store, aas.TwinMapper(store.model_set()))
        if args.twin is not None:
            store.get_twin(args.twin)
            ids = [args.twin]
        else:
            ids = exporter.twin_ids(args.subtree)
        with bar:
            task = bar.add_task("export", total=max(len(ids), 1))
            exporter.write(
                ids,
                output,
                aas.ExportFormat(args.format),
                lambda done, total: bar.update(task, completed=done),
                xml_metamodel=args.metamodel,
                aasx_part=aas.AasxPart(args.aasx_part),
            )
    except ontology.NotFoundError:
        return _error(f"twin {args.twin or args.subtree!r} not found; expected an existing twin id")
    except (aas.AasError, ontology.OntologyError) as exc:
        return _error(str(exc))
    finally:
        if settings.graph_store == "neo4j":
            store.close()
    took = time.perf_counter() - started
    print(f"wrote {output}: {len(ids)} twins as AAS {args.format} in {took:.2f} s")
    return EXIT_OK
