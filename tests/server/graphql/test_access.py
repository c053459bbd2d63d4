"""One authorization point: a policy hiding a subtree hides it from every field.

The policy hides ``acme/jkt1/machining`` and everything below it. The hidden
twins must vanish from lookups (by id and alias), listings and their counts,
pages, hierarchy fields, relationships, rollup inputs and error messages.
"""

from __future__ import annotations

import base64
import json

import pytest
from starlette.testclient import TestClient

import ontology
from tests.server.graphql.conftest import (
    MACHINE_MODEL,
    SITE,
    HideSubtree,
    data,
    make_client,
    run,
)

HIDDEN_ROOT = "acme/jkt1/machining"
HIDDEN_MACHINE = "acme/jkt1/machining/cell1/cmm1"


@pytest.fixture
def policy(plant: ontology.GraphStore) -> HideSubtree:
    return HideSubtree(plant, HIDDEN_ROOT)


@pytest.fixture
def hiding(plant: ontology.GraphStore, policy: HideSubtree) -> TestClient:
    return make_client(plant, authorizer=policy)


EVERYTHING = """{
  byId: twin(id: "acme/jkt1/machining/cell1/cmm1") { id }
  byAlias: twin(alias: {namespace: "erp", value: "EQ-10035"}) { id }
  all: twins(first: 1000) { totalCount nodes { id } }
  machines: twins(filter: {model: "dtmi:twinweave:sample:Machine;1"}, first: 3) {
    totalCount edges { cursor node { id } } }
  under: twins(filter: {under: "acme/jkt1/machining"}) { totalCount nodes { id } }
  hot: twins(filter: {semanticType: "Temperature"}, first: 1000) { totalCount nodes { id } }
  tree: twin(id: "acme/jkt1") { children { totalCount nodes { id children { totalCount
    edges { node { id children { totalCount nodes { id } } } } } } } }
  site: twin(id: "acme/jkt1") {
    children { totalCount nodes { id parents { id } } }
    descendants(first: 1000) { totalCount nodes { id ancestors { id }
      relationships { source { id } target { id } }
      incoming: relationships(direction: INCOMING) { source { id } target { id } } } }
    rollups { name value recomputed }
    signals { name value }
  }
}"""


def test_the_hidden_subtree_vanishes_from_every_field(
    hiding: TestClient, plant: ontology.GraphStore, policy: HideSubtree
) -> None:
    body = run(hiding, EVERYTHING)
    assert "errors" not in body
    assert "machining" not in json.dumps(body)
    got = body["data"]
    assert got["byId"] is None
    assert got["byAlias"] is None
    every = [t.id for t in plant.list_twins(first=ontology.MAX_PAGE).items]
    assert got["all"]["totalCount"] == len(every) - len(policy.hidden)
    machines = [t.id for t in plant.list_twins(model=MACHINE_MODEL, first=ontology.MAX_PAGE).items]
    assert got["machines"]["totalCount"] == len([m for m in machines if m not in policy.hidden])
    assert got["under"] == {"totalCount": 0, "nodes": []}
    visible_kids = [k for k in plant.children(SITE).items if k not in policy.hidden]
    assert [n["id"] for n in got["tree"]["children"]["nodes"]] == visible_kids
    assert (
        got["tree"]["children"]["totalCount"] == len(visible_kids) < len(plant.children(SITE).items)
    )
    below_site = plant.descendants(SITE, first=ontology.MAX_PAGE).items
    assert got["site"]["descendants"]["totalCount"] == len(
        [t for t in below_site if t not in policy.hidden]
    )


def test_rollups_are_recomputed_over_visible_inputs_only(
    hiding: TestClient, plant: ontology.GraphStore, policy: HideSubtree
) -> None:
    below = plant.descendants(SITE, model=MACHINE_MODEL, first=ontology.MAX_PAGE).items
    visible_sum = sum(
        float(str(plant.get_signals(m)["power"].value)) for m in below if m not in policy.hidden
    )
    stored = plant.get_signals(SITE)["totalPower"].value
    got = data(
        hiding,
        """query($id: ID!) { twin(id: $id) { rollups { value recomputed }
             signals(names: ["totalPower"]) { value } } }""",
        {"id": SITE},
    )
    assert got["twin"]["rollups"] == [{"value": visible_sum, "recomputed": True}]
    assert got["twin"]["signals"] == [{"value": visible_sum}]
    assert stored != visible_sum  # the hidden machines did contribute to the stored value


def test_errors_do_not_reveal_hidden_twins(hiding: TestClient) -> None:
    cursor = base64.urlsafe_b64encode(f"twin:{HIDDEN_MACHINE}".encode()).decode()
    query = "query($after: String) { twins(after: $after, first: 2000) { totalCount } }"
    body = run(hiding, query, {"after": cursor})
    assert body.get("errors")
    assert "machining" not in json.dumps(body)


def test_the_default_policy_hides_nothing(client: TestClient, plant: ontology.GraphStore) -> None:
    query = "query($id: ID!) { twin(id: $id) { id } twins { totalCount } }"
    got = data(client, query, {"id": HIDDEN_MACHINE})
    assert got["twin"] == {"id": HIDDEN_MACHINE}
    assert got["twins"]["totalCount"] == len(plant.list_twins(first=ontology.MAX_PAGE).items)


def test_a_hidden_twin_asked_for_only_its_id_and_children_is_null(
    hiding: TestClient, policy: HideSubtree
) -> None:
    query = "query($id: ID!) { twin(id: $id) { id children { totalCount nodes { id } } } }"
    for hidden in sorted(policy.hidden):
        assert data(hiding, query, {"id": hidden}) == {"twin": None}, hidden
    got = data(hiding, query, {"id": SITE})["twin"]
    assert got["id"] == SITE
    assert not {n["id"] for n in got["children"]["nodes"]} & set(policy.hidden)
