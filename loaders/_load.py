"""``load_paths``: files -> rows -> models, twins, aliases and edges in the graph store.

The phases, each finished before the next starts:

1. read every file (nothing is written if any file cannot be read: ``LoaderError``);
2. models: every DTDL document in one ``add_models`` call;
3. plan: identity harmonisation and row checks (see ``_plan.py``);
4. twins (with their aliases) in batches of ``upsert_twins``;
5. edges (parents, relationships) in batches of ``add_edges``.

With ``dry_run`` the store is only read; the report says what would change.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from pathlib import Path

from loaders._errors import LoaderError
from loaders._files import GRAPH_SUFFIXES, TABLE_SUFFIXES, expand
from loaders._limits import LoadLimits
from loaders._models import load_models
from loaders._plan import Planner
from loaders._progress import NoProgress, Progress
from loaders._read_adt import read_adt
from loaders._read_csv import read_csv
from loaders._read_tree import read_tree
from loaders._report import Counts, LoadReport, RowRejection
from loaders._rows import Parsed
from loaders._write import write_edges, write_twins
from ontology import SYSTEM_PRINCIPAL, GraphStore, StoreUnavailableError


def read_paths(
    paths: Sequence[Path], limits: LoadLimits, progress: Progress | None = None
) -> Parsed:
    """Every row of every file (folders expanded); raises ``LoaderError`` for unreadable files."""
    progress = progress or NoProgress()
    files = expand(paths, limits)
    progress.phase("reading", len(files))
    parsed = Parsed()
    for path in files:
        suffix = path.suffix.lower()
        if suffix in TABLE_SUFFIXES:
            parsed.extend(read_csv(path, limits))
        elif suffix in GRAPH_SUFFIXES:
            parsed.extend(read_adt(path, limits))
        else:
            parsed.extend(read_tree(path, limits))
        progress.advance(1)
    return parsed


def load_paths(
    paths: Sequence[Path],
    store: GraphStore,
    *,
    principal: str = SYSTEM_PRINCIPAL,
    dry_run: bool = False,
    limits: LoadLimits | None = None,
    progress: Progress | None = None,
) -> LoadReport:
    """Load models, hierarchies and twin graphs from ``paths`` into ``store``.

    Loading the same files twice gives the same graph (the second report counts
    everything unchanged). Rows that cannot be loaded are in the report's
    ``rejections`` with file, line and reason; the rest is loaded. Raises
    ``LoaderError`` when a file cannot be read at all or the store is unreachable.
    """
    limits = limits or LoadLimits()
    progress = progress or NoProgress()
    # A load holds millions of small objects and makes no reference cycles: the cyclic
    # collector's passes over that growing heap cost as much as parsing the file
    # (benchmarks/load.py), so it waits until the load is done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        parsed = read_paths(paths, limits, progress)
        return _load(parsed, store, principal, dry_run, limits, progress)
    except StoreUnavailableError as err:
        msg = f"the graph store is unavailable: {err}"
        raise LoaderError(msg) from err
    finally:
        if collecting:
            gc.enable()


def _load(
    parsed: Parsed,
    store: GraphStore,
    principal: str,
    dry_run: bool,
    limits: LoadLimits,
    progress: Progress,
) -> LoadReport:
    progress.phase("models", len(parsed.models))
    models = load_models(store, parsed.models, principal=principal, dry_run=dry_run)
    progress.advance(len(parsed.models))
    rejections = [*parsed.rejections, *models.rejections]
    notes: list[str] = []
    if models.model_set is None:
        rejections.extend(
            row.where.reject("no models are held: load the DTDL models first (or with this load)")
            for row in parsed.twins
        )
        rejections.extend(
            e.where.reject("no models are held: load the DTDL models first") for e in parsed.edges
        )
        return _report(parsed, models.counts, Counts(), Counts(), 0, rejections, dry_run, notes)
    extra = [t for e in parsed.edges for t in (e.source, e.target)]
    plan = Planner(store, models.model_set, parsed.twins).run(extra, progress)
    rejections.extend(plan.rejections)
    twins = write_twins(
        store,
        plan,
        principal=principal,
        dry_run=dry_run,
        batch_size=limits.batch_size,
        progress=progress,
    )
    rejections.extend(twins.rejections)
    edges = write_edges(
        store,
        plan,
        parsed.edges,
        principal=principal,
        dry_run=dry_run,
        batch_size=limits.batch_size,
        progress=progress,
        failed_twins=twins.failed,
        rejected_rows=twins.rejections,
    )
    rejections.extend(edges.rejections)
    notes.extend(twins.notes)
    twin_counts = twins.counts + Counts(rejected=len(plan.rejections))
    return _report(
        parsed, models.counts, twin_counts, edges.counts, twins.aliases, rejections, dry_run, notes
    )


def _report(
    parsed: Parsed,
    models: Counts,
    twins: Counts,
    edges: Counts,
    aliases: int,
    rejections: list[RowRejection],
    dry_run: bool,
    notes: list[str],
) -> LoadReport:
    order = {file: n for n, file in enumerate(parsed.files)}
    ordered = sorted(rejections, key=lambda r: (order.get(r.file, -1), r.line or 0))
    return LoadReport(
        files=tuple(parsed.files),
        rows=parsed.rows,
        models=models,
        twins=twins,
        edges=edges,
        aliases=aliases,
        rejections=tuple(ordered),
        dry_run=dry_run,
        notes=tuple(notes),
    )
