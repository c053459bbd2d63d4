"""The Part 2 read API: shells, submodels, elements, modifiers, paging, serialization, errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

import ontology
from tests.server.aas.conftest import BASES, FILLER, b64, shell_path, submodel_path

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def _error(response: Any, status: int) -> str:
    """The official error body: one message with code, correlationId, type, text, timestamp."""
    assert response.status_code == status, response.text
    (message,) = response.json()["messages"]
    assert set(message) == {"code", "correlationId", "messageType", "text", "timestamp"}
    assert message["messageType"] == "Error"
    assert 1 <= len(message["code"]) <= 32
    assert TIMESTAMP.match(message["timestamp"])
    return str(message["text"])


@pytest.mark.parametrize("base", BASES)
def test_description_lists_the_read_profiles_of_its_version(client: TestClient, base: str) -> None:
    version = base.rsplit("v", 1)[1].replace(".", "/")
    profiles = client.get(f"{base}/description").json()["profiles"]
    assert profiles == [
        f"https://admin-shell.io/aas/API/{version}/AssetAdministrationShellRepositoryServiceSpecification/SSP-002",
        f"https://admin-shell.io/aas/API/{version}/SubmodelRepositoryServiceSpecification/SSP-002",
    ]


@pytest.mark.parametrize("padded", [False, True])
def test_a_shell_by_id_padded_or_not(client: TestClient, padded: bool) -> None:
    shell_id = f"urn:twinweave:aas:{FILLER}"
    body = client.get(f"/aas/api/v3.1/shells/{b64(shell_id, padded=padded)}").json()
    assert body["id"] == shell_id
    assert body["assetInformation"]["globalAssetId"] == f"urn:twinweave:asset:{FILLER}"
    info = client.get(f"/aas/api/v3.1{shell_path(FILLER)}/asset-information").json()
    assert info == body["assetInformation"]
    reference = client.get(f"/aas/api/v3.1{shell_path(FILLER)}/$reference").json()
    assert reference["keys"] == [{"type": "AssetAdministrationShell", "value": shell_id}]


def test_malformed_base64url_is_400(client: TestClient) -> None:
    for bad in ("!!!", "a", "4pyTIMOgIGxhIG1vZGU%", b64("x") + "*"):
        text = _error(client.get(f"/aas/api/v3.1/shells/{bad}"), 400)
        assert "base64url" in text
    assert "base64url" in _error(client.get("/aas/api/v3.1/submodels/%F0%9F%98%80"), 400)


def test_unknown_ids_are_404(client: TestClient) -> None:
    assert "no shell" in _error(client.get(f"/aas/api/v3.1/shells/{b64('urn:other:x')}"), 404)
    _error(client.get(f"/aas/api/v3.1{shell_path('no/such/twin')}"), 404)
    _error(client.get(f"/aas/api/v3.1{submodel_path(FILLER, 'nosuchkey')}"), 404)
    _error(client.get(f"/aas/api/v3.1/concept-descriptions/{b64('dtmi:none;1')}"), 404)
    _error(client.get("/aas/api/v3.1/nothing-here"), 404)


@pytest.mark.parametrize("path", ["/aas/api/shells", "/aas/api/v3.2/shells", "/aas/api/"])
def test_a_path_outside_the_versions_says_where_the_api_is(client: TestClient, path: str) -> None:
    text = _error(client.get(path), 404)
    assert text == (
        f"no such path: {path}; the API is served under /aas/api/v3.0 and /aas/api/v3.1"
    )


def test_other_methods_are_405(client: TestClient) -> None:
    _error(client.post("/aas/api/v3.1/shells", json={}), 405)
    _error(client.delete(f"/aas/api/v3.1{shell_path(FILLER)}"), 405)


@pytest.mark.parametrize("limit", ["0", "-1", "1001", "100000000000", "ten"])
def test_a_limit_out_of_range_is_400(client: TestClient, limit: str) -> None:
    assert "limit" in _error(client.get("/aas/api/v3.1/shells", params={"limit": limit}), 400)


def test_a_cursor_not_given_out_is_400(client: TestClient) -> None:
    for cursor in ("%%%", b64("not json"), b64('{"a": 1}'), b64('["x", "y"]')):
        _error(client.get("/aas/api/v3.1/shells", params={"cursor": cursor}), 400)


def _all(client: TestClient, path: str, limit: int, **query: str) -> tuple[list[Any], list[str]]:
    items: list[Any] = []
    cursors: list[str] = []
    params: dict[str, Any] = {"limit": limit, **query}
    while True:
        body = client.get(path, params=params).json()
        assert len(body["result"]) <= limit
        items.extend(body["result"])
        cursor = body["paging_metadata"].get("cursor")
        if cursor is None:
            return items, cursors
        cursors.append(cursor)
        params["cursor"] = cursor


def test_paging_through_shells_is_complete_ordered_and_stable(client: TestClient) -> None:
    shells, cursors = _all(client, "/aas/api/v3.1/shells", 7)
    ids = [s["id"] for s in shells]
    assert len(ids) == 55
    assert ids == sorted(ids)
    again, cursors_again = _all(client, "/aas/api/v3.1/shells", 7)
    assert [s["id"] for s in again] == ids
    assert cursors_again == cursors


def test_paging_through_submodels_splits_twins_without_loss(client: TestClient) -> None:
    small, _ = _all(client, "/aas/api/v3.1/submodels/$reference", 3)
    large, _ = _all(client, "/aas/api/v3.1/submodels/$reference", 1000)
    assert small == large
    assert len({r["keys"][0]["value"] for r in small}) == len(small) == 224


def test_shells_filtered_by_asset_id_and_id_short(client: TestClient) -> None:
    erp = b64('{"name": "erp", "value": "EQ-10001"}')
    body = client.get("/aas/api/v3.1/shells", params={"assetIds": erp}).json()
    assert [s["id"] for s in body["result"]] == [f"urn:twinweave:aas:{FILLER}"]
    body = client.get("/aas/api/v3.1/shells/$reference", params={"idShort": "motor"}).json()
    assert len(body["result"]) > 1
    assert all(r["keys"][0]["value"].endswith("/motor") for r in body["result"])
    _error(client.get("/aas/api/v3.1/shells", params={"assetIds": b64("[]")}), 400)


def test_submodels_filtered_by_semantic_id(client: TestClient) -> None:
    semantic = b64("https://admin-shell.io/idta/nameplate/3/0/Nameplate")
    items, _ = _all(client, "/aas/api/v3.1/submodels", 50, semanticId=semantic)
    assert items
    assert all(s["id"].endswith("#nameplate") for s in items)


def test_value_is_live_from_twin_state(client: TestClient, store: ontology.MemoryStore) -> None:
    path = f"/aas/api/v3.1{submodel_path(FILLER, 'model')}/$value"
    assert "temperature" not in client.get(path).json()
    store.set_signals([ontology.SignalUpdate(FILLER, "temperature", 64.25, datetime.now(UTC))])
    value = client.get(path).json()
    assert value["temperature"] == 64.25
    assert value["manufacturer"] == "Krones"
    assert value["feeds"][0]["annotations"] == {"bufferCapacity": 20}
    element = client.get(
        f"/aas/api/v3.0{submodel_path(FILLER, 'model')}/submodel-elements/temperature/$value"
    )
    assert element.json() == {"temperature": 64.25}


def test_metadata_reference_and_path(client: TestClient) -> None:
    base = f"/aas/api/v3.1{submodel_path(FILLER, 'nameplate')}"
    meta = client.get(f"{base}/$metadata").json()
    assert "submodelElements" not in meta
    assert meta["semanticId"]["keys"][0]["value"].endswith("/Nameplate")
    paths = client.get(f"{base}/$path").json()
    assert "AssetSpecificProperties.ratedVoltage" in paths
    core = client.get(f"{base}/$path", params={"level": "core"}).json()
    assert "AssetSpecificProperties" in core
    assert "AssetSpecificProperties.ratedVoltage" not in core
    element = f"{base}/submodel-elements/AssetSpecificProperties.ratedVoltage"
    assert client.get(element).json()["value"] == "400.0"
    reference = client.get(f"{element}/$reference").json()
    assert [k["type"] for k in reference["keys"]] == [
        "Submodel",
        "SubmodelElementCollection",
        "Property",
    ]
    collection = client.get(f"{base}/submodel-elements/AssetSpecificProperties?level=core")
    assert all("value" in c for c in collection.json()["value"])


def test_list_items_by_index_in_an_id_short_path(client: TestClient) -> None:
    base = f"/aas/api/v3.1{submodel_path(FILLER, 'model')}/submodel-elements"
    edge = client.get(f"{base}/feeds%5B0%5D").json()
    assert edge["modelType"] == "AnnotatedRelationshipElement"
    reference = client.get(f"{base}/feeds%5B0%5D/$reference").json()
    assert reference["keys"][-1] == {"type": "AnnotatedRelationshipElement", "value": "0"}
    _error(client.get(f"{base}/feeds%5B5%5D"), 404)
    _error(client.get(f"{base}/nothing"), 404)
    _error(client.get(f"{base}/..bad"), 400)


@pytest.mark.parametrize(
    ("suffix", "query"),
    [
        ("$metadata", "level=deep"),
        ("$metadata", "extent=withBlobValue"),
        ("$reference", "level=deep"),
        ("$reference", "extent=withoutBlobValue"),
        ("$path", "extent=withBlobValue"),
        ("", "level=shallow"),
        ("", "extent=all"),
    ],
)
def test_forbidden_modifier_combinations_are_400(
    client: TestClient, suffix: str, query: str
) -> None:
    path = f"/aas/api/v3.1{submodel_path(FILLER, 'model')}/{suffix}".rstrip("/")
    _error(client.get(f"{path}?{query}"), 400)


def test_submodel_elements_page(client: TestClient) -> None:
    base = f"/aas/api/v3.1{submodel_path(FILLER, 'model')}/submodel-elements"
    items, _ = _all(client, base, 5)
    whole = client.get(f"/aas/api/v3.1{submodel_path(FILLER, 'model')}").json()
    assert items == whole["submodelElements"]


def test_submodels_through_their_shell(client: TestClient) -> None:
    refs, _ = _all(client, f"/aas/api/v3.1{shell_path(FILLER)}/submodel-refs", 2)
    assert len(refs) == 5
    submodel_id = refs[2]["keys"][0]["value"]
    body = client.get(f"/aas/api/v3.1{shell_path(FILLER)}/submodels/{b64(submodel_id)}").json()
    assert body["id"] == submodel_id
    other = b64("urn:twinweave:sm:acme/jkt1#model")
    _error(client.get(f"/aas/api/v3.1{shell_path(FILLER)}/submodels/{other}"), 404)


def test_concept_descriptions(client: TestClient) -> None:
    unit = client.get(f"/aas/api/v3.1/concept-descriptions/{b64('dtmi:standard:unit:kilowatt')}")
    assert unit.json()["id"] == "dtmi:standard:unit:kilowatt"
    power = b64("dtmi:standard:class:Power")
    items, _ = _all(client, "/aas/api/v3.1/concept-descriptions", 4, isCaseOf=power)
    assert items
    assert all(
        any(k["value"] == "dtmi:standard:class:Power" for r in c["isCaseOf"] for k in r["keys"])
        for c in items
    )


def test_hidden_twins_are_404_like_unknown_ones_and_left_out(partner: TestClient) -> None:
    assert partner.get(f"/aas/api/v3.1{shell_path('acme/jkt1')}").status_code == 200
    hidden = partner.get(f"/aas/api/v3.1{shell_path('acme/jkt1/machining')}")
    unknown = partner.get(f"/aas/api/v3.1{shell_path('acme/jkt1/nowhere')}")
    assert _error(hidden, 404).replace("machining", "X") == _error(unknown, 404).replace(
        "nowhere", "X"
    )
    _error(partner.get(f"/aas/api/v3.1{submodel_path('acme/jkt1/machining', 'model')}"), 404)
    shells, _ = _all(partner, "/aas/api/v3.1/shells", 10)
    assert shells
    assert not any("machining" in s["id"] for s in shells)
    bom = partner.get(f"/aas/api/v3.1{submodel_path('acme/jkt1', 'hierarchy')}").text
    assert "packaging" in bom
    assert "machining" not in bom
