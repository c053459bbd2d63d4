"""docker-compose.yml is a valid Compose file whose Twinweave services use known settings.

No Docker engine runs here, so the file is checked against the Compose
Specification's JSON schema (from the shared reference folder) instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tests._shared import REPO, shared_file
from twinweave._config import ENVIRONMENT, load_settings

COMPOSE = REPO / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _twinweave_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if "build" in service or str(service.get("image", "")).startswith("twinweave")
    }


def test_compose_file_validates_against_the_compose_spec() -> None:
    schema = json.loads(shared_file("standards/compose/compose-spec.json").read_text("utf-8"))
    jsonschema.validate(_compose(), schema, cls=jsonschema.Draft7Validator)


def test_compose_has_the_four_stores_and_both_twinweave_processes() -> None:
    services = _compose()["services"]
    assert {"neo4j", "kafka", "mosquitto", "questdb", "server", "ingest"} == set(services)
    assert services["neo4j"]["image"].startswith("neo4j:5.26")
    assert "community" in services["neo4j"]["image"]
    assert "broker,controller" in services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]
    assert services["questdb"]["image"] == "questdb/questdb:9.2.0"
    assert _twinweave_services(_compose()).keys() == {"server", "ingest"}


def test_questdb_publishes_http_and_pg_wire_on_loopback_only() -> None:
    ports = _compose()["services"]["questdb"]["ports"]
    assert sorted(ports) == ["127.0.0.1:8812:8812", "127.0.0.1:9000:9000"]


def test_the_ingest_worker_is_off_by_default_until_twinweave_ingest_exists() -> None:
    services = _compose()["services"]
    assert services["ingest"]["profiles"] == ["ingest"]
    assert "profiles" not in services["server"]


def test_every_variable_set_on_twinweave_services_is_one_the_settings_understand() -> None:
    for name, service in _twinweave_services(_compose()).items():
        environment = service["environment"]
        unknown = sorted(set(environment) - set(ENVIRONMENT))
        assert not unknown, f"service {name} sets variables the settings do not know: {unknown}"
        # and the values parse: the same function the CLI uses accepts them
        settings = load_settings({k: str(v) for k, v in environment.items()})
        assert settings.graph_store == "neo4j"
        assert settings.history_store == "questdb"
        assert (settings.questdb.http_host, settings.questdb.http_port) == ("questdb", 9000)
        assert (settings.questdb.pg_host, settings.questdb.pg_port) == ("questdb", 8812)


def test_dockerfile_installs_every_package_the_distribution_ships() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    for package in ("twinweave", "dtdl", "ontology", "aas", "ingest", "loaders", "server"):
        assert f"COPY {package} ./{package}" in dockerfile
        assert (REPO / package / "__init__.py").is_file()
    assert (REPO / "deploy" / "mosquitto.conf").is_file()
    assert Path(REPO / "LICENSE").is_file()
