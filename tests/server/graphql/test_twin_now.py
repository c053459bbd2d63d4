"""``twin(id)``: resolved past strawberry's wrapper, and without an await when it can.

Reading live signals from the in-process store, graphql-core returns the
result at once instead of an awaitable (no coroutine, no event-loop turn); a
restricted policy, an alias or a store read on a worker thread still go
through ``twin_ahead``, with the same answers. The answers and errors are the
ones strawberry's own resolver wrapper gives.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult, GraphQLSchema, execute, parse

import ontology
from ontology.access import AllowAll, Authorizer, Principal
from server import ServerSettings
from server.graphql import GraphQLLimits
from server.graphql._context import Context
from server.graphql._query import Query
from server.graphql._schema import build_schema
from server.graphql._tree import TreeExecutionContext
from tests.server.graphql.conftest import SITE, HideSubtree, load_plant

LIVE = 'query($id: ID!) { twin(id: $id) { id signals(names: ["power"]) { value } } }'
ALIAS = """query($ns: String!, $v: String!) { twin(alias: {namespace: $ns, value: $v}) {
  id signals(names: ["power"]) { value } } }"""


@pytest.fixture(scope="module")
def plant() -> tuple[ontology.MemoryStore, dict[str, float]]:
    store = ontology.MemoryStore()
    return store, load_plant(store)


def _execute(
    store: ontology.GraphStore,
    authorizer: Authorizer,
    query: str,
    variables: dict[str, Any],
    schema: GraphQLSchema | None = None,
) -> ExecutionResult | Awaitable[ExecutionResult]:
    limits = GraphQLLimits()
    context = Context(
        store=store,
        authorizer=authorizer,
        principal=Principal(),
        settings=ServerSettings(version="0.0.0-test"),
        limits=limits,
    )
    return execute(
        schema or build_schema(limits)._schema,
        parse(query),
        context_value=context,
        variable_values=variables,
        executor_class=TreeExecutionContext,
    )


async def _result(got: ExecutionResult | Awaitable[ExecutionResult]) -> ExecutionResult:
    return got if isinstance(got, ExecutionResult) else await got


def test_live_state_of_a_twin_is_answered_at_once(
    plant: tuple[ontology.MemoryStore, dict[str, float]],
) -> None:
    store, powers = plant
    machine, power = next(iter(powers.items()))
    got = _execute(store, AllowAll(), LIVE, {"id": machine})
    assert isinstance(got, ExecutionResult)
    assert got.errors is None
    assert got.data == {"twin": {"id": machine, "signals": [{"value": power}]}}
    missing = _execute(store, AllowAll(), LIVE, {"id": "no/such/twin"})
    assert isinstance(missing, ExecutionResult) and missing.data == {"twin": None}
    bad = _execute(store, AllowAll(), LIVE, {"id": ""})
    assert isinstance(bad, ExecutionResult) and bad.errors and bad.data == {"twin": None}


async def test_a_restricted_policy_or_an_alias_reads_through_twin_ahead(
    plant: tuple[ontology.MemoryStore, dict[str, float]],
) -> None:
    store, powers = plant
    machine, power = next(iter(powers.items()))
    hidden = _execute(store, HideSubtree(store, SITE), LIVE, {"id": machine})
    assert not isinstance(hidden, ExecutionResult)
    assert (await _result(hidden)).data == {"twin": None}
    aliases = store.get_twin(machine).aliases
    assert aliases, f"the sample plant's {machine} has no alias to look it up by"
    alias = next(iter(aliases))
    by_alias = _execute(store, AllowAll(), ALIAS, {"ns": alias.namespace, "v": alias.value})
    assert not isinstance(by_alias, ExecutionResult)
    answer = await _result(by_alias)
    assert answer.data == {"twin": {"id": machine, "signals": [{"value": power}]}}


@pytest.mark.parametrize("twin_id", ["MACHINE", "no/such/twin", "", "x" * 5000, "acme/jkt1"])
@pytest.mark.parametrize("hidden", [False, True])
async def test_by_id_the_answer_and_errors_are_strawberrys(
    plant: tuple[ontology.MemoryStore, dict[str, float]], twin_id: str, hidden: bool
) -> None:
    store, powers = plant
    twin_id = next(iter(powers)) if twin_id == "MACHINE" else twin_id
    policy: Authorizer = HideSubtree(store, SITE) if hidden else AllowAll()
    wrapped_only = strawberry.federation.Schema(query=Query)._schema  # strawberry's resolver
    ours = await _result(_execute(store, policy, LIVE, {"id": twin_id}))
    theirs = await _result(_execute(store, policy, LIVE, {"id": twin_id}, wrapped_only))
    assert ours.data == theirs.data
    assert [(e.message, e.path) for e in ours.errors or ()] == [
        (e.message, e.path) for e in theirs.errors or ()
    ]
    assert ours.data is not None and (ours.data["twin"] is None) == (
        hidden or twin_id not in {*powers, SITE}
    )
