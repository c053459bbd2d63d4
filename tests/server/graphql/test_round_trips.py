"""Store round trips per query do not grow with the result (DataLoaders, one batch per level).

The store is the real in-process store wrapped in a proxy that counts calls:
instrumentation of the real store, not a stand-in for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import cast

import loaders
import ontology
from ontology.access import Action, Principal
from server.graphql import GraphQLLimits
from tests.server.graphql.conftest import Counting, data, make_client

NESTED = """query($id: ID!) { twin(id: $id) { id children(first: 1000) { nodes { id signals { name }
  model { dtmi } children(first: 1000) { nodes { id properties children(first: 1000) {
  totalCount nodes { id lifecycle signals { name value } model { dtmi } } } } } } } } }"""
BATCHED = ("get_twins", "children_of", "signals_of", "list_models", "model_set", "rollups")


class CountingAuthorizer:
    def __init__(self) -> None:
        self.calls = 0

    def allowed(
        self, principal: Principal, action: Action, twin_ids: Sequence[str]
    ) -> tuple[bool, ...]:
        self.calls += 1
        return (True,) * len(twin_ids)


def _plant(twins: int, fan_out: int) -> tuple[ontology.GraphStore, str]:
    plant = loaders.generate_plant(twins, fan_out=fan_out, multi_parent_share=0.0)
    store = ontology.MemoryStore()
    store.add_models(plant.models, principal="t")
    store.upsert_twins(plant.twins, principal="t")
    store.add_edges(plant.edges, principal="t")
    return store, plant.roots[0]


def _count(twins: int, fan_out: int) -> tuple[Counter[str], int, int]:
    store, root = _plant(twins, fan_out)
    counting = Counting(store)
    authorizer = CountingAuthorizer()
    unlimited = GraphQLLimits(max_cost=10**12)  # three levels of first: 1000 weigh 10**9
    client = make_client(
        cast(ontology.GraphStore, counting), authorizer=authorizer, limits=unlimited
    )
    got = data(client, NESTED, {"id": root})
    leaves = [
        n
        for c in got["twin"]["children"]["nodes"]
        for g in c["children"]["nodes"]
        for n in g["children"]["nodes"]
    ]
    return counting.calls, authorizer.calls, len(leaves)


def test_batched_reads_and_authorizer_calls_are_constant() -> None:
    small, small_auth, small_leaves = _count(400, 7)
    large, large_auth, large_leaves = _count(1111, 10)
    assert (small_leaves, large_leaves) == (343, 1000)
    for name in BATCHED:
        assert large[name] == small[name], name
    assert large["get_twins"] <= 4
    assert large_auth == small_auth <= 8


def test_every_store_call_is_constant_over_a_3_level_query() -> None:
    small, _, small_leaves = _count(400, 7)
    large, _, large_leaves = _count(1111, 10)
    assert (small_leaves, large_leaves) == (343, 1000)
    assert large == small
    assert large["children_of"] == 3  # one per level of children
    assert "children" not in large
    assert "get_signals" not in large
