"""Mutations: etags and conflicts, relationships, lifecycle, bulk upsert, model upload.

Each runs on every graph store, as the principal ``alice``, and is audited
with her name. Twins made here get ids of their own and are deleted again.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

import ontology
from ontology.access import Principal
from server import ServerSettings, create_app
from tests.server.graphql.conftest import MACHINE_MODEL, HideSubtree, data, run

LINE = "acme/jkt1/machining/cell1"
ALICE = "alice"


@pytest.fixture
def alice(plant: ontology.GraphStore) -> TestClient:
    app = create_app(
        ServerSettings(version="0"), store=plant, principal_of=lambda _: Principal(ALICE)
    )
    return TestClient(app)


@pytest.fixture
def new_id(plant: ontology.GraphStore) -> Iterator[str]:
    twin_id = f"acme/test/{uuid.uuid4().hex[:8]}"
    yield twin_id
    with contextlib.suppress(ontology.NotFoundError):
        plant.delete_twin(twin_id, etag=None, principal="cleanup")


def _create(client: TestClient, twin_id: str) -> dict[str, Any]:
    query = """mutation($id: String!, $model: String!) { createTwin(twin: {id: $id,
      model: $model, properties: {manufacturer: "Acme"}}) { id etag lifecycle properties } }"""
    created: dict[str, Any] = data(client, query, {"id": twin_id, "model": MACHINE_MODEL})[
        "createTwin"
    ]
    return created


def _error(body: dict[str, Any]) -> dict[str, Any]:
    (error,) = body["errors"]
    assert isinstance(error, dict)
    return error


UPDATE = """mutation($id: ID!, $etag: String, $props: JSON!) {
  updateTwin(id: $id, properties: $props, etag: $etag) { etag properties } }"""


def test_update_with_a_stale_etag_is_a_conflict_and_changes_nothing(
    alice: TestClient, plant: ontology.GraphStore, new_id: str
) -> None:
    created = _create(alice, new_id)
    assert created["lifecycle"] == "PROVISIONED"
    first = data(
        alice, UPDATE, {"id": new_id, "etag": created["etag"], "props": {"manufacturer": "B"}}
    )
    stale = run(
        alice, UPDATE, {"id": new_id, "etag": created["etag"], "props": {"manufacturer": "C"}}
    )
    error = _error(stale)
    assert error["extensions"]["code"] == "CONFLICT"
    assert "changed since it was read" in error["message"]
    assert plant.get_twin(new_id).properties["manufacturer"] == "B"
    assert first["updateTwin"]["etag"] == plant.get_twin(new_id).etag


def test_delete_honours_the_etag(
    alice: TestClient, plant: ontology.GraphStore, new_id: str
) -> None:
    created = _create(alice, new_id)
    query = "mutation($id: ID!, $etag: String) { deleteTwin(id: $id, etag: $etag) }"
    assert (
        _error(run(alice, query, {"id": new_id, "etag": "stale"}))["extensions"]["code"]
        == "CONFLICT"
    )
    assert data(alice, query, {"id": new_id, "etag": created["etag"]}) == {"deleteTwin": new_id}
    assert plant.get_twins([new_id]) == (None,)


def test_every_mutation_is_audited_with_its_principal(
    alice: TestClient, plant: ontology.GraphStore, new_id: str
) -> None:
    created = _create(alice, new_id)
    data(alice, UPDATE, {"id": new_id, "etag": created["etag"], "props": {"manufacturer": "B"}})
    data(
        alice,
        "mutation($id: ID!) { setLifecycle(id: $id, to: ACTIVE) { lifecycle } }",
        {"id": new_id},
    )
    records = plant.audit(key=new_id, first=100).items
    assert [r.action for r in records] == ["twin.create", "twin.update", "twin.lifecycle"]
    assert {r.principal for r in records} == {ALICE}


def test_lifecycle_transitions_follow_the_rules(alice: TestClient, new_id: str) -> None:
    _create(alice, new_id)
    query = "mutation($id: ID!, $to: Lifecycle!) { setLifecycle(id: $id, to: $to) { lifecycle } }"
    assert (
        data(alice, query, {"id": new_id, "to": "ACTIVE"})["setLifecycle"]["lifecycle"] == "ACTIVE"
    )
    error = _error(run(alice, query, {"id": new_id, "to": "PROVISIONED"}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith(f"twin {new_id!r} is active; it cannot become provisioned")


RELATE = """mutation($s: ID!, $t: ID!, $n: String!) {
  relate(source: $s, name: $n, target: $t) { name source { id } target { id } } }"""
UNRELATE = "mutation($s: ID!, $t: ID!, $n: String!) { unrelate(source: $s, name: $n, target: $t) }"
CHILDREN = "query($id: ID!) { twin(id: $id) { children(first: 1000) { nodes { id } } } }"


def test_relate_and_unrelate_change_the_hierarchy(alice: TestClient, new_id: str) -> None:
    _create(alice, new_id)
    got = data(alice, RELATE, {"s": LINE, "t": new_id, "n": "contains"})["relate"]
    assert got == {"name": "contains", "source": {"id": LINE}, "target": {"id": new_id}}
    assert {"id": new_id} in data(alice, CHILDREN, {"id": LINE})["twin"]["children"]["nodes"]
    assert data(alice, UNRELATE, {"s": LINE, "t": new_id, "n": "contains"}) == {"unrelate": True}
    assert {"id": new_id} not in data(alice, CHILDREN, {"id": LINE})["twin"]["children"]["nodes"]


def test_relate_refuses_a_cycle_and_a_wrong_target(
    alice: TestClient, plant: ontology.GraphStore, new_id: str
) -> None:
    inner = f"{new_id}/inner"
    _create(alice, new_id)
    _create(alice, inner)
    try:
        data(alice, RELATE, {"s": new_id, "t": inner, "n": "contains"})
        cycle = _error(run(alice, RELATE, {"s": inner, "t": new_id, "n": "contains"}))
        wrong = _error(run(alice, RELATE, {"s": new_id, "t": "acme/jkt1", "n": "contains"}))
    finally:
        plant.delete_twin(inner, etag=None, principal="cleanup")
    assert cycle["extensions"]["code"] in ("CONFLICT", "BAD_USER_INPUT")
    assert "cycle" in cycle["message"]
    assert wrong["extensions"]["code"] == "BAD_USER_INPUT"
    assert "dtmi:twinweave:sample:Site;1" in wrong["message"]


def test_bulk_upsert_is_idempotent_and_reports_rejections(
    alice: TestClient, plant: ontology.GraphStore, new_id: str
) -> None:
    query = """mutation($twins: [TwinInput!]!) { upsertTwins(twins: $twins) {
      created updated unchanged rejected { key reason } } }"""
    twins = [{"id": new_id, "model": MACHINE_MODEL}, {"id": "bad id!", "model": MACHINE_MODEL}]
    first = data(alice, query, {"twins": twins})["upsertTwins"]
    again = data(alice, query, {"twins": twins})["upsertTwins"]
    assert (first["created"], again["created"], again["unchanged"]) == (1, 0, 1)
    (rejected,) = first["rejected"]
    assert rejected["key"] == "bad id!"
    assert "not path-like" in rejected["reason"]
    assert plant.get_twin(new_id).model == MACHINE_MODEL


def _model(dtmi: str, contents: list[dict[str, Any]]) -> str:
    return json.dumps(
        {
            "@context": "dtmi:dtdl:context;3",
            "@id": dtmi,
            "@type": "Interface",
            "contents": contents,
        },
        indent=2,
    )


UPLOAD = "mutation($texts: [String!]!) { uploadModels(texts: $texts) { dtmi contents { name } } }"


def test_model_upload_reports_dtdl_diagnostics_with_line_and_column(alice: TestClient) -> None:
    dtmi = f"dtmi:test:upload:M{uuid.uuid4().hex[:8]};1"
    body = run(alice, UPLOAD, {"texts": [_model(dtmi, [{"@type": "Property", "name": "speed"}])]})
    error = _error(body)
    assert error["extensions"]["code"] == "MODEL_INVALID"
    (diagnostic,) = error["extensions"]["diagnostics"]
    assert diagnostic["code"] == "missingObjectProperty"
    assert diagnostic["property"] == "schema"
    assert (diagnostic["document"], diagnostic["line"]) == (0, 6)
    assert diagnostic["column"] > 0
    good = _model(dtmi, [{"@type": "Property", "name": "speed", "schema": "double"}])
    assert data(alice, UPLOAD, {"texts": [good]})["uploadModels"] == [
        {"dtmi": dtmi, "contents": [{"name": "speed"}]}
    ]


def test_writes_to_hidden_twins_look_like_writes_to_unknown_ones(
    plant: ontology.GraphStore, new_id: str
) -> None:
    hidden = "acme/jkt1/machining/cell1/cmm1"
    client = TestClient(
        create_app(
            ServerSettings(version="0"),
            store=plant,
            authorizer=HideSubtree(plant, "acme/jkt1/machining"),
        )
    )
    update = run(client, UPDATE, {"id": hidden, "etag": None, "props": {"manufacturer": "X"}})
    unknown = run(client, UPDATE, {"id": "no/such", "etag": None, "props": {"manufacturer": "X"}})
    assert _error(update)["message"] == f"no twin {hidden!r}"
    assert _error(update)["extensions"] == _error(unknown)["extensions"] == {"code": "NOT_FOUND"}
    _create(client, new_id)
    relate = run(client, RELATE, {"s": "acme/jkt1/packaging", "t": hidden, "n": "contains"})
    assert _error(relate)["message"] == f"no twin {hidden!r}"
    assert plant.get_twin(hidden).properties["manufacturer"] == "Zeiss"
