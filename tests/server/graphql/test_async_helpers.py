"""A request's objects are freed by refcounting when it is answered: no reference cycle.

graphql-core's executor held its own bound methods in ``async_helpers``, so
every request's context, loaders and starlette request waited for the cycle
collector. With the collector off, these tests see the objects go the moment
the request is done, and check that the helpers still do their work while the
operation runs (and in a copy of the execution, as graphql-core makes for
each subscription event).
"""

from __future__ import annotations

import asyncio
import copy
import gc
import weakref
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from graphql import (
    ExecutionResult,
    GraphQLField,
    GraphQLInt,
    GraphQLList,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    execute,
    parse,
)
from graphql.type import GraphQLResolveInfoHelpers
from starlette.requests import HTTPConnection
from starlette.testclient import TestClient

import ontology
from ontology.access import AllowAll, Principal
from server import ServerSettings, create_app
from server.graphql import GraphQLLimits
from server.graphql._async_helpers import ExecutionEndedError
from server.graphql._context import Context
from server.graphql._schema import build_schema
from server.graphql._tree import TreeExecutionContext
from tests.server.graphql.conftest import SITE, load_plant

LIVE = 'query($id: ID!) { twin(id: $id) { id signals(names: ["power"]) { value } } }'


@pytest.fixture
def no_collector() -> Iterator[None]:
    """The cycle collector off (what is freed is freed by refcounting alone)."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@pytest.fixture(scope="module")
def store() -> ontology.MemoryStore:
    memory = ontology.MemoryStore()
    load_plant(memory)
    return memory


def _context(store: ontology.GraphStore) -> Context:
    return Context(
        store=store,
        authorizer=AllowAll(),
        principal=Principal(),
        settings=ServerSettings(version="0.0.0-test"),
        limits=GraphQLLimits(),
    )


@pytest.mark.usefixtures("no_collector")
@pytest.mark.parametrize(
    ("query", "variables"), [("{ __typename }", {}), (LIVE, {"id": SITE}), ("{ nope }", {})]
)
def test_an_execution_leaves_its_context_to_refcounting(
    store: ontology.MemoryStore, query: str, variables: dict[str, Any]
) -> None:
    context = _context(store)
    freed = weakref.ref(context)
    result = execute(
        build_schema(GraphQLLimits())._schema,
        parse(query),
        context_value=context,
        variable_values=variables,
        executor_class=TreeExecutionContext,
    )
    assert isinstance(result, ExecutionResult)
    assert result.data is not None or result.errors
    del context, result
    assert freed() is None


@pytest.mark.usefixtures("no_collector")
def test_a_request_through_the_app_is_freed_when_answered(store: ontology.MemoryStore) -> None:
    requests: list[weakref.ref[HTTPConnection]] = []

    def principal_of(connection: HTTPConnection) -> Principal:
        requests.append(weakref.ref(connection))
        return Principal()

    app = create_app(ServerSettings(version="0.0.0-test"), store=store, principal_of=principal_of)
    with TestClient(app) as client:
        for query, variables in [("{ __typename }", {}), (LIVE, {"id": SITE})]:
            answer = client.post("/graphql", json={"query": query, "variables": variables})
            assert answer.status_code == 200
            assert "errors" not in answer.json()
    assert len(requests) == 2
    assert [ref() for ref in requests] == [None, None]


# ----------------------------------------------------------- the helpers' work

Resolve = Callable[[Any, GraphQLResolveInfo[Any]], Any]


def _schema(resolve: Resolve) -> GraphQLSchema:
    field = GraphQLField(GraphQLList(GraphQLInt), resolve=resolve)
    return GraphQLSchema(GraphQLObjectType("Query", {"numbers": field}))


async def _number(value: int) -> int:
    await asyncio.sleep(0)
    return value


def test_gather_and_track_work_while_the_operation_runs() -> None:
    tracked: list[int] = []

    async def record() -> None:
        tracked.append(1)

    async def resolve(_root: Any, info: GraphQLResolveInfo[Any]) -> list[int]:
        info.async_helpers.track([record(), "not awaitable"])
        return await info.async_helpers.gather([_number(1), _number(2)])

    async def run() -> ExecutionResult:
        got = execute(_schema(resolve), parse("{ numbers }"), executor_class=TreeExecutionContext)
        assert not isinstance(got, ExecutionResult)
        result = await got
        await asyncio.sleep(0)  # the tracked work settles in the background
        return result

    result = asyncio.run(run())
    assert result == ExecutionResult({"numbers": [1, 2]}, None)
    assert tracked == [1]


def test_helpers_kept_past_the_operation_say_it_ended() -> None:
    kept: list[GraphQLResolveInfoHelpers] = []

    def resolve(_root: Any, info: GraphQLResolveInfo[Any]) -> list[int]:
        kept.append(info.async_helpers)
        return [3]

    result = execute(_schema(resolve), parse("{ numbers }"), executor_class=TreeExecutionContext)
    assert result == ExecutionResult({"numbers": [3]}, None)
    gc.collect()
    with pytest.raises(ExecutionEndedError, match="after the operation's execution ended"):
        kept[0].track([])
    pending: list[Awaitable[Any]] = []
    with pytest.raises(ExecutionEndedError, match="expected a call while the operation runs"):
        kept[0].gather(pending)


def test_a_copy_of_an_execution_has_helpers_of_its_own() -> None:
    executor = TreeExecutionContext.build(_schema(lambda _root, _info: [4]), parse("{ numbers }"))
    assert isinstance(executor, TreeExecutionContext)
    twin = copy.copy(executor)
    assert twin.async_helpers is not executor.async_helpers
    assert twin.__dict__.keys() == executor.__dict__.keys()
    assert twin.schema is executor.schema
    assert twin.collected_errors is executor.collected_errors
    del executor
    gc.collect()
    twin.async_helpers.track([])  # the copy's helpers reach the copy, alive
    assert twin.execute_operation(False) == ExecutionResult({"numbers": [4]}, None)
