"""The in-process store's read index: twins numbered in id order, the contains DAG as CSR.

Rebuilt lazily (after twins were added or removed, a twin changed model, or a
``contains`` edge changed) and then shared by every read until the next such
change. Node numbers follow id order, so sorting node numbers sorts by id and a
cursor (the last id seen) becomes a node number by bisection.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt

from ontology.graph._values import Page
from ontology.graph.memory._rows import TwinRow
from ontology.rollup._model_codes import model_mask

Nodes = npt.NDArray[np.int32]


class HierarchyIndex:
    def __init__(self, twins: Mapping[str, TwinRow], children: Mapping[str, Iterable[str]]) -> None:
        ids = sorted(twins)
        n = len(ids)
        self.ids = ids
        self.ids_arr: npt.NDArray[np.object_] = np.array(ids, dtype=object)
        self.pos: dict[str, int] = {t: i for i, t in enumerate(ids)}
        self.model_codes: dict[str, int] = {}
        codes = self.model_codes
        self.model_code: Nodes = np.fromiter(
            (codes.setdefault(twins[t].model, len(codes)) for t in ids), dtype=np.int32, count=n
        )
        pos = self.pos
        parent_list: list[int] = []
        child_list: list[int] = []
        for p, kids in children.items():
            pi = pos[p]
            for k in kids:
                parent_list.append(pi)
                child_list.append(pos[k])
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

    def descendants(self, node: int, max_depth: int) -> Nodes:
        """Distinct descendants of ``node`` within ``max_depth`` levels, in id order."""
        indptr, indices = self.indptr, self.child
        visited = np.zeros(len(self.ids), dtype=np.bool_)
        visited[node] = True
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
            kids = np.unique(kids[~visited[kids]])
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
        """Per node, whether its twin's model is one of ``models``."""
        return model_mask(self.model_codes, self.model_code, models)

    def with_models(self, nodes: Nodes, models: Iterable[str]) -> Nodes:
        """The nodes whose twin's model is one of ``models``."""
        return nodes[self.model_mask(models)[nodes]]

    def page(self, nodes: Nodes, first: int, after: str | None) -> Page[str]:
        """A page of ``nodes`` (sorted) after the cursor ``after`` (an id)."""
        if after is not None:
            nodes = nodes[nodes >= bisect_right(self.ids, after)]
        chunk = nodes[:first]
        items: list[str] = self.ids_arr[chunk].tolist()
        cursor = items[-1] if len(nodes) > first else None
        return Page(items=tuple(items), next_cursor=cursor)

    def all_nodes(self) -> Nodes:
        return np.arange(len(self.ids), dtype=np.int32)
