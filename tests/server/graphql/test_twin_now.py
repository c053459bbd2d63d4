"""``twin(id)`` reading live signals from the in-process store answers without an await.

graphql-core then returns the result at once instead of an awaitable (no
coroutine, no event-loop turn); a restricted policy, an alias or a store read
on a worker thread still go through ``twin_ahead``, with the same answers.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest
from graphql import ExecutionResult, execute, parse

import ontology
from ontology.access import AllowAll, Authorizer, Principal
from server import ServerSettings
from server.graphql import GraphQLLimits
from server.graphql._context import Context
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
    store: ontology.GraphStore, authorizer: Authorizer, query: str, variables: dict[str, Any]
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
        build_schema(limits)._schema,
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
