"""Rows -> twins: identity harmonisation, row checks and the merge of rows into twins.

A row names its twin by ``id``, or (without one) by aliases: a row whose
aliases resolve, in the store or among the rows of this load, to one twin
merges into that twin. Rows with an id are placed first, then rows without
one, in passes until no more resolve, so file order does not matter (a file
keyed by MAC address may come before the file that links MACs to AssetIDs).

Every row is checked whole before it contributes anything: model known and
unchanged, properties fit the model, aliases not naming another twin, no
conflict with what an earlier row of this load set, parents and relationship
targets exist (in the store or in this load). A rejected row contributes
nothing; the reasons name what was wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dtdl import with_article
from loaders import _props
from loaders._progress import NoProgress, Progress
from loaders._report import RowRejection
from loaders._rows import Link, TwinRow, Where
from ontology import Alias, GraphStore, JsonValue, Lifecycle, Twin

if TYPE_CHECKING:
    import dtdl

LOOKUP_CHUNK = 5_000
"""Ids or alias values per store lookup."""


@dataclass(slots=True)
class Pending:
    """A twin this load writes: what the accepted rows say about it."""

    id: str
    model: str
    existing: Twin | None
    properties: dict[str, JsonValue] = field(default_factory=dict)
    """Flat (component properties as ``component.property``)."""
    set_by: dict[str, Where] = field(default_factory=dict)
    aliases: list[Alias] = field(default_factory=list)
    """Aliases the rows add (not already on the stored twin)."""
    lifecycle: Lifecycle | None = None
    rows: list[Where] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PlannedLink:
    """An edge an accepted twin row declares, with its endpoints resolved."""

    where: Where
    source: str
    name: str
    target: str
    properties: dict[str, JsonValue]


@dataclass(slots=True)
class Plan:
    models: _props.Models
    twins: dict[str, Pending] = field(default_factory=dict)
    links: list[PlannedLink] = field(default_factory=list)
    rejections: list[RowRejection] = field(default_factory=list)
    existing: dict[str, Twin] = field(default_factory=dict)
    """Stored twins the rows and edges refer to."""
    named: set[str] = field(default_factory=set)
    """Twin ids some row of this load gives (accepted or not)."""


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), LOOKUP_CHUNK):
        yield items[start : start + LOOKUP_CHUNK]


def fetch_twins(store: GraphStore, ids: Iterable[str], into: dict[str, Twin]) -> None:
    """Stored twins for ``ids`` (those not fetched yet) into ``into``."""
    wanted = list({i for i in ids if i not in into})  # any order: each id is looked up once
    for chunk in _chunks(wanted):
        for twin in store.get_twins(chunk):
            if twin is not None:
                into[twin.id] = twin


class Planner:
    def __init__(
        self, store: GraphStore, model_set: dtdl.ModelSet, rows: Sequence[TwinRow]
    ) -> None:
        self.store = store
        self.models = _props.Models(model_set)
        self.rows = rows
        self.plan = Plan(self.models)
        self.owner: dict[tuple[str, str], str] = {}
        """(namespace, value) of an alias -> the twin it names (plain tuples: hashed in C)."""
        self.named = {row.id for row in rows if row.id is not None}
        self.plan.named = self.named

    # ----------------------------------------------------------- store lookups
    def _prefetch(self, extra_ids: Iterable[str]) -> None:
        by_namespace: dict[str, set[str]] = {}
        for row in self.rows:
            for alias in row.aliases:
                by_namespace.setdefault(alias.namespace, set()).add(alias.value)
        resolved: set[str] = set()
        for namespace, values in sorted(by_namespace.items()):
            for chunk in _chunks(list(values)):
                for value, twin_id in zip(
                    chunk, self.store.resolve_aliases(namespace, chunk), strict=True
                ):
                    if twin_id is not None:
                        self.owner[(namespace, value)] = twin_id
                        resolved.add(twin_id)
        wanted: set[str] = self.named | resolved
        wanted.update(extra_ids)
        wanted.update(link.other for row in self.rows for link in row.links)
        fetch_twins(self.store, wanted, self.plan.existing)
        for twin in self.plan.existing.values():
            for alias in twin.aliases:
                self.owner.setdefault((alias.namespace, alias.value), twin.id)

    def known(self, twin_id: str) -> bool:
        return twin_id in self.plan.existing or twin_id in self.named

    # ------------------------------------------------------------------ rows
    def run(self, extra_ids: Iterable[str] = (), progress: Progress | None = None) -> Plan:
        progress = progress or NoProgress()
        progress.phase("rows", len(self.rows))
        self._prefetch(extra_ids)
        waiting: list[TwinRow] = []
        for n, row in enumerate(self.rows, start=1):
            if row.id is None:
                waiting.append(row)
            else:
                self._place(row, row.id)
            if n % 1000 == 0:
                progress.advance(1000)
        progress.advance(len(self.rows) % 1000)
        while waiting:
            still: list[TwinRow] = []
            for row in waiting:
                held = [(a, self.owner.get((a.namespace, a.value))) for a in row.aliases]
                owners = {twin for _, twin in held if twin is not None}
                if len(owners) > 1:
                    named = ", ".join(
                        f"{a.namespace}={a.value!r} -> {twin!r}"
                        for a, twin in held
                        if twin is not None
                    )
                    self._reject(row.where, f"the row's aliases name different twins: {named}")
                elif owners:
                    self._place(row, owners.pop())
                else:
                    still.append(row)
            if len(still) == len(waiting):
                for row in still:
                    shown = ", ".join(f"{a.namespace}={a.value!r}" for a in row.aliases)
                    self._reject(
                        row.where,
                        f"the row has no id and its aliases ({shown}) name no twin in the "
                        "store or in this load; give an id (and model) or a known alias",
                    )
                break
            waiting = still
        return self.plan

    def _reject(self, where: Where, reason: str) -> None:
        self.plan.rejections.append(where.reject(reason))

    def _place(self, row: TwinRow, twin_id: str) -> None:
        reasons, model, flat = self._check(row, twin_id)
        if reasons or model is None:
            self._reject(row.where, "; ".join(reasons))
            return
        pending = self.plan.twins.get(twin_id)
        if pending is None:  # the first row of this twin: its checked properties are fresh
            pending = Pending(
                twin_id,
                model,
                self.plan.existing.get(twin_id),
                properties=flat,
                set_by=dict.fromkeys(flat, row.where),
            )
            self.plan.twins[twin_id] = pending
        else:
            for key, value in flat.items():
                pending.properties[key] = value
                pending.set_by.setdefault(key, row.where)
        stored = pending.existing.aliases if pending.existing else ()
        for alias in row.aliases:
            self.owner[(alias.namespace, alias.value)] = twin_id
            if alias not in stored and alias not in pending.aliases:
                pending.aliases.append(alias)
        if row.lifecycle is not None:
            pending.lifecycle = row.lifecycle
        pending.rows.append(row.where)
        for link in row.links:
            self.plan.links.append(_planned(row.where, twin_id, link))

    def _check(
        self, row: TwinRow, twin_id: str
    ) -> tuple[list[str], str | None, dict[str, JsonValue]]:
        pending = self.plan.twins.get(twin_id)
        existing = self.plan.existing.get(twin_id)
        current = pending.model if pending else existing.model if existing else None
        if row.model is not None and current is not None and row.model != current:
            return (
                [
                    f"twin {twin_id!r} has model {current}; the row says {row.model} "
                    "(re-modelling is not a load: delete the twin or use the same model)"
                ],
                None,
                {},
            )
        model = row.model or current
        if model is None:
            return [f"twin {twin_id!r} is new and the row names no model"], None, {}
        if model not in self.models.dtmis:
            return (
                [
                    f"model {model!r} is not known: load its DTDL first (or in the same load, "
                    "e.g. twinweave load models/ plant.yaml)"
                ],
                None,
                {},
            )
        flat, reasons = _props.check(self.models, model, row.properties, textual=row.textual)
        reasons.extend(self._conflicts(twin_id, pending, flat))
        for alias in row.aliases:
            owner = self.owner.get((alias.namespace, alias.value))
            if owner is not None and owner != twin_id:
                reasons.append(
                    f"alias {alias.namespace}={alias.value!r} already names twin {owner!r}; "
                    "an alias names one twin per namespace"
                )
        if (
            pending is not None
            and row.lifecycle is not None
            and pending.lifecycle is not None
            and pending.lifecycle != row.lifecycle
        ):
            reasons.append(
                f"lifecycle {row.lifecycle.value} conflicts with {pending.lifecycle.value} "
                f"given by an earlier row ({pending.rows[0]})"
            )
        for link in row.links:
            if link.other == twin_id:
                reasons.append(
                    f"twin {twin_id!r} cannot have {with_article(repr(link.name))} edge to itself"
                )
            elif not self.known(link.other):
                what = "parent" if link.incoming else f"{link.name!r} target"
                reasons.append(
                    f"dangling {what} {link.other!r}: no twin with that id in the store or "
                    "in this load"
                )
        return reasons, model, flat

    @staticmethod
    def _conflicts(twin_id: str, pending: Pending | None, flat: dict[str, JsonValue]) -> list[str]:
        if pending is None:
            return []
        return [
            f"property {key!r} = {value!r:.60} conflicts with {pending.properties[key]!r:.60} "
            f"from {pending.set_by[key]} (twin {twin_id!r})"
            for key, value in flat.items()
            if key in pending.properties and pending.properties[key] != value
        ]


def _planned(where: Where, twin_id: str, link: Link) -> PlannedLink:
    if link.incoming:
        return PlannedLink(where, link.other, link.name, twin_id, dict(link.properties))
    return PlannedLink(where, twin_id, link.name, link.other, dict(link.properties))
