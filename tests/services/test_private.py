"""``devtools.services.PrivateService``: a service of one's own on free ports in a given dir,
reusing the jars a shared scratch dir built from the same pom. (The fault tests in
``tests/ingest`` start, kill and restart such servers.)"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from devtools.services._context import Context, ServiceError
from devtools.services._install import _fingerprint, maven_lib
from devtools.services._kafka import Kafka
from devtools.services._private import PrivateService
from tests._shared import REPO

POM = REPO / "java" / "kafka" / "pom.xml"


def test_every_port_of_the_service_is_chosen_free_unless_given(tmp_path: Path) -> None:
    server = PrivateService("questdb", tmp_path, ports={"questdb": 1234})
    assert set(server.ports) == {"questdb", "questdb_min", "questdb_pg", "questdb_ilp"}
    assert server.port == 1234
    assert len(set(server.ports.values())) == 4
    assert server.ctx.scratch == tmp_path.resolve()


def test_an_unknown_service_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match="service 'redis' is unknown; expected one of"):
        PrivateService("redis", tmp_path)


def test_jars_built_from_the_same_pom_are_linked_not_copied(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "kafka" / "lib").mkdir(parents=True)
    (shared / "kafka" / "lib" / "kafka.jar").write_bytes(b"jar")
    (shared / "kafka" / "lib.stamp").write_text(_fingerprint(POM) + "\n")
    ctx = Context(scratch=tmp_path / "own", ports={}, lib_cache=shared)
    lib = ctx.path("kafka", "lib")
    assert maven_lib(ctx, "kafka", POM, lib, ()) is True
    assert lib.is_symlink() and (lib / "kafka.jar").read_bytes() == b"jar"
    assert maven_lib(ctx, "kafka", POM, lib, ()) is False  # up to date now


def test_the_kafka_cluster_id_is_16_random_bytes_in_url_safe_base64(tmp_path: Path) -> None:
    ctx = Context(scratch=tmp_path, ports={})
    (tmp_path / "kafka").mkdir()
    cluster_id = Kafka()._cluster_id(ctx)
    assert len(cluster_id) == 22 and not cluster_id.startswith("-")
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
    assert Kafka()._cluster_id(ctx) == cluster_id  # made once per scratch dir
