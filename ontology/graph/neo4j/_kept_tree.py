"""``children_below`` answered from a kept hierarchy (a ``Topology``), level by level as the
statement in ``_many_tx`` reads it from Neo4j."""

from __future__ import annotations

from collections.abc import Sequence

from ontology.rollup._topology import Topology

__all__ = ["tree_below"]


def tree_below(
    topology: Topology, twin_ids: Sequence[str], depth: int, limit: int
) -> dict[str, tuple[str, ...]] | None:
    """Every twin of levels ``0 .. depth - 1`` below ``twin_ids`` (distinct, every one a twin
    of ``topology``) with its children in id order; ``None`` when one is not in it.

    Level ``k + 1`` is the distinct children of level ``k``, read only while the twins of
    the levels so far, it included (a twin counted once per level it is on), number at
    most ``limit`` (``GraphStore.children_below``)."""
    pos, ids, indptr, child = topology.pos, topology.ids, topology.indptr, topology.child
    level: list[int] = []
    for twin in twin_ids:
        node = pos.get(twin)
        if node is None:
            return None
        level.append(node)
    kids_of: dict[int, list[int]] = {}
    out: dict[str, tuple[str, ...]] = {}
    read = len(level)
    for k in range(depth):
        if k:  # the next level, if it fits
            level = list(dict.fromkeys(kid for node in level for kid in kids_of[node]))
            read += len(level)
            if not level or read > limit:
                break
        for node in level:
            if node not in kids_of:
                kids: list[int] = child[indptr[node] : indptr[node + 1]].tolist()
                kids_of[node] = kids
                out[ids[node]] = tuple([ids[kid] for kid in kids])  # node order is id order
    return out
