"""``Twin.signals(at:)`` of a whole query level in one await per twin and one ``as_of`` call.

Each twin's field asks one DataLoader keyed by the twin (not one key per
signal); its batch function works out each model's signal names and units
once, sends every ``(twin, signal)`` of the level to the history loader at
once (one ``HistoryStore.as_of`` call per distinct time) and hands each twin
its finished rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from strawberry.dataloader import DataLoader

import dtdl
from server.graphql._history_loaders import AsOfKey, AsOfRow, HistoryLoaders
from server.graphql._loaders import Loaders

_KINDS = (dtdl.Telemetry, dtdl.Property)


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


def units_of(model_set: dtdl.ModelSet, dtmi: str) -> dict[str, str]:
    """Each content's unit, by name, of the model ``dtmi`` (empty for an unknown model)."""
    interface = model_set.interfaces.get(dtmi)
    if interface is None:
        return {}
    return {
        name: unit
        for name, item in interface.contents.items()
        if (unit := getattr(item, "unit", None)) is not None
    }


def signal_names(model_set: dtdl.ModelSet, dtmi: str) -> list[str]:
    """The Telemetry and Property names of the model ``dtmi``, sorted."""
    interface = model_set.interfaces.get(dtmi)
    if interface is None:
        return []
    return sorted(n for n, item in interface.contents.items() if isinstance(item, _KINDS))


class SignalsAtLoader:
    """One request's ``signals(at:)`` loader (twins must already be authorized: they are)."""

    def __init__(self, loaders: Loaders, history: HistoryLoaders) -> None:
        self._loaders = loaders
        self._history = history
        self.rows: DataLoader[TwinAtKey, list[SignalAt]] = DataLoader(self._batch)

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
        rows = iter(await self._history.as_of.load_many(flat))
        out: list[list[SignalAt]] = []
        for key, ns in zip(keys, wanted, strict=True):
            model_units = units[key.model]
            got = [SignalAt(n, model_units.get(n), next(rows)) for n in ns]
            out.append([s for s in got if s.row.found])
        return out
