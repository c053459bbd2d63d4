"""The planned twins and edges into the store, in batches, through the GraphStore protocol.

Each batch is one ``upsert_twins`` or ``add_edges`` call; the store writes all
of a call's accepted items or none. Items the store refuses come back with
reasons and are reported at the rows that gave them. A call that fails as a
whole (an ``OntologyError``) rejects every row of that batch and the load goes
on; an unreachable store (``StoreUnavailableError``) stops the load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from loaders import _props
from loaders._errors import LoaderError
from loaders._plan import Plan, fetch_twins
from loaders._progress import Progress
from loaders._report import Counts, RowRejection
from loaders._rows import EdgeRow, Where
from ontology import (
    BulkResult,
    Edge,
    GraphStore,
    Lifecycle,
    OntologyError,
    StoreUnavailableError,
    TwinSpec,
)

T = TypeVar("T")
"""An item of a batch."""


@dataclass(slots=True)
class Written:
    counts: Counts = field(default_factory=Counts)
    rejections: list[RowRejection] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
    """Keys (twin ids) the store refused."""
    aliases: int = 0
    notes: list[str] = field(default_factory=list)


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _call(
    what: str,
    write: Callable[..., BulkResult],
    items: Sequence[object],
    principal: str,
) -> tuple[BulkResult, str | None]:
    """One store call; a failed call is a reason for all of its items."""
    try:
        return write(items, principal=principal), None
    except StoreUnavailableError as err:
        msg = f"the graph store is unavailable while writing {what}: {err}"
        raise LoaderError(msg) from err
    except OntologyError as err:
        return BulkResult(), f"the store refused the batch of {len(items)} {what}: {err}"


def edge_key(source: str, name: str, target: str) -> str:
    """The key the store gives a refused edge (as in its audit records)."""
    return f"{source} -[{name}]-> {target}"


# ------------------------------------------------------------------- twins
def _spec(plan: Plan, twin_id: str) -> TwinSpec:
    pending = plan.twins[twin_id]
    existing = pending.existing
    if existing is None:
        return TwinSpec(
            id=twin_id,
            model=pending.model,
            properties=_props.nest(plan.models, pending.model, pending.properties),
            aliases=tuple(pending.aliases),
            lifecycle=pending.lifecycle or Lifecycle.PROVISIONED,
        )
    given = pending.properties
    if any("." in key for key in given):  # a component's properties: merged into the stored one
        flat = _props.flatten_stored(plan.models, existing.model, existing.properties)
        flat.update(given)
        properties = _props.nest(plan.models, pending.model, flat)
    else:  # top-level properties only (a DTDL name has no dot; the model is the stored one)
        properties = dict(existing.properties)
        properties.update(given)
    return TwinSpec(
        id=twin_id,
        model=pending.model,
        properties=properties,
        aliases=(*existing.aliases, *pending.aliases),
        lifecycle=pending.lifecycle or existing.lifecycle,
    )


def write_twins(
    store: GraphStore,
    plan: Plan,
    *,
    principal: str,
    dry_run: bool,
    batch_size: int,
    progress: Progress,
) -> Written:
    out = Written()
    specs = [_spec(plan, twin_id) for twin_id in plan.twins]
    progress.phase("twins", len(specs))
    for batch in _batches(specs, batch_size):
        keys = [s.id for s in batch]
        if dry_run:
            result, failure = _would_upsert(plan, batch), None
        else:
            result, failure = _call("twins", store.upsert_twins, batch, principal)
        refused = {r.key: r.reason for r in result.rejected}
        if failure is not None:
            refused = dict.fromkeys(keys, failure)
        for key, reason in refused.items():
            pending = plan.twins.get(key)
            out.failed.add(key)
            rows = pending.rows if pending else [Where("(store)", None)]
            out.rejections.extend(where.reject(f"twin {key!r}: {reason}") for where in rows)
        out.counts += Counts(result.created, result.updated, result.unchanged, len(refused))
        out.aliases += sum(len(plan.twins[k].aliases) for k in keys if k not in refused)
        progress.advance(len(batch))
    if not dry_run:
        _move_lifecycles(store, plan, out, principal)
    return out


def _would_upsert(plan: Plan, batch: Sequence[TwinSpec]) -> BulkResult:
    created = updated = unchanged = 0
    for spec in batch:
        existing = plan.twins[spec.id].existing
        if existing is None:
            created += 1
        elif (
            existing.model == spec.model
            and existing.aliases == spec.aliases
            and existing.properties == spec.properties
        ):
            unchanged += 1
        else:
            updated += 1
    return BulkResult(created=created, updated=updated, unchanged=unchanged)


def _move_lifecycles(store: GraphStore, plan: Plan, out: Written, principal: str) -> None:
    """Rows may move a stored twin's lifecycle (upserts keep it): one checked move each."""
    moved = 0
    for twin_id, pending in plan.twins.items():
        existing = pending.existing
        if (
            existing is None
            or pending.lifecycle is None
            or pending.lifecycle == existing.lifecycle
            or twin_id in out.failed
        ):
            continue
        try:
            store.set_lifecycle(twin_id, pending.lifecycle, principal=principal)
            moved += 1
        except StoreUnavailableError as err:
            msg = f"the graph store is unavailable while moving lifecycles: {err}"
            raise LoaderError(msg) from err
        except OntologyError as err:
            out.rejections.extend(where.reject(str(err)) for where in pending.rows)
    if moved:
        out.notes.append(f"{moved} twin(s) moved to the lifecycle their rows give")


# ------------------------------------------------------------------- edges
@dataclass(slots=True)
class _EdgeItem:
    edge: Edge
    rows: list[Where]


def _collect_edges(
    plan: Plan,
    edge_rows: Sequence[EdgeRow],
    out: Written,
    rejected: set[tuple[str, int | None]],
) -> list[_EdgeItem]:
    items: dict[tuple[str, str, str], _EdgeItem] = {}
    twins, existing, failed = plan.twins, plan.existing, out.failed
    candidates = [
        (link.where, link.source, link.name, link.target, link.properties) for link in plan.links
    ]
    candidates.extend((e.where, e.source, e.name, e.target, e.properties) for e in edge_rows)
    for where, source, name, target, properties in candidates:
        if not (
            (source in twins or source in existing)
            and (target in twins or target in existing)
            and source not in failed
            and target not in failed
        ):
            _refuse_edge(plan, out, rejected, where, source, name, target)
            continue
        key = (source, name, target)
        item = items.get(key)
        if item is None:
            items[key] = _EdgeItem(Edge(source, name, target, properties), [where])
        elif dict(item.edge.properties) == properties:
            item.rows.append(where)
        else:
            out.rejections.append(
                where.reject(
                    f"edge {edge_key(*key)}: properties {properties!r:.60} conflict with "
                    f"{dict(item.edge.properties)!r:.60} from {item.rows[0]}"
                )
            )
    return list(items.values())


def _refuse_edge(
    plan: Plan,
    out: Written,
    rejected: set[tuple[str, int | None]],
    where: Where,
    source: str,
    name: str,
    target: str,
) -> None:
    """An edge with an endpoint that is missing or refused: reported once, at its row."""
    missing = [t for t in (source, target) if t not in plan.twins and t not in plan.existing]
    refused = [t for t in (source, target) if t in out.failed]
    if refused and (where.file, where.line) in rejected:
        return  # the row is rejected already (its own twin was refused)
    key = edge_key(source, name, target)
    if missing:
        why = (
            "its row was rejected"
            if missing[0] in plan.named
            else "no twin with that id in the store or in this load"
        )
        out.rejections.append(where.reject(f"edge {key}: dangling endpoint {missing[0]!r}: {why}"))
    else:
        out.rejections.append(where.reject(f"edge {key}: twin {refused[0]!r} was rejected"))


def write_edges(
    store: GraphStore,
    plan: Plan,
    edge_rows: Sequence[EdgeRow],
    *,
    principal: str,
    dry_run: bool,
    batch_size: int,
    progress: Progress,
    failed_twins: set[str],
    rejected_rows: Sequence[RowRejection] = (),
) -> Written:
    """Edges of accepted rows and relationship rows; ``rejected_rows`` are not reported twice."""
    out = Written(failed=set(failed_twins))
    fetch_twins(
        store,
        (t for e in edge_rows for t in (e.source, e.target) if t not in plan.twins),
        plan.existing,
    )
    items = _collect_edges(plan, edge_rows, out, {(r.file, r.line) for r in rejected_rows})
    rejected_before = len(out.rejections)
    progress.phase("edges", len(items))
    for batch in _batches(items, batch_size):
        edges = [i.edge for i in batch]
        if dry_run:
            result, failure = _would_add(store, plan, edges), None
        else:
            result, failure = _call("edges", store.add_edges, edges, principal)
        refused = {r.key: r.reason for r in result.rejected}
        if failure is not None:
            refused = dict.fromkeys((edge_key(e.source, e.name, e.target) for e in edges), failure)
        by_key = (
            {edge_key(i.edge.source, i.edge.name, i.edge.target): i for i in batch}
            if refused
            else {}
        )  # the store names a refused edge by its key: only then are keys needed
        for key, reason in refused.items():
            item = by_key.get(key)
            rows = item.rows if item else [Where("(store)", None)]
            out.rejections.extend(where.reject(f"edge {key}: {reason}") for where in rows)
        out.counts += Counts(result.created, result.updated, result.unchanged, len(refused))
        progress.advance(len(batch))
    out.counts += Counts(rejected=rejected_before)
    return out


def _would_add(store: GraphStore, plan: Plan, edges: Sequence[Edge]) -> BulkResult:
    created = updated = unchanged = 0
    held: dict[tuple[str, str], dict[str, Edge]] = {}
    for edge in edges:
        if edge.source not in plan.existing:
            created += 1
            continue
        known = held.get((edge.source, edge.name))
        if known is None:
            known = {e.target: e for e in store.edges_from(edge.source, edge.name)}
            held[(edge.source, edge.name)] = known
        stored = known.get(edge.target)
        if stored is None:
            created += 1
        elif dict(stored.properties) == dict(edge.properties):
            unchanged += 1
        else:
            updated += 1
    return BulkResult(created=created, updated=updated, unchanged=unchanged)
