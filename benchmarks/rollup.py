"""Rollups in numpy against plain Python on the same hierarchy, in one run.

    python -m benchmarks.rollup [--fanout 10] [--depth 5] [--multi 0.03] [--changed 1000]

Builds a DAG (a tree of ``--fanout`` children per node, ``--depth`` levels, so
111,111 nodes by default, where ``--multi`` of the non-root nodes get a
second parent one level up), gives every leaf a value (5 % NaN) and a weight,
and prints, each beside a baseline measured now on the same data:

- the ancestor index build (numpy) against a Python closure (a set of
  descendants per node, unions in reverse topological order);
- the engine's topology (the children index and its level plan: no closure);
- a full recompute per aggregate (``compute_rollup`` over every pair of the
  closure, and ``RollupEngine`` level by level over the edges, each result
  checked against Python) against Python loops over the same descendant sets;
- an incremental recompute after ``--changed`` leaves changed
  (``RollupEngine.recompute`` holding the previous state), against the
  stateless numpy recompute of the affected ancestors (their pairs sliced from
  the index) and against Python recomputing the affected ancestors from their
  descendant sets.

Targets (2 vCPU): full under 20 ms per aggregate, incremental under 2 ms.
numpy figures are the best of ``--repeat`` runs; Python baselines run once.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from ontology import Aggregate, RollupSpec
from ontology.rollup import AncestorIndex, LevelPlan, RollupEngine, RollupResult, compute_rollup

FULL_TARGET_MS = 20.0
INCREMENTAL_TARGET_MS = 2.0
IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def best_of(repeat: int, work: Callable[[], object]) -> float:
    """The shortest wall time of ``repeat`` runs of ``work``, in milliseconds."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def once(work: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = work()
    return (time.perf_counter() - start) * 1e3, out


def make_dag(
    fanout: int, depth: int, multi: float, rng: np.random.Generator
) -> tuple[int, IntArray, IntArray, IntArray]:
    """(n_nodes, parent, child, leaves) of a tree with extra parents one level up."""
    sizes = [fanout**k for k in range(depth + 1)]
    starts = np.cumsum([0, *sizes])
    parents: list[IntArray] = []
    children: list[IntArray] = []
    for k in range(1, depth + 1):
        kids = np.arange(starts[k], starts[k + 1], dtype=np.int64)
        first = starts[k - 1] + (kids - starts[k]) // fanout
        parents.append(first)
        children.append(kids)
        chosen = kids[rng.random(len(kids)) < multi]
        second = starts[k - 1] + rng.integers(0, sizes[k - 1], len(chosen))
        ok = second != first[chosen - starts[k]]
        parents.append(second[ok])
        children.append(chosen[ok])
    leaves = np.arange(starts[depth], starts[depth + 1], dtype=np.int64)
    return int(starts[-1]), np.concatenate(parents), np.concatenate(children), leaves


# ------------------------------------------------------------- Python baseline
def py_closure(n: int, parent: list[int], child: list[int]) -> list[set[int]]:
    """Descendant sets of every node: children first (Kahn order reversed), then unions."""
    kids: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for p, c in zip(parent, child, strict=True):
        kids[p].append(c)
        indeg[c] += 1
    order = [i for i in range(n) if indeg[i] == 0]
    for node in order:  # the list grows as nodes become ready
        for c in kids[node]:
            indeg[c] -= 1
            if indeg[c] == 0:
                order.append(c)
    desc: list[set[int]] = [set() for _ in range(n)]
    for node in reversed(order):
        mine = desc[node]
        for c in kids[node]:
            mine.add(c)
            mine |= desc[c]
    return desc


def py_aggregate(agg: Aggregate, members: set[int], vals: list[float], ws: list[float]) -> float:
    got = [d for d in members if not math.isnan(vals[d])]
    if agg is Aggregate.WEIGHTED_MEAN:
        got = [d for d in got if not math.isnan(ws[d])]
        sw = sum(ws[d] for d in got)
        return sum(ws[d] * vals[d] for d in got) / sw if got and sw else math.nan
    vs = [vals[d] for d in got]
    if agg is Aggregate.SUM:
        return sum(vs)
    if agg is Aggregate.COUNT:
        return float(len(vs))
    if not vs:
        return math.nan
    if agg is Aggregate.MEAN:
        return sum(vs) / len(vs)
    return min(vs) if agg is Aggregate.MIN else max(vs)


def py_full(
    agg: Aggregate, desc: list[set[int]], vals: list[float], ws: list[float]
) -> dict[int, float]:
    out: dict[int, float] = {}
    for a, members in enumerate(desc):
        if members:
            out[a] = py_aggregate(agg, members, vals, ws)
    return out


def py_ancestors(parents: list[list[int]], nodes: Sequence[int]) -> set[int]:
    seen: set[int] = set()
    stack = list(nodes)
    while stack:
        for p in parents[stack.pop()]:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


# ------------------------------------------------------------------- report
def row(label: str, ms: float, *baselines: tuple[str, float], target: float | None = None) -> str:
    """One figure, then each baseline with how many times slower it is."""
    verdict = "" if target is None else ("  target met" if ms < target else "  TARGET MISSED")
    out = f"  {label:<34} {ms:8.2f} ms{verdict}"
    for name, base_ms in baselines:
        out += f"\n      vs {name:<52} {base_ms:9.1f} ms  ({base_ms / ms:,.0f}x)"
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.rollup",
        description="Rollup index build, full and incremental recompute in numpy, each "
        "beside a plain-Python baseline measured in the same run on the same data.",
    )
    parser.add_argument("--fanout", type=int, default=10, help="children per node (10)")
    parser.add_argument("--depth", type=int, default=5, help="levels below the root (5)")
    parser.add_argument("--multi", type=float, default=0.03, help="share with 2 parents (0.03)")
    parser.add_argument("--changed", type=int, default=1000, help="leaves changed (1000)")
    parser.add_argument("--repeat", type=int, default=5, help="numpy runs; best shown (5)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    args = parser.parse_args(argv)
    if not (1 <= args.fanout <= 100 and 1 <= args.depth <= 8 and args.fanout**args.depth <= 2e6):
        parser.error("expected 1..100 children, 1..8 levels and at most 2,000,000 leaves")

    rng = np.random.default_rng(args.seed)
    n, parent, child, leaves = make_dag(args.fanout, args.depth, args.multi, rng)
    changed_count = min(args.changed, len(leaves))
    if not 1 <= changed_count <= max(n // 8, 64):
        parser.error(
            f"--changed is {args.changed}; expected 1 to {max(n // 8, 64)} (an eighth of the"
            " nodes: past that the engine recomputes in full, which the full figures show)"
        )
    vals = np.full(n, np.nan)
    vals[leaves] = rng.normal(50.0, 10.0, len(leaves))
    vals[leaves[rng.random(len(leaves)) < 0.05]] = np.nan
    ws = rng.uniform(0.5, 2.0, n)
    multi_share = (np.bincount(child, minlength=n) > 1).mean() * 100

    build_ms = best_of(args.repeat, lambda: AncestorIndex.build(n, parent, child))
    # The grouping by descendant is built on the first ancestors_of (incremental runs).
    both_ms = best_of(args.repeat, lambda: AncestorIndex.build(n, parent, child).ancestors_of([0]))
    index = AncestorIndex.build(n, parent, child)
    py_build_ms, built = once(lambda: py_closure(n, parent.tolist(), child.tolist()))
    desc: list[set[int]] = built  # type: ignore[assignment]
    print(
        f"DAG: {n:,} nodes, {len(parent):,} contains edges, {multi_share:.1f} % of nodes with"
        f" two parents, {index.n_pairs:,} distinct (ancestor, descendant) pairs;"
        f" {len(leaves):,} leaves carry values"
    )
    print(f"numpy {np.__version__}, best of {args.repeat}; Python baselines run once\n")
    print("index build")
    print(row("AncestorIndex.build", build_ms, ("Python closure (descendant sets)", py_build_ms)))
    print(
        row(
            "... + grouping by descendant",
            both_ms,
            ("Python closure (descendant sets)", py_build_ms),
        )
    )
    plan_ms = best_of(args.repeat, lambda: LevelPlan(AncestorIndex.children(n, parent, child)))
    print(
        row(
            "RollupEngine topology (no closure)",
            plan_ms,
            ("Python closure (descendant sets)", py_build_ms),
        )
    )

    vals_list, ws_list = vals.tolist(), ws.tolist()
    print("\nfull recompute, every ancestor")
    for agg in Aggregate:
        spec = RollupSpec(name="r", signal="v", aggregate=agg, weight="w")
        ms = best_of(args.repeat, lambda s=spec: compute_rollup(s, index, vals, weights=ws))  # type: ignore[misc]
        py_ms, py_out = once(lambda a=agg: py_full(a, desc, vals_list, ws_list))  # type: ignore[misc]
        nodes, got = compute_rollup(spec, index, vals, weights=ws)
        _agree(f"full {agg.value}", nodes, got, py_out)  # type: ignore[arg-type]
        print(row(f"{agg.value:<13} compute_rollup", ms, ("Python loops over the same sets", py_ms),
                  target=FULL_TARGET_MS))  # fmt: skip
        engine = RollupEngine()
        engine.set_topology(n, parent, child)
        # the first run builds the level plan (once per topology) and returns every target
        result = engine.recompute(spec, vals, weights=ws)
        _agree(f"engine full {agg.value}", result.nodes, result.values, py_out)  # type: ignore[arg-type]
        engine_ms = best_of(
            args.repeat,
            lambda s=spec, e=engine: e.recompute(s, vals, weights=ws, full=True),  # type: ignore[misc]
        )
        print(row(f"{agg.value:<13} RollupEngine full", engine_ms,
                  ("Python loops over the same sets", py_ms), target=FULL_TARGET_MS))  # fmt: skip

    print(f"\nincremental recompute after {changed_count:,} changed leaves")
    parents_of: list[list[int]] = [[] for _ in range(n)]
    for p, c in zip(parent.tolist(), child.tolist(), strict=True):
        parents_of[c].append(p)
    for agg in Aggregate:
        _incremental(agg, index, parent, child, vals, ws, leaves, changed_count, args.repeat,
                     rng, desc, parents_of)  # fmt: skip
    return 0


def _incremental(
    agg: Aggregate,
    index: AncestorIndex,
    parent: IntArray,
    child: IntArray,
    vals: FloatArray,
    ws: FloatArray,
    leaves: IntArray,
    count: int,
    repeat: int,
    rng: np.random.Generator,
    desc: list[set[int]],
    parents_of: list[list[int]],
) -> None:
    spec = RollupSpec(name="r", signal="v", aggregate=agg, weight="w")
    engine = RollupEngine()
    engine.set_topology(index.n_nodes, parent, child)
    held = _Store()
    held.apply(engine.recompute(spec, vals, weights=ws))
    current = vals.copy()
    engine_ms = stateless_ms = math.inf
    for _ in range(repeat):
        picked = rng.choice(leaves, count, replace=False)
        current[picked] = rng.normal(50.0, 10.0, count)
        current[picked[rng.random(count) < 0.05]] = np.nan  # some lose their value
        start = time.perf_counter()
        result = engine.recompute(spec, current, weights=ws)
        engine_ms = min(engine_ms, (time.perf_counter() - start) * 1e3)
        if result.full:
            sys.exit(f"{agg.value}: the engine fell back to a full recompute")
        held.apply(result)
        affected = index.ancestors_of(picked)
        start = time.perf_counter()
        compute_rollup(spec, index, current, weights=ws, targets=affected)
        stateless_ms = min(stateless_ms, (time.perf_counter() - start) * 1e3)
    nodes, got = compute_rollup(spec, index, current, weights=ws)
    _agree(f"incremental {agg.value}", nodes, got, held.values, rel=1e-9)
    vals_list, ws_list = current.tolist(), ws.tolist()
    py_ms, _ = once(
        lambda: {
            a: py_aggregate(agg, desc[a], vals_list, ws_list)
            for a in py_ancestors(parents_of, picked.tolist())
        }
    )
    print(row(f"{agg.value:<13} RollupEngine", engine_ms,
              ("numpy stateless: slices the affected ancestors' pairs", stateless_ms),
              ("Python: affected ancestors from their sets", py_ms),
              target=INCREMENTAL_TARGET_MS))  # fmt: skip


class _Store:
    def __init__(self) -> None:
        self.values: dict[int, float] = {}

    def apply(self, result: RollupResult) -> None:
        self.values.update(zip(result.nodes.tolist(), result.values.tolist(), strict=True))
        for node in result.cleared.tolist():
            del self.values[node]


def _agree(
    what: str, nodes: IntArray, got: FloatArray, want: dict[int, float], rel: float = 1e-9
) -> None:
    """Stop the benchmark if numpy and the baseline disagree: a fast wrong answer is no figure."""
    mine = dict(zip(nodes.tolist(), got.tolist(), strict=True))
    bad = [
        k
        for k in mine.keys() | want.keys()
        if k not in mine
        or k not in want
        or not (
            (math.isnan(mine[k]) and math.isnan(want[k]))
            or math.isclose(mine[k], want[k], rel_tol=rel, abs_tol=1e-9)
        )
    ]
    if bad:
        sys.exit(f"{what}: numpy and the baseline disagree at {len(bad)} nodes, e.g. {bad[:3]}")


if __name__ == "__main__":
    raise SystemExit(main())
