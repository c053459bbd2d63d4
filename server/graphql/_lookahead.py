"""What a field's selection asks of the twins it returns, read before they resolve.

Resolvers get their selection as ``info.selected_fields`` (variables filled in,
fragments as ``FragmentSpread``/``InlineFragment`` nodes with their own
selections). These helpers read it so a field can fetch ahead for a whole list
of twins (one store call, then each twin's fields answer without an await)
or leave out a read nobody asked for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

from graphql import FieldNode, GraphQLResolveInfo, Node
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, convert_selections

import ontology
from server.graphql._variables import reads_variables

ID_ONLY = frozenset(
    {
        "id",
        "__typename",
        "children",
        "parents",
        "ancestors",
        "descendants",
        "relationships",
        "history",
        "events",
        "lineage",
    }
)
"""``Twin`` fields that need only the twin's id, not its record (model, properties, ...)."""
KEPT_SELECTIONS = 4096
"""The most converted selections kept across requests (all are dropped when full)."""
_kept: dict[int, tuple[FieldNode, list[Any]]] = {}
"""Converted selections by their field node (kept alive with them, so its id stays its own)."""


def selections_below(raw: GraphQLResolveInfo[Any]) -> list[Any]:
    """strawberry's ``info.selected_fields[0].selections`` (``raw`` is graphql-core's info,
    strawberry's ``info._raw_info``): what the field selects on what it returns.

    strawberry converts the whole selection for every resolver that asks (about
    as much CPU as reading a twin's live state); one that reads no variable is
    decided by the query text alone, whose parsed document is cached, so its
    conversion is kept by its field node and shared by later requests.
    """
    node = raw.field_nodes[0]
    held = _kept.get(id(node))
    if held is not None and held[0] is node:
        return held[1]
    below = node.selection_set.selections if node.selection_set is not None else ()
    converted = convert_selections(raw, cast("Sequence[FieldNode]", below))  # any selection

    def fragment(name: str) -> Node | None:
        return raw.fragments.get(name)

    if not any(reads_variables(selection, fragment) for selection in below):
        if len(_kept) >= KEPT_SELECTIONS:
            _kept.clear()
        _kept[id(node)] = (node, converted)
    return converted


def fields(selections: Sequence[object]) -> Iterator[SelectedField]:
    """The fields of ``selections``, those inside fragments included."""
    for node in selections:
        if isinstance(node, SelectedField):
            yield node
        elif isinstance(node, FragmentSpread | InlineFragment):
            yield from fields(node.selections)


def twin_selections(connection: Sequence[object]) -> list[object]:
    """The selections on the twins of a ``TwinConnection`` selection (``nodes``,
    ``edges { node }``), all together."""
    out: list[object] = []
    for field in fields(connection):
        if field.name == "nodes":
            out += field.selections
        elif field.name == "edges":
            out += [s for n in fields(field.selections) if n.name == "node" for s in n.selections]
    return out


def needs_record(twin: Sequence[object]) -> bool:
    """Whether a selection on twins asks for anything beyond their ids (see ``ID_ONLY``
    and :func:`history_only`)."""
    return any(f.name not in ID_ONLY and not history_only(f) for f in fields(twin))


def history_only(field: SelectedField) -> bool:
    """Whether a field on a twin is ``signals(names: [...], at: ...)`` asking for no
    ``unit``: the history store answers it from the twin's id alone (no model)."""
    return (
        field.name == "signals"
        and field.arguments.get("at") is not None
        and field.arguments.get("names") is not None
        and all(f.name != "unit" for f in fields(field.selections))
    )


def children_levels(twin: Sequence[object]) -> int:
    """How many levels of ``children`` a selection on twins nests (0: none), at most
    ``MAX_TREE_LEVELS`` (a deeper level looks ahead again when it resolves)."""
    deepest = 0
    for field in fields(twin):
        if field.name == "children":
            below = children_levels(twin_selections(field.selections))
            deepest = max(deepest, 1 + below)
    return min(deepest, ontology.MAX_TREE_LEVELS)


def selects_live_signals(twin: Sequence[object]) -> bool:
    """Whether a selection on twins has a ``signals`` field without ``at`` (live values)."""
    return any(f.name == "signals" and f.arguments.get("at") is None for f in fields(twin))


def reads_live_signals(twin: Sequence[object]) -> bool:
    """Whether a selection on twins reads their live signals: ``signals`` without ``at``,
    or ``rollups`` (their values are the twin's derived signals)."""
    return selects_live_signals(twin) or any(f.name == "rollups" for f in fields(twin))


def counts_only(selected: Sequence[object]) -> bool:
    """Whether a field returning a ``TwinConnection`` (its ``info.selected_fields``) asks
    for nothing but ``totalCount`` (and ``__typename``): its twins need counting, not
    listing."""
    return all(
        s.name in ("totalCount", "__typename")
        for f in fields(selected)
        for s in fields(f.selections)
    )


def child_page(twin: Sequence[object]) -> dict[str, object] | None:
    """The arguments of ``children`` when a selection on one twin asks for its children's
    live signals and nothing that reads more than that twin's record and one page of its
    children with their records and signals (``GraphStore.children_with_signals``):
    one ``children`` field, no ``children`` below it, no live signals or rollups of the
    twin itself. ``None`` otherwise."""
    found = [f for f in fields(twin) if f.name == "children"]
    if len(found) != 1 or reads_live_signals(twin):
        return None
    below = twin_selections(found[0].selections)
    if children_levels(below) or not selects_live_signals(below):
        return None
    return dict(found[0].arguments)
