"""A variable that is a list of ids or names is coerced in one step (``_text_lists``):
the same values and the same errors as graphql-core's own coercion.

Each operation runs with graphql-core's execution context (strawberry's, which keeps
graphql-core's coercion) and with the tree's; what the field's resolver receives, and
the errors' messages, locations and paths, must be the same.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import ExecutionResult, build_schema, execute, parse
from graphql.execution import values as graphql_values
from graphql.execution.executor import Executor
from graphql.utilities import coerce_input_value
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext as CoreContext

from server.graphql._tree import TreeExecutionContext

SCHEMA = build_schema(
    """
    scalar Tag
    type Query {
      ids(a: [ID!]!): String
      maybeIds(a: [ID]): String
      names(a: [String!]): String
      nullableNames(a: [String]!): String
      nested(a: [[ID!]!]): String
      tags(a: [Tag!]): String
      counts(a: [Int!]): String
      both(a: [ID!]!, n: Int!): String
    }
    """
)
FIELDS = {
    "ids": "[ID!]!",
    "maybeIds": "[ID]",
    "names": "[String!]",
    "nullableNames": "[String]!",
    "nested": "[[ID!]!]",
    "tags": "[Tag!]",
    "counts": "[Int!]",
}
MANY = [f"twin/{i}" for i in range(10_001)]
"""More ids than ``signalsAt`` takes (its limit is the resolver's, not coercion's)."""


class _Text(str):
    """A ``str`` of another class (never decoded from JSON): left to graphql-core."""


VALUES: list[Any] = [
    ["a", "b"],
    [],
    MANY,
    ["a", None],
    [None],
    ["a", 1],
    ["a", 1.5],
    ["a", True],
    ["a", ["b"]],
    [["a"], ["b", "c"]],
    [{"id": "a"}],
    [_Text("a")],
    "a",
    7,
    None,
    {"a": 1},
]


def _run(context: type[Executor[Any]], query: str, variables: dict[str, Any]) -> tuple[Any, Any]:
    result = execute(
        SCHEMA,
        parse(query),
        variable_values=variables,
        field_resolver=lambda _root, _info, **args: repr(
            {k: (v, type(v).__name__) for k, v in args.items()}
        ),
        executor_class=context,
    )
    assert isinstance(result, ExecutionResult)
    errors = [(e.message, e.locations, e.path) for e in result.errors or ()]
    return result.data, errors


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("value", VALUES, ids=lambda v: repr(v)[:24])
def test_a_list_variable_coerces_as_graphql_core_coerces_it(field: str, value: Any) -> None:
    query = f"query($a: {FIELDS[field]}) {{ {field}(a: $a) }}"
    want = _run(CoreContext, query, {"a": value})
    assert _run(TreeExecutionContext, query, {"a": value}) == want


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_a_missing_list_variable_is_treated_as_graphql_core_treats_it(field: str) -> None:
    query = f"query($a: {FIELDS[field]}) {{ {field}(a: $a) }}"
    assert _run(TreeExecutionContext, query, {}) == _run(CoreContext, query, {})


@pytest.mark.parametrize(
    "variables",
    [
        {"a": ["x", "y"], "n": 2},
        {"a": ["x", "y"], "n": "two"},
        {"a": ["x", None], "n": "two"},
        {"a": ["x", "y"]},
        {"n": 2},
    ],
)
def test_other_variables_beside_a_list_keep_their_values_and_errors(
    variables: dict[str, Any],
) -> None:
    query = "query($a: [ID!]!, $n: Int!) { both(a: $a, n: $n) }"
    assert _run(TreeExecutionContext, query, variables) == _run(CoreContext, query, variables)


def test_a_list_of_ids_is_not_coerced_item_by_item(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tree's context hands graphql-core no id of a list of ids to coerce (before, it
    got the whole list, which ``coerce_input_value`` walks id by id)."""
    calls: list[Any] = []

    def counted(value: Any, type_: Any) -> Any:
        calls.append(value)
        return coerce_input_value(value, type_)

    monkeypatch.setattr(graphql_values, "coerce_input_value", counted)  # where values calls it
    query = "query($a: [ID!]!) { ids(a: $a) }"
    ids = [f"twin/{i}" for i in range(1000)]
    built = TreeExecutionContext.build(SCHEMA, parse(query), raw_variable_values={"a": ids})
    assert not isinstance(built, list)
    assert built.variable_values.coerced["a"] == ids
    assert built.variable_values.coerced["a"] is not ids  # a copy, as graphql-core's
    assert built.variable_values.sources["a"].value is ids
    assert calls == [[]]  # only the stand-in: graphql-core walks no id
    calls.clear()
    core = CoreContext.build(SCHEMA, parse(query), raw_variable_values={"a": ids})
    assert not isinstance(core, list)
    assert calls == [ids]  # graphql-core's own: the whole list, walked id by id
