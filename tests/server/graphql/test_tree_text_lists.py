"""A list of ids or names is completed at once (``_tree``): the same answers and errors.

Each field is run with graphql-core's own execution context and with the tree's;
the answers, and the errors' messages and paths, must be the same.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    ExecutionResult,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    execute,
    parse,
)
from graphql.execution.executor import Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext as CoreContext

from server.graphql._tree import TreeExecutionContext

VALUES: dict[str, Any] = {
    "ids": ["a", "b", "c"],
    "names": ["a", None, "c"],
    "numbers_as_ids": [1, 2, 3],
    "null_in_ids": ["a", None],
    "mixed_ids": ["a", 2],
    "counts": [1, 2],
}
SCHEMA = GraphQLSchema(
    GraphQLObjectType(
        "Query",
        {
            "ids": GraphQLField(GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLID)))),
            "names": GraphQLField(GraphQLList(GraphQLString)),
            "numbers_as_ids": GraphQLField(GraphQLList(GraphQLNonNull(GraphQLID))),
            "null_in_ids": GraphQLField(GraphQLList(GraphQLNonNull(GraphQLID))),
            "mixed_ids": GraphQLField(GraphQLList(GraphQLNonNull(GraphQLID))),
            "counts": GraphQLField(GraphQLList(GraphQLNonNull(GraphQLInt))),
        },
    )
)


def _answer(field: str, context: type[Executor[Any]]) -> tuple[Any, Any]:
    result = execute(
        SCHEMA,
        parse(f"{{ {field} }}"),
        root_value=VALUES,
        field_resolver=lambda root, info: root[info.field_name],
        executor_class=context,
    )
    assert isinstance(result, ExecutionResult)  # no resolver here awaits
    errors = [(e.message, e.path) for e in result.errors or ()]
    return result.data, errors


@pytest.mark.parametrize("field", sorted(VALUES))
def test_a_list_of_text_answers_as_graphql_core_does(field: str) -> None:
    assert _answer(field, TreeExecutionContext) == _answer(field, CoreContext)


def test_a_list_of_str_is_answered_without_completing_each_item(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[Any] = []
    leaf = Executor.complete_leaf_value

    def spy(return_type: Any, result: Any) -> Any:
        seen.append(result)
        return leaf(return_type, result)

    monkeypatch.setattr(Executor, "complete_leaf_value", staticmethod(spy))
    assert _answer("ids", TreeExecutionContext) == ({"ids": ["a", "b", "c"]}, [])
    assert seen == []
    assert _answer("ids", CoreContext) == ({"ids": ["a", "b", "c"]}, [])
    assert seen == ["a", "b", "c"]  # the spy sees graphql-core's item by item completion
