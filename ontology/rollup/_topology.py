"""The hierarchy as both graph stores hand it to the rollup engine: one value type.

``Topology`` numbers the twins in id order and holds the ``contains`` DAG as
node-number arrays (``parent[i] -contains-> child[i]``, grouped by parent, CSR
``indptr``), each twin's model as a small integer code, and the ``version`` of
the store's topology it was read at (the Neo4j store's ``topology`` counter;
``-1`` for the in-process store, which drops it on change). Node numbers follow
id order, so sorting node numbers sorts by id and a cursor (the last id seen)
becomes a node number by bisection.

The in-process store builds one lazily after twins, models of twins or
``contains`` edges changed and reads its hierarchy through it; the Neo4j store's
rollup runner builds one per ``topology`` version. Both give it to
``RollupEngine.use``. Immutable after construction.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from typing import NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

Nodes = npt.NDArray[np.int32]
"""Node numbers."""


class Modelled(Protocol):
    """What the topology reads of a twin: its model (a store's twin row, or ``TwinModel``)."""

    @property
    def model(self) -> str: ...


class TwinModel(NamedTuple):
    """A twin known only by its model (what a store that reads ids and models passes)."""

    model: str


class Topology:
    """Twins in id order, their models as codes, and the ``contains`` edges between them."""

    __slots__ = (
        "child",
        "ids",
        "ids_arr",
        "indptr",
        "model_code",
        "model_codes",
        "parent",
        "pos",
        "version",
    )

    def __init__(
        self,
        twins: Mapping[str, Modelled],
        children: Mapping[str, Iterable[str]],
        *,
        version: int = -1,
    ) -> None:
        """``twins``: every twin by id; ``children``: parent id -> child ids."""
        ids = sorted(twins)
        n = len(ids)
        self.version = version
        self.ids: list[str] = ids
        self.ids_arr: npt.NDArray[np.object_] = np.array(self.ids, dtype=object)
        self.pos: dict[str, int] = {twin: i for i, twin in enumerate(self.ids)}
        codes: dict[str, int] = {}
        self.model_codes = codes
        """Model DTMI -> its code in ``model_code``."""
        self.model_code: Nodes = np.fromiter(
            (codes.setdefault(twins[t].model, len(codes)) for t in ids), dtype=np.int32, count=n
        )
        pos = self.pos
        parent_list: list[int] = []
        child_list: list[int] = []
        for p, kids in children.items():
            at = pos[p]
            for kid in kids:
                parent_list.append(at)
                child_list.append(pos[kid])
        parent = np.array(parent_list, dtype=np.int32)
        child = np.array(child_list, dtype=np.int32)
        order = np.lexsort((child, parent))
        self.parent: Nodes = parent[order]
        self.child: Nodes = child[order]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.parent, minlength=n), out=indptr[1:])
        self.indptr = indptr

    @property
    def size(self) -> int:
        return len(self.ids)

    def all_nodes(self) -> Nodes:
        return np.arange(len(self.ids), dtype=np.int32)

    def after(self, cursor: str) -> int:
        """The first node whose id sorts after ``cursor``."""
        return bisect_right(self.ids, cursor)

    def descendants(self, node: int, max_depth: int) -> Nodes:
        """Distinct descendants of ``node`` within ``max_depth`` levels, in id order."""
        indptr, indices = self.indptr, self.child
        visited = np.zeros(len(self.ids), dtype=np.bool_)
        visited[node] = True
        # Per node, the last place it took in a level's list: a twin under two parents of
        # the level is kept once without sorting the level (np.unique sorts).
        place = np.empty(len(self.ids), dtype=np.int64)
        frontier = np.array([node], dtype=np.int32)
        found: list[Nodes] = []
        depth = 0
        while frontier.size and depth < max_depth:
            starts = indptr[frontier]
            lengths = indptr[frontier + 1] - starts
            total = int(lengths.sum())
            if total == 0:
                break
            offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
            kids = indices[offsets + np.arange(total)]
            kids = kids[~visited[kids]]
            places = np.arange(kids.size)
            place[kids] = places
            kids = kids[place[kids] == places]
            visited[kids] = True
            found.append(kids)
            frontier = kids
            depth += 1
        if not found:
            return np.empty(0, dtype=np.int32)
        out = np.concatenate(found)
        out.sort()
        return out

    def model_mask(self, models: Iterable[str]) -> npt.NDArray[np.bool_]:
        """Per node, whether its twin's model is one of ``models``.

        The extra last slot of the lookup is for a model without a code, which
        no filter selects.
        """
        allowed = np.zeros(len(self.model_codes) + 1, dtype=np.bool_)
        for dtmi in models:
            code = self.model_codes.get(dtmi)
            if code is not None:
                allowed[code] = True
        mask: npt.NDArray[np.bool_] = allowed[self.model_code]
        return mask

    def with_models(self, nodes: Nodes, models: Iterable[str]) -> Nodes:
        """The nodes whose twin's model is one of ``models``."""
        return nodes[self.model_mask(models)[nodes]]
