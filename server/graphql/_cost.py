"""The static cost of an operation: list fields weigh ``first`` times what they select.

A field costs 1 plus what it selects; a field with a ``first`` argument
multiplies that by ``first`` (its literal or variable value, else the default
page), and any other list field by ``LIST_WEIGHT`` (except the ``edges`` and
``nodes`` of a connection, which its ``first`` already weighed). Fragments count where they
are spread. Computed from the document before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
)

LIST_WEIGHT = 10
MAX_FRAGMENT_DEPTH = 64


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        default_page: int,
        max_page: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.default_page = default_page
        self.max_page = max_page

    def _first(self, node: FieldNode) -> int | None:
        for arg in node.arguments or ():
            if arg.name.value != "first":
                continue
            value = arg.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                return given if isinstance(given, int) else self.default_page
            return self.default_page
        return None

    def selection(
        self, node: SelectionSetNode | None, parent: GraphQLNamedType | None, depth: int
    ) -> int:
        if node is None or depth > MAX_FRAGMENT_DEPTH:
            return 0
        total = 0
        for item in node.selections:
            if isinstance(item, FieldNode):
                total += self.field(item, parent, depth)
            elif isinstance(item, InlineFragmentNode):
                condition = item.type_condition
                typed = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection(item.selection_set, typed, depth + 1)
            elif isinstance(item, FragmentSpreadNode):
                fragment = self.fragments.get(item.name.value)
                if fragment is not None:
                    typed = self.schema.get_type(fragment.type_condition.name.value)
                    total += self.selection(fragment.selection_set, typed, depth + 1)
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, depth: int) -> int:
        child: GraphQLNamedType | None = None
        is_list = False
        if isinstance(parent, GraphQLObjectType) and node.name.value in parent.fields:
            returned = parent.fields[node.name.value].type
            is_list = isinstance(get_nullable_type(returned), GraphQLList)
            child = get_named_type(returned)
        first = self._first(node)
        in_connection = parent is not None and parent.name.endswith("Connection")
        if first is not None:
            weight = min(max(first, 1), self.max_page)  # a larger first is refused anyway
        else:
            weight = LIST_WEIGHT if is_list and not in_connection else 1
        return weight * (1 + self.selection(node.selection_set, child, depth + 1))


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    default_page: int,
    max_page: int,
) -> int:
    """The static cost of ``operation`` with these variable values."""
    root = schema.get_root_type(operation.operation)
    walk = _Walk(schema, fragments, variables, default_page, max_page)
    return walk.selection(operation.selection_set, root, 0)
