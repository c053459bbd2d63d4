"""Large synthetic plants for benchmarks and scale tests.

:func:`generate_plant` builds a complete ``fan_out``-ary hierarchy in
breadth-first order: one Site, then Areas, Production lines, Machines, and
sub-assemblies (Spindle, Gearbox, Motor, in turn) on every deeper level, typed
by the sample plant's models. A share of the twins below the Areas get a second
parent on the level above (so the hierarchy is a DAG, never a cycle: every
``contains`` edge goes one level down), and the machines of each line feed one
another in sequence. Nothing is validated per twin: the output is correct by
construction, and the same ``seed`` gives the same plant.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from loaders._errors import LoaderError
from loaders._sample import (
    AREA,
    GEARBOX,
    LINE,
    MACHINE,
    MOTOR,
    SITE,
    SPINDLE,
    sample_model_texts,
)
from ontology import CONTAINS, Alias, Edge, JsonValue, TwinSpec

MAX_SYNTHETIC_TWINS = 10_000_000
"""The largest plant :func:`generate_plant` builds."""

_LEVEL_MODELS = (SITE, AREA, LINE, MACHINE)
_SUB_ASSEMBLIES = (SPINDLE, GEARBOX, MOTOR)
_KIND = {
    SITE: "site",
    AREA: "area",
    LINE: "line",
    MACHINE: "machine",
    SPINDLE: "spindle",
    GEARBOX: "gearbox",
    MOTOR: "motor",
}
_MANUFACTURERS = ("Siemens", "ABB", "SEW-Eurodrive", "Bosch Rexroth", "Fanuc", "Heidenhain")
_FEEDS = "feeds"


@dataclass(frozen=True, slots=True)
class SyntheticPlant:
    """A generated plant: models, twins (parents before children) and edges."""

    models: tuple[str, ...]
    """DTDL texts of the models the twins use (the sample plant's models)."""
    twins: list[TwinSpec]
    """Breadth-first: every twin comes after its parents."""
    edges: list[Edge]
    """``contains`` edges (in twin order), then ``feeds`` edges between machines."""
    roots: tuple[str, ...]
    """Twins without a parent."""
    leaves: tuple[str, ...]
    """Twins without children."""
    multi_parent: tuple[str, ...]
    """Twins with two parents."""
    depth: int
    """The number of levels below the root."""

    @property
    def contains_edges(self) -> list[Edge]:
        return [e for e in self.edges if e.name == CONTAINS]


def _model_of(level: int, index: int) -> str:
    if level < len(_LEVEL_MODELS):
        return _LEVEL_MODELS[level]
    return _SUB_ASSEMBLIES[index % len(_SUB_ASSEMBLIES)]


def _properties(model: str, index: int, seed: int) -> dict[str, JsonValue]:
    if model in (SITE, AREA, LINE):
        return {"name": f"{_KIND[model].title()} {index}"}
    props: dict[str, JsonValue] = {
        "manufacturer": _MANUFACTURERS[index % len(_MANUFACTURERS)],
        "serialNumber": f"SN{index:09d}",
        # a spread of ratings from 0.5 to 250.1 kW, varied by seed, without a per-twin RNG call
        "ratedPower": round(0.5 + ((index * 2654435761 + seed * 40503) % 2497) / 10, 1),
    }
    if model == MACHINE:
        props["commissioningDate"] = f"20{10 + index % 15:02d}-{1 + index % 12:02d}-15"
    return props


def _check(twins: int, fan_out: int, multi_parent_share: float) -> None:
    if not 1 <= twins <= MAX_SYNTHETIC_TWINS:
        msg = f"twins={twins!r} is out of range; expected 1 to {MAX_SYNTHETIC_TWINS:,}"
        raise LoaderError(msg)
    if not 2 <= fan_out <= 10_000:
        msg = f"fan_out={fan_out!r} is out of range; expected 2 to 10,000"
        raise LoaderError(msg)
    if not 0.0 <= multi_parent_share <= 0.5:
        msg = f"multi_parent_share={multi_parent_share!r} is out of range; expected 0.0 to 0.5"
        raise LoaderError(msg)


def generate_plant(
    twins: int = 100_000,
    *,
    fan_out: int = 10,
    multi_parent_share: float = 0.02,
    seed: int = 0,
) -> SyntheticPlant:
    """A deterministic synthetic plant of ``twins`` twins.

    ``fan_out`` children per twin (the last level may be partial);
    ``multi_parent_share`` of all twins (rounded, as far as twins below the
    Areas allow) get a second parent. Raises ``LoaderError`` for arguments out
    of range.
    """
    _check(twins, fan_out, multi_parent_share)
    rng = random.Random(seed)
    # Level boundaries of a complete fan_out-ary tree in breadth-first order.
    starts = [0]
    size = 1
    while starts[-1] + size < twins:
        starts.append(starts[-1] + size)
        size *= fan_out
    starts.append(twins)
    ids: list[str] = []
    specs: list[TwinSpec] = []
    edges: list[Edge] = []
    for level in range(len(starts) - 1):
        for i in range(starts[level], starts[level + 1]):
            model = _model_of(level, i)
            twin_id = f"syn/{_KIND[model]}/{i}"
            ids.append(twin_id)
            aliases = () if level < 3 else (Alias("erp", f"EQ-{i:08d}"),)
            specs.append(
                TwinSpec(
                    id=twin_id,
                    model=model,
                    properties=_properties(model, i, seed),
                    aliases=aliases,
                )
            )
            if i:
                edges.append(Edge(ids[(i - 1) // fan_out], CONTAINS, twin_id))
    multi = _second_parents(twins, fan_out, multi_parent_share, starts, ids, edges, rng)
    edges.extend(_feeds(starts, ids, fan_out))
    has_children = {(i - 1) // fan_out for i in range(1, twins)}
    leaves = tuple(ids[i] for i in range(twins) if i not in has_children)
    return SyntheticPlant(
        models=sample_model_texts(),
        twins=specs,
        edges=edges,
        roots=(ids[0],),
        leaves=leaves,
        multi_parent=multi,
        depth=len(starts) - 2,
    )


def _second_parents(
    twins: int,
    fan_out: int,
    share: float,
    starts: list[int],
    ids: list[str],
    edges: list[Edge],
    rng: random.Random,
) -> tuple[str, ...]:
    """Add a second parent, one level up, to ``round(share * twins)`` twins where possible."""
    # Eligible: levels whose level above holds at least two twins (level >= 2).
    if len(starts) < 4:
        return ()
    eligible = range(starts[2], twins)
    count = min(round(share * twins), len(eligible))
    if count <= 0:
        return ()
    chosen = sorted(rng.sample(eligible, count))
    levels = len(starts) - 1
    level = 2
    for i in chosen:
        while level + 1 < levels and i >= starts[level + 1]:
            level += 1
        first = (i - 1) // fan_out
        lo, hi = starts[level - 1], starts[level]  # the level above is full: >= 2 twins
        other = rng.randrange(lo, hi - 1)
        if other >= first:
            other += 1
        edges.append(Edge(ids[other], CONTAINS, ids[i]))
    return tuple(ids[i] for i in chosen)


def _feeds(starts: list[int], ids: list[str], fan_out: int) -> list[Edge]:
    """Machines of one line feed the next machine of the same line."""
    if len(starts) < 5:
        return []
    out: list[Edge] = []
    lo, hi = starts[3], starts[4]
    for i in range(lo, hi - 1):
        if (i - 1) // fan_out == i // fan_out:  # same parent line
            out.append(Edge(ids[i], _FEEDS, ids[i + 1], {"bufferCapacity": 10 + i % 40}))
    return out
