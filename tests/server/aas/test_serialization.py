"""``/serialization``: JSON, XML and AASX environments that pass the official checks."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from tests.aas._check import check_aasx, check_json, check_xml
from tests.server.aas.conftest import FILLER, b64

AASX = "application/asset-administration-shell-package+xml"


def test_selected_shells_and_submodels_as_json(client: TestClient) -> None:
    params = {
        "aasIds": [b64(f"urn:twinweave:aas:{FILLER}")],
        "submodelIds": [b64(f"urn:twinweave:sm:{FILLER}#model")],
    }
    body = client.get("/aas/api/v3.1/serialization", params=params).json()
    assert [s["id"] for s in body["assetAdministrationShells"]] == [f"urn:twinweave:aas:{FILLER}"]
    assert [s["id"] for s in body["submodels"]] == [f"urn:twinweave:sm:{FILLER}#model"]
    assert body["conceptDescriptions"]
    assert check_json(body) > 2
    bare = client.get(
        "/aas/api/v3.1/serialization", params={**params, "includeConceptDescriptions": "false"}
    ).json()
    assert "conceptDescriptions" not in bare


def test_everything_as_xml_and_aasx(client: TestClient, tmp_path: Path) -> None:
    xml = client.get("/aas/api/v3.0/serialization", headers={"accept": "application/xml"})
    assert xml.headers["content-type"].startswith("application/xml")
    (tmp_path / "env.xml").write_bytes(xml.content)
    objects = check_xml(tmp_path / "env.xml")
    package = client.get("/aas/api/v3.1/serialization", headers={"accept": AASX})
    assert package.headers["content-type"] == AASX
    (tmp_path / "env.aasx").write_bytes(package.content)
    assert check_aasx(tmp_path / "env.aasx") == objects > 55


def test_an_unknown_id_is_404(client: TestClient) -> None:
    response = client.get("/aas/api/v3.1/serialization", params={"aasIds": b64("urn:x")})
    assert response.status_code == 404
    assert response.json()["messages"][0]["messageType"] == "Error"
