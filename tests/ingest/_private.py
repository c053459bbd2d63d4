"""Private servers for the fault tests: a Kafka or QuestDB of the test's own, which it may
kill and restart (the shared services ``scripts/services up`` started are never touched).

They are started through ``devtools.services`` (the same install step, launch command and
readiness probe as ``scripts/services``) in the test's tmp dir on free ports. Kafka's jars
come from the shared scratch dir when it has them (``TWINWEAVE_SERVICES_DIR``, else
``<repo>/.services``), else Maven copies them. A server that cannot start skips the test
(fails under ``CI=true``), like every test of its service.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.services._context import ServiceError
from devtools.services._private import PrivateService
from tests._services import unavailable
from tests._shared import REPO


def shared_scratch() -> Path:
    return Path(os.environ.get("TWINWEAVE_SERVICES_DIR", str(REPO / ".services")))


def private(name: str, marker: str, tmp_path: Path) -> Iterator[PrivateService]:
    server = PrivateService(name, tmp_path / f"own-{name}", libs_from=shared_scratch())
    try:
        server.start()
    except (ServiceError, OSError) as error:
        server.kill()
        unavailable(marker, f"a {name} of the test's own", str(tmp_path), error)
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def own_kafka(tmp_path: Path) -> Iterator[PrivateService]:
    """A Kafka broker of this test alone (``own_kafka.port``)."""
    yield from private("kafka", "kafka", tmp_path)


@pytest.fixture
def own_questdb(tmp_path: Path) -> Iterator[PrivateService]:
    """A QuestDB of this test alone (``own_questdb.ports['questdb']`` HTTP, ``questdb_pg``)."""
    yield from private("questdb", "questdb", tmp_path)


@pytest.fixture
def own_neo4j(tmp_path: Path) -> Iterator[PrivateService]:
    """A Neo4j of this test alone (``own_neo4j.port``: Bolt, auth off)."""
    yield from private("neo4j", "neo4j", tmp_path)
