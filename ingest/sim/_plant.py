"""Which twins the simulator drives: read from the graph store, by model."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ingest._errors import IngestError
from ontology import MAX_PAGE, GraphStore

MAX_ASSETS = 1_000_000


class AssetKind(StrEnum):
    PACKAGING = "packaging"
    """A packaging machine: speed, counts, temperature, pressure, vibration, product, batch."""
    ROTATING = "rotating"
    """A motor, spindle or gearbox: speed, temperatures, current, vibration RMS."""


KIND_OF_MODEL_NAME = {
    "Machine": AssetKind.PACKAGING,
    "Motor": AssetKind.ROTATING,
    "Spindle": AssetKind.ROTATING,
    "Gearbox": AssetKind.ROTATING,
}
"""A model's simple name (``dtmi:...:Motor;1`` -> ``Motor``) -> what the simulator makes of it."""


@dataclass(frozen=True, slots=True)
class SimAsset:
    twin: str
    kind: AssetKind


def plant_assets(store: GraphStore, *, limit: int = MAX_ASSETS) -> tuple[SimAsset, ...]:
    """Every active or provisioned twin whose model is one the simulator knows, by id."""
    assets: list[SimAsset] = []
    after: str | None = None
    while True:
        page = store.list_twins(first=MAX_PAGE, after=after)
        for twin in page.items:
            kind = KIND_OF_MODEL_NAME.get(_simple_name(twin.model))
            if kind is not None and twin.lifecycle != "retired":
                assets.append(SimAsset(twin.id, kind))
        if page.next_cursor is None or len(assets) >= limit:
            break
        after = page.next_cursor
    if not assets:
        known = ", ".join(sorted(KIND_OF_MODEL_NAME))
        msg = (
            f"the graph store holds no twin the simulator can drive; expected twins of a model "
            f"named {known} (twinweave demo or twinweave load loads the sample plant)"
        )
        raise IngestError(msg)
    return tuple(assets[:limit])


def _simple_name(dtmi: str) -> str:
    return dtmi.rsplit(":", 1)[-1].split(";", 1)[0]
