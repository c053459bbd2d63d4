"""Whether a part of a query reads a variable: what may be kept per query text, what not."""

from __future__ import annotations

from collections.abc import Callable

from graphql import FragmentSpreadNode, Node, VariableNode

FragmentOf = Callable[[str], Node | None]
"""A fragment's definition by its name (``None``: the document has none of that name)."""


KEPT_ANSWERS = 4096
"""The most nodes whose answer is kept across requests (all are dropped when full)."""
_kept: dict[int, tuple[Node, bool]] = {}
"""The answer by node (kept alive with it, so its id stays its own)."""


def reads_variables(node: Node, fragment_of: FragmentOf) -> bool:
    """Whether ``node`` or anything below it, the fragments it spreads included, refers to a
    variable (an argument, a directive's ``if``); an unknown fragment counts as one.

    ``fragment_of`` answers from the document ``node`` is part of, so the answer is the
    node's own: it is kept by node (a cached query's parsed document keeps its nodes, and
    a query that reads variables was otherwise walked again on every request)."""
    held = _kept.get(id(node))
    if held is not None and held[0] is node:
        return held[1]
    reads = _reads(node, fragment_of, set())
    if len(_kept) >= KEPT_ANSWERS:
        _kept.clear()
    _kept[id(node)] = (node, reads)
    return reads


def _reads(node: Node, fragment_of: FragmentOf, seen: set[str]) -> bool:
    if isinstance(node, VariableNode):
        return True
    if isinstance(node, FragmentSpreadNode):
        name = node.name.value
        if name not in seen:
            seen.add(name)
            found = fragment_of(name)
            if found is None or _reads(found, fragment_of, seen):
                return True
    for key in node.keys:
        child = getattr(node, key, None)
        for item in child if isinstance(child, tuple | list) else (child,):
            if isinstance(item, Node) and _reads(item, fragment_of, seen):
                return True
    return False
