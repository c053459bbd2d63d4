"""Rollups as a principal may see them: the stored value, or recomputed over visible inputs.

With the allow-everything default the derived values the store wrote are
served as they are. Under any other policy a rollup is recomputed here from
the contributing twins the principal may read, so a hidden twin's value never
reaches a visible ancestor's aggregate (the same rules as the store's engine:
``sum`` is 0 over nothing, ``count`` counts contributors with a value, the
others have no value over nothing).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import ontology
from server.graphql import _scan as scan
from server.graphql._context import Context
from server.graphql._threads import read_store


@dataclass(frozen=True, slots=True)
class RollupValue:
    spec: ontology.RollupSpec
    value: float | None
    time: datetime | None
    batch: str | None
    recomputed: bool


def _number(value: ontology.JsonValue) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return None if math.isnan(number) else number


def aggregate(
    kind: ontology.Aggregate, values: Sequence[float], weights: Sequence[float] = ()
) -> float | None:
    """One aggregate over contributors' numbers (``weights`` aligned, for weighted_mean)."""
    if kind is ontology.Aggregate.SUM:
        return math.fsum(values)
    if kind is ontology.Aggregate.COUNT:
        return float(len(values))
    if not values:
        return None
    if kind is ontology.Aggregate.MIN:
        return min(values)
    if kind is ontology.Aggregate.MAX:
        return max(values)
    if kind is ontology.Aggregate.MEAN:
        return math.fsum(values) / len(values)
    total = math.fsum(weights)
    return math.fsum(v * w for v, w in zip(values, weights, strict=True)) / total if total else None


async def _models_of(ctx: Context, model: str | None) -> frozenset[str] | None:
    if model is None:
        return None
    model_set = await ctx.loaders.model_set()
    return frozenset({model}) | (model_set.extending(model) if model in model_set else frozenset())


async def _contributors(ctx: Context, twin: ontology.Twin, spec: ontology.RollupSpec) -> list[str]:
    if spec.scope == "children":
        ids = list(await ctx.loaders.children.load(twin.id))
    else:
        raw = await read_store(
            ctx.store,
            scan.descendants,
            ctx.store,
            twin.id,
            cap=ctx.limits.max_scan,
            model=spec.of_model,
        )
        ids = await ctx.loaders.only_visible(raw)
    of_models = await _models_of(ctx, spec.of_model)
    if of_models is None:
        return ids
    twins = await ctx.loaders.twin.load_many(ids)
    return [t.id for t in twins if t is not None and t.model in of_models]


async def _recompute(
    ctx: Context, twin: ontology.Twin, spec: ontology.RollupSpec
) -> RollupValue | None:
    on_models = await _models_of(ctx, spec.on_model)
    if on_models is not None and twin.model not in on_models:
        return None
    ids = await _contributors(ctx, twin, spec)
    if on_models is None and not ids:
        return None
    signals = await ctx.loaders.signals.load_many(ids)
    values: list[float] = []
    weights: list[float] = []
    latest: datetime | None = None
    for held in signals:
        got = held.get(spec.signal)
        value = _number(got.value) if got is not None else None
        weight = 1.0
        if spec.aggregate is ontology.Aggregate.WEIGHTED_MEAN:
            w = held.get(spec.weight or "")
            weight_or_none = _number(w.value) if w is not None else None
            if weight_or_none is None:
                continue
            weight = weight_or_none
        if value is None or got is None:
            continue
        values.append(value)
        weights.append(weight)
        latest = got.time if latest is None else max(latest, got.time)
    result = aggregate(spec.aggregate, values, weights)
    return RollupValue(spec, result, latest, None, recomputed=True)


async def rollups_of(ctx: Context, twin: ontology.Twin) -> list[RollupValue]:
    """The rollups that target ``twin``, as the request's principal may see them."""
    specs = await ctx.loaders.rollup_specs()
    if not specs:
        return []
    if ctx.loaders.restricted:
        found = [await _recompute(ctx, twin, spec) for spec in specs]
        return [r for r in found if r is not None]
    held: Mapping[str, ontology.SignalValue] | None = ctx.loaders.known_signals.get(twin.id)
    if held is None:  # not read ahead with the twin's record
        held = await ctx.loaders.signals.load(twin.id)
    out: list[RollupValue] = []
    for spec in specs:
        got = held.get(spec.name)
        if got is not None:
            out.append(RollupValue(spec, _number(got.value), got.time, got.batch, False))
    return out
