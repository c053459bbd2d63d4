"""``Twin.signals(at:)`` of a whole list of twins in one ``as_of`` call, as columns.

A listing that selects ``signals(at:)`` on its twins fetches every twin's rows
before the twins' fields resolve (:meth:`SignalsAtLoader.prefetch`): each
model's signal names and units worked out once, every ``(twin, signal)`` of
the list sent to the history store at once, the answer kept as columns
(:class:`RowsAt`). Each twin's field then answers without an await, and the
direct completion (``_tree``) builds the list's results from the columns.
Twins asked one by one (a field inside a fragment) share one DataLoader
batch instead. Every twin here was authorized by whoever listed it.

When the selection names its signals and asks for no ``unit``, the twins'
models are not needed, so their records are not read (``_lookahead``): the
rows are then fetched without units (``with_units`` False).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import SelectedField

import dtdl
from server.graphql._history_loaders import HistoryLoaders
from server.graphql._loaders import Loaders
from server.graphql._rows_at import RowsAt
from server.graphql._signal import Signal
from server.graphql._units import signal_names

Names = tuple[str, ...] | None
"""The signals asked for; ``None``: every signal the twin's model declares."""
Wanted = tuple[Names, datetime]
"""A ``signals(names, at)`` selection: its names and its time in UTC."""
TwinRows = tuple[RowsAt, list[int]]
"""A twin's answer: the columns of its list's read, and its rows there, in order."""


@dataclass(frozen=True, slots=True)
class TwinAtKey:
    twin: str
    model: str | None
    """``None``: not read (names are given and no unit is asked for): no units."""
    names: Names
    at: datetime


@dataclass(frozen=True, slots=True)
class Read:
    """One list's rows fetched ahead: its twins and the columns of their read, in which
    twin ``i`` holds rows ``i * width`` to ``(i + 1) * width`` (each the twin's ``width``
    signals, in the order asked; -1 in ``rows.position`` where none was found)."""

    twins: Sequence[str]
    rows: RowsAt
    width: int


class SignalsAtLoader:
    """One request's ``signals(at:)`` loader (twins must already be authorized: they are)."""

    def __init__(self, loaders: Loaders, history: HistoryLoaders) -> None:
        self._loaders = loaders
        self._history = history
        self._reads: dict[tuple[Names, datetime, bool], list[Read]] = {}
        """Rows fetched ahead for whole lists of twins, by ``(names, at, with_units)``."""
        self._ready: dict[tuple[Names, datetime, bool], tuple[int, dict[str, TwinRows]]] = {}
        """The same by twin, made when first asked for (with how many reads it holds)."""

    @functools.cached_property
    def rows(self) -> DataLoader[TwinAtKey, list[Signal]]:
        """Twins asked one by one, batched (made when first asked for)."""
        return DataLoader(self._batch)

    def release(self) -> None:
        """Forget the request's DataLoader and reads (its answer is sent): the DataLoader's
        batch function is a method of this object, a reference cycle that would otherwise
        keep the request's rows for the cycle collector (see ``Loaders.release``)."""
        self.__dict__.pop("rows", None)
        self._reads.clear()
        self._ready.clear()

    def ready(
        self, names: Names, at: datetime, *, with_units: bool
    ) -> Mapping[str, TwinRows] | None:
        """The rows fetched ahead for ``signals(names, at)``, by twin (``None``: none were)."""
        key = (names, at, with_units)
        reads = self._reads.get(key)
        if reads is None:
            return None
        held, by_twin = self._ready.get(key, (0, {}))
        for read in reads[held:]:
            rows = read.rows
            spans = rows.regular(read.width, len(read.twins))
            by_twin.update(zip(read.twins, [(rows, mine) for mine in spans], strict=True))
        self._ready[key] = (len(reads), by_twin)
        return by_twin

    def read_of(self, names: Names, at: datetime, twins: Sequence[str]) -> Read | None:
        """The read fetched ahead for exactly the list ``twins`` (without units), if one was."""
        for read in self._reads.get((names, at, False), ()):
            if read.twins is twins or read.twins == twins:
                return read
        return None

    async def prefetch(
        self, twin_ids: Sequence[str], models: Sequence[str] | None, wanted: Sequence[Wanted]
    ) -> None:
        """Fetch ``signals(at:)`` of every twin of a list before its fields resolve (one
        ``as_of`` call per selection); ``models`` aligned on ``twin_ids``, or ``None`` when
        the records were not read (then only selections that name their signals)."""
        for names, at in dict.fromkeys(wanted):
            if models is None and names is None:
                continue  # never: a selection without names reads the records
            key = (names, at, models is not None)
            ready = self.ready(names, at, with_units=models is not None) or {}
            todo = [i for i, t in enumerate(twin_ids) if t not in ready]
            if not todo:
                continue
            whole = len(todo) == len(twin_ids)
            twins = twin_ids if whole else [twin_ids[i] for i in todo]
            of = [models[i] for i in todo] if models is not None else [None] * len(todo)
            if len(set(of)) == 1:  # a list's twins: usually one model (or none read)
                rows, width = await self._regular(twins, of[0], names, at)
                self._reads.setdefault(key, []).append(Read(twins, rows, width))
                continue
            got = await self._read(twins, of, [names] * len(todo), at)
            by_twin = self._ready.setdefault(key, (0, {}))[1]
            by_twin.update(zip(twins, got, strict=True))
            self._reads.setdefault(key, [])

    async def _batch(self, keys: Sequence[TwinAtKey]) -> list[list[Signal]]:
        by_time: dict[datetime, list[TwinAtKey]] = {}
        for key in keys:
            by_time.setdefault(key.at, []).append(key)
        found: dict[TwinAtKey, list[Signal]] = {}
        for at, same in by_time.items():
            got = await self._read(
                [k.twin for k in same], [k.model for k in same], [k.names for k in same], at
            )
            for key, (rows, mine) in zip(same, got, strict=True):
                found[key] = rows.signals(mine)
        return [found[key] for key in keys]

    async def _regular(
        self, twins: Sequence[str], model: str | None, asked: Names, at: datetime
    ) -> tuple[RowsAt, int]:
        """The rows of twins that are all of ``model`` (or none read) and all asked for
        ``asked``: one history read, twin after twin, each its same number of rows."""
        model_set = await self._loaders.model_set() if model is not None else None
        wanted, units = self._shape(model_set, model, asked)
        names = list(wanted) * len(twins)
        keyed = twins if len(wanted) == 1 else [t for t in twins for _ in wanted]
        chunks = await self._history.as_of_columns(keyed, names, at)
        return RowsAt(at, names, units * len(twins), chunks), len(wanted)

    async def _read(
        self,
        twins: Sequence[str],
        models: Sequence[str | None],
        names: Sequence[Names],
        at: datetime,
    ) -> list[TwinRows]:
        """The rows of each twin (its model, if read, and the names asked for), all at
        ``at``: one history read, one set of columns."""
        if len(set(zip(models, names, strict=True))) == 1:  # one shape for all
            rows, width = await self._regular(twins, models[0], names[0], at)
            return [(rows, mine) for mine in rows.regular(width, len(twins))]
        with_models = any(m is not None for m in models)
        model_set = await self._loaders.model_set() if with_models else None
        shapes: dict[tuple[str | None, Names], tuple[Sequence[str], list[str | None]]] = {}
        per_twin: list[Sequence[str]] = []
        flat_names: list[str] = []
        flat_units: list[str | None] = []
        spans: list[tuple[int, int]] = []
        for model, asked in zip(models, names, strict=True):
            shape = shapes.get((model, asked))
            if shape is None:
                shape = shapes[(model, asked)] = self._shape(model_set, model, asked)
            wanted, units = shape
            start = len(flat_names)
            flat_names += wanted
            flat_units += units
            spans.append((start, start + len(wanted)))
            per_twin.append(wanted)
        keyed = [t for t, wanted in zip(twins, per_twin, strict=True) for _ in wanted]
        chunks = await self._history.as_of_columns(keyed, flat_names, at)
        rows = RowsAt(at, flat_names, flat_units, chunks)
        return [(rows, mine) for mine in rows.rows(spans)]

    def _shape(
        self, model_set: dtdl.ModelSet | None, model: str | None, asked: Names
    ) -> tuple[Sequence[str], list[str | None]]:
        """The signal names a twin of ``model`` is asked for, and their units."""
        if model is None or model_set is None:  # not read: names given, no units asked for
            return (asked or ()), [None] * len(asked or ())
        units = self._loaders.units(model_set, model)
        wanted = asked if asked is not None else signal_names(model_set, model)
        return wanted, [units.get(n) for n in wanted]


def _wanted(arguments: Mapping[str, Any]) -> Wanted:
    """``(names, at)`` of a ``signals(at:)`` selection, or a ``ValueError`` when not plain."""
    at = arguments.get("at")
    when = datetime.fromisoformat(at) if isinstance(at, str) else at
    if not isinstance(when, datetime) or when.tzinfo is None:
        msg = "not a time with a zone: the field itself reports it"
        raise ValueError(msg)
    names = arguments.get("names")
    if names is None:
        return None, when.astimezone(UTC)
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        msg = "names: not a list of strings"
        raise ValueError(msg)
    return tuple(names), when.astimezone(UTC)


def looked_ahead(selected: Sequence[object]) -> list[Wanted]:
    """The ``signals(at:)`` fields selected directly on the twins a field returns (its
    ``info.selected_fields``, variables already filled in), with their ``(names, at)``.

    Only plain selections (no fragments) with a time that has a zone; anything
    else is left to the field's own resolver.
    """
    out: list[Wanted] = []
    for field in selected:
        if not isinstance(field, SelectedField):
            continue
        for node in field.selections:
            if not isinstance(node, SelectedField) or node.name != "signals":
                continue
            if node.arguments.get("at") is None:
                continue
            try:
                out.append(_wanted(node.arguments))
            except ValueError:
                continue
    return out
