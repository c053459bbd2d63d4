"""The query suite: twins, listings, models, signals, hierarchy, relationships, rollups.

Runs against every graph store (``plant`` is parametrised: memory and Neo4j).
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

import ontology
from server.graphql import GraphQLLimits
from tests.server.graphql.conftest import (
    MACHINE_MODEL,
    SITE,
    data,
    error_messages,
    make_client,
    run,
)

CMM = "acme/jkt1/machining/cell1/cmm1"


def test_twin_by_id_and_by_alias_are_the_same_twin(client: TestClient) -> None:
    got = data(
        client,
        """{ a: twin(id: "acme/jkt1/machining/cell1/cmm1") { id modelId etag lifecycle
               aliases { namespace value } properties }
             b: twin(alias: {namespace: "erp", value: "EQ-10035"}) { id } }""",
    )
    assert got["b"]["id"] == got["a"]["id"] == CMM
    assert got["a"]["modelId"] == MACHINE_MODEL
    assert got["a"]["lifecycle"] == "ACTIVE"
    assert {"namespace": "erp", "value": "EQ-10035"} in got["a"]["aliases"]
    assert got["a"]["properties"]["manufacturer"] == "Zeiss"


def test_unknown_twin_and_alias_are_null(client: TestClient) -> None:
    got = data(
        client,
        '{ a: twin(id: "no/such") { id } b: twin(alias: {namespace: "erp", value: "X"}) { id } }',
    )
    assert got == {"a": None, "b": None}


def test_twin_needs_exactly_one_of_id_or_alias(client: TestClient) -> None:
    body = run(client, "{ twin { id } }")
    assert error_messages(body) == ["twin: give exactly one of id or alias"]


def test_twins_by_model_pages_through_every_twin_once(
    client: TestClient, plant: ontology.GraphStore
) -> None:
    expected = sorted(t.id for t in plant.list_twins(model=MACHINE_MODEL, first=1000).items)
    seen: list[str] = []
    after = None
    while True:
        got = data(
            client,
            """query($after: String) { twins(filter: {model: "dtmi:twinweave:sample:Machine;1"},
                 first: 7, after: $after) { totalCount pageInfo { hasNextPage endCursor }
                 edges { cursor node { id } } } }""",
            {"after": after},
        )["twins"]
        assert got["totalCount"] == len(expected)
        seen += [e["node"]["id"] for e in got["edges"]]
        assert got["pageInfo"]["endCursor"] == got["edges"][-1]["cursor"]
        if not got["pageInfo"]["hasNextPage"]:
            break
        after = got["pageInfo"]["endCursor"]
    assert seen == expected


def _filtered(client: TestClient) -> dict[str, Any]:
    return data(
        client,
        """{ passive: twins(filter: {lifecycle: PASSIVE}) { totalCount nodes { id } }
             under: twins(filter: {under: "acme/jkt1/machining",
               model: "dtmi:twinweave:sample:Machine;1"}) { totalCount nodes { id } }
             hot: twins(filter: {semanticType: "Temperature", under: "acme/jkt1/machining"}) {
               totalCount }
             alias: twins(filter: {alias: {namespace: "erp", value: "EQ-10035"}, lifecycle: ACTIVE})
               { totalCount } }""",
    )


def test_twins_filters_combine(client: TestClient, plant: ontology.GraphStore) -> None:
    plant.set_lifecycle(CMM, ontology.Lifecycle.PASSIVE, principal="t")
    try:
        got = _filtered(client)
    finally:
        plant.set_lifecycle(CMM, ontology.Lifecycle.ACTIVE, principal="t")
    assert got["passive"]["nodes"] == [{"id": CMM}]
    below = plant.descendants("acme/jkt1/machining", model=MACHINE_MODEL).items
    assert [n["id"] for n in got["under"]["nodes"]] == sorted(below)
    assert got["under"]["totalCount"] == len(below) > 0
    assert got["hot"]["totalCount"] == len(
        plant.descendants("acme/jkt1/machining", semantic_type="Temperature").items
    )
    assert got["alias"]["totalCount"] == 0


def test_models_and_model_text_and_contents(client: TestClient, plant: ontology.GraphStore) -> None:
    got = data(
        client,
        """{ models { dtmi } model(dtmi: "dtmi:twinweave:sample:Machine;1") { dtmi text extends
               contents { name kind unit schema semanticTypes target } }
             missing: model(dtmi: "dtmi:x:Y;1") { dtmi } }""",
    )
    assert sorted(m["dtmi"] for m in got["models"]) == sorted(m.dtmi for m in plant.list_models())
    model = got["model"]
    assert model["text"] == plant.get_model(MACHINE_MODEL).text
    contents = {c["name"]: c for c in model["contents"]}
    assert contents["power"]["kind"] == "Telemetry"
    assert contents["power"]["unit"] == "kilowatt"
    assert "Power" in contents["power"]["semanticTypes"]
    assert contents["feeds"]["kind"] == "Relationship"
    assert got["missing"] is None


def test_signals_carry_value_unit_time_and_batch(
    client: TestClient, plant: ontology.GraphStore
) -> None:
    held = plant.get_signals(CMM)["power"]
    got = data(
        client,
        'query($id: ID!) { twin(id: $id) { signals(names: ["power"]) {'
        " name value unit time batch } } }",
        {"id": CMM},
    )
    (signal,) = got["twin"]["signals"]
    assert signal["value"] == held.value
    assert signal["unit"] == "kilowatt"
    assert signal["batch"] == held.batch
    assert signal["time"].startswith("2026-06-01T12:00:00")


def test_hierarchy_fields_agree_with_the_store(
    client: TestClient, plant: ontology.GraphStore
) -> None:
    got = data(
        client,
        """{ twin(id: "acme/jkt1/machining/cell1") { parents { id } ancestors { id }
               children(first: 2) { totalCount nodes { id } }
               descendants(depth: 1) { totalCount }
               deep: descendants(model: "dtmi:twinweave:sample:Machine;1", first: 1000) {
                 nodes { id } } } }""",
    )["twin"]
    line = "acme/jkt1/machining/cell1"
    assert [p["id"] for p in got["parents"]] == list(plant.parents(line))
    assert [a["id"] for a in got["ancestors"]] == list(plant.ancestors(line))
    children = plant.children(line, first=1000).items
    assert got["children"]["totalCount"] == len(children)
    assert [n["id"] for n in got["children"]["nodes"]] == sorted(children)[:2]
    assert got["descendants"]["totalCount"] == len(children)
    machines = plant.descendants(line, model=MACHINE_MODEL).items
    assert [n["id"] for n in got["deep"]["nodes"]] == sorted(machines)


DESCENDANT_FILTERS = ["", "(depth: 2)", f'(model: "{MACHINE_MODEL}")', '(semanticType: "Power")']


@pytest.mark.parametrize("filters", DESCENDANT_FILTERS)
def test_a_descendants_count_alone_is_the_count_of_the_listing(
    client: TestClient, plant: ontology.GraphStore, filters: str
) -> None:
    got = data(
        client,
        f"""{{ twin(id: "{SITE}") {{ counted: descendants{filters} {{ totalCount __typename }}
               listed: descendants{filters} {{ totalCount pageInfo {{ hasNextPage }} }} }} }}""",
    )["twin"]
    assert got["counted"]["totalCount"] == got["listed"]["totalCount"] > 0
    assert got["counted"]["__typename"] == "TwinConnection"


def test_a_descendants_count_alone_checks_its_page_arguments(client: TestClient) -> None:
    body = run(client, f'{{ twin(id: "{SITE}") {{ descendants(after: "x") {{ totalCount }} }} }}')
    (message,) = error_messages(body)
    assert "is not a cursor from this API" in message
    body = run(client, f'{{ twin(id: "{SITE}") {{ descendants(first: -1) {{ totalCount }} }} }}')
    (message,) = error_messages(body)
    assert "first: -1 is negative" in message


def test_a_descendants_count_above_the_scan_cap_is_refused(plant: ontology.GraphStore) -> None:
    capped = make_client(plant, limits=GraphQLLimits(max_scan=3))
    for selection in ("totalCount", "totalCount nodes { id }"):
        body = run(capped, f'{{ twin(id: "{SITE}") {{ descendants {{ {selection} }} }} }}')
        (message,) = error_messages(body)
        assert f"descendants of {SITE!r} matches more than 3 twins (the scan cap)" in message


def test_relationships_both_ways(client: TestClient, plant: ontology.GraphStore) -> None:
    (feed,) = [e for e in plant.edges_to(CMM) if e.name == "feeds"]
    got = data(
        client,
        """query($cmm: ID!, $src: ID!) {
             cmm: twin(id: $cmm) { relationships(name: "feeds", direction: INCOMING) {
               name properties source { id } target { id } } }
             src: twin(id: $src) { relationships(name: "feeds") { target { id } } } }""",
        {"cmm": CMM, "src": feed.source},
    )
    assert got["cmm"]["relationships"] == [
        {
            "name": "feeds",
            "properties": dict(feed.properties),
            "source": {"id": feed.source},
            "target": {"id": CMM},
        }
    ]
    assert {"target": {"id": CMM}} in got["src"]["relationships"]


def test_rollups_serve_the_stored_value(client: TestClient, plant: ontology.GraphStore) -> None:
    query = "query($id: ID!) { twin(id: $id) { rollups { name aggregate value recomputed } } }"
    got = data(client, query, {"id": SITE})
    (rollup,) = got["twin"]["rollups"]
    assert rollup["name"] == "totalPower"
    assert rollup["value"] == plant.get_signals(SITE)["totalPower"].value
    assert rollup["recomputed"] is False


@pytest.mark.parametrize("first", [-1, 1001, 10**9])
def test_first_outside_the_page_cap_is_refused(client: TestClient, first: int) -> None:
    body = run(
        client, "query($first: Int) { twins(first: $first) { totalCount } }", {"first": first}
    )
    (message,) = error_messages(body)
    assert f"first: {first}" in message
    assert body["data"] is None


def test_a_cursor_not_from_this_api_is_refused(client: TestClient) -> None:
    body = run(client, '{ twins(after: "bm90LWEtY3Vyc29y") { totalCount } }')
    (message,) = error_messages(body)
    assert message.startswith("after: 'bm90LWEtY3Vyc29y' is not a cursor from this API")


def test_a_listing_from_several_sources_is_in_id_order_once_each(
    client: TestClient, plant: ontology.GraphStore
) -> None:
    # a semantic type without `under` is the union of one listing per model (no order);
    # `under` is the store's listing, already in id order (not sorted again)
    got = data(
        client,
        """{ power: twins(filter: {semanticType: "Power"}, first: 1000) { nodes { id } }
             under: twins(filter: {under: "acme/jkt1"}, first: 1000) { nodes { id } } }""",
    )
    power = [n["id"] for n in got["power"]["nodes"]]
    under = [n["id"] for n in got["under"]["nodes"]]
    assert len(power) > 1
    assert power == sorted(set(power))
    assert under == sorted(plant.descendants("acme/jkt1", first=ontology.MAX_PAGE).items)
