"""``Twin.signals(at:)`` of a whole query level in one await per twin and one ``as_of`` call.

Each twin's field asks one DataLoader keyed by the twin (not one key per
signal); its batch function works out each model's signal names and units
once, sends every ``(twin, signal)`` of the level to the history loader at
once (one ``HistoryStore.as_of`` call per distinct time) and hands each twin
its finished rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import SelectedField

import ontology
from server.graphql._history_loaders import AsOfKey, AsOfRow, HistoryLoaders
from server.graphql._loaders import Loaders
from server.graphql._units import signal_names, units_of


@dataclass(frozen=True, slots=True)
class TwinAtKey:
    twin: str
    model: str
    names: tuple[str, ...] | None
    """``None``: every signal the model declares."""
    at: datetime


@dataclass(frozen=True, slots=True)
class SignalAt:
    name: str
    unit: str | None
    row: AsOfRow


class SignalsAtLoader:
    """One request's ``signals(at:)`` loader (twins must already be authorized: they are)."""

    def __init__(self, loaders: Loaders, history: HistoryLoaders) -> None:
        self._loaders = loaders
        self._history = history
        self.rows: DataLoader[TwinAtKey, list[SignalAt]] = DataLoader(self._batch)
        self.ready: dict[TwinAtKey, list[SignalAt]] = {}
        """Rows fetched ahead for a whole list of twins (:meth:`prefetch`)."""

    async def prefetch(
        self,
        twins: Sequence[ontology.Twin],
        wanted: Sequence[tuple[tuple[str, ...] | None, datetime]],
    ) -> None:
        """Fetch ``signals(at:)`` of every twin of a list before its fields resolve, so each
        twin's field answers from :attr:`ready` without awaiting (one batch, as before)."""
        keys = [TwinAtKey(t.id, t.model, names, at) for names, at in wanted for t in twins]
        keys = [k for k in dict.fromkeys(keys) if k not in self.ready]
        if keys:  # one batch of its own: no loader key (a future) per twin
            self.ready.update(zip(keys, await self._batch(keys), strict=True))

    async def _batch(self, keys: Sequence[TwinAtKey]) -> list[list[SignalAt]]:
        model_set = await self._loaders.model_set()
        names: dict[str, list[str]] = {}
        units: dict[str, dict[str, str]] = {}
        for key in keys:
            if key.model not in units:
                units[key.model] = units_of(model_set, key.model)
                names[key.model] = signal_names(model_set, key.model)
        wanted = [list(k.names) if k.names is not None else names[k.model] for k in keys]
        flat = [AsOfKey(k.twin, n, k.at) for k, ns in zip(keys, wanted, strict=True) for n in ns]
        rows = iter(await self._history.as_of_rows(flat))
        out: list[list[SignalAt]] = []
        for key, ns in zip(keys, wanted, strict=True):
            model_units = units[key.model]
            got = [SignalAt(n, model_units.get(n), next(rows)) for n in ns]
            out.append([s for s in got if s.row.found])
        return out


def _wanted(arguments: Mapping[str, Any]) -> tuple[tuple[str, ...] | None, datetime]:
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


def looked_ahead(selected: Sequence[object]) -> list[tuple[tuple[str, ...] | None, datetime]]:
    """The ``signals(at:)`` fields selected directly on the twins a field returns (its
    ``info.selected_fields``, variables already filled in), with their ``(names, at)``.

    Only plain selections (no fragments) with a time that has a zone; anything
    else is left to the field's own resolver.
    """
    out: list[tuple[tuple[str, ...] | None, datetime]] = []
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
