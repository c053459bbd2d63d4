"""Variables that are lists of ids or names, coerced in one step instead of item by item.

graphql-core coerces a variable's value by walking it twice: once to check that it is
not nested too deeply (a tuple pushed per item), then ``coerce_input_value`` per item
(the item type unwrapped, the scalar's coercion called). For ``signalsAt``'s list of
1,000 ids that was the largest part of graphql-core's work on the request (profiled).

For a variable typed as a list of ``ID`` or ``String`` (``[ID!]!``, ``[String]``, ...)
whose value is a JSON array of which every item is a ``str`` (or ``None`` where the
items may be null), graphql-core's answer is a new list of the same items: both
scalars give a ``str`` back as it is. :func:`held` takes such values out before
graphql-core coerces the others (it gets ``[]`` in their place, valid for any list
type, so its errors for the other variables are its own); :func:`restore` puts each
back, as a copy, where graphql-core would have put its coerced value, and the value as
sent as its source. Any other value (``null``, a number among the ids, a nested list,
a single id for a list, a custom scalar) is left to graphql-core, whose errors stay
word for word its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLID,
    GraphQLSchema,
    GraphQLString,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    TypeNode,
    get_operation_ast,
)
from graphql.execution.values import VariableValues

__all__ = ["held", "restore"]

_TEXT = (GraphQLID, GraphQLString)
_STR: frozenset[type] = frozenset({str})
_STR_OR_NONE: frozenset[type] = frozenset({str, type(None)})


def _items(schema: GraphQLSchema, node: TypeNode) -> frozenset[type] | None:
    """The item types a list of ``ID`` or ``String`` typed ``node`` takes as they are
    (``None``: not such a list)."""
    if isinstance(node, NonNullTypeNode):
        node = node.type
    if not isinstance(node, ListTypeNode):
        return None
    item = node.type
    nullable = not isinstance(item, NonNullTypeNode)
    if isinstance(item, NonNullTypeNode):
        item = item.type
    if not isinstance(item, NamedTypeNode):
        return None
    named = schema.get_type(item.name.value)
    if not any(named is scalar for scalar in _TEXT):
        return None
    return _STR_OR_NONE if nullable else _STR


def held(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> tuple[dict[str, Any] | None, dict[str, list[Any]]]:
    """The variables for graphql-core, and the lists of ids or names taken out of them.

    ``variables`` itself (and nothing taken) when no single operation is chosen or no
    variable qualifies; graphql-core then answers as it would have.
    """
    if not variables:
        return variables, {}
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return variables, {}
    taken: dict[str, list[Any]] = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        value = variables.get(name)
        if type(value) is not list or not value:
            continue
        allowed = _items(schema, definition.type)
        if allowed is not None and set(map(type, value)) <= allowed:
            taken[name] = value
    if not taken:
        return variables, {}
    return {n: ([] if n in taken else v) for n, v in variables.items()}, taken


def restore(values: VariableValues, taken: Mapping[str, list[Any]]) -> None:
    """Each taken list back into ``values`` (graphql-core's coerced variables) as it would
    have coerced it: a copy of the list, and the list as sent as the variable's source."""
    for name, value in taken.items():
        values.coerced[name] = list(value)
        values.sources[name] = values.sources[name]._replace(value=value)
