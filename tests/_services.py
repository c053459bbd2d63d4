"""Where the tests find the real services, and what they do when one is down.

``scripts/services up`` starts Neo4j, Kafka, Mosquitto and QuestDB on
127.0.0.1 (see docs/services.md). The addresses below are the defaults; the
``TWINWEAVE_TEST_*`` variables point the tests elsewhere. A test that needs a
service carries its marker (``@pytest.mark.neo4j`` ...) and asks for the
fixture in ``tests/conftest.py``. When the service does not answer, the test
is skipped with a hint how to start it; under ``CI=true`` it fails instead,
because CI always runs the real services. ``TWINWEAVE_TEST_REQUIRE`` (a
comma-separated list of markers) makes the same failure apply to some services
only: ``scripts/test`` sets it to the services it just brought up.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NoReturn
from urllib.parse import urlsplit

import psycopg
import pytest
from neo4j import Driver
from psycopg import sql

SERVICE_MARKERS = ("neo4j", "kafka", "mqtt", "questdb")
START_HINT = "start it with scripts/services up"
NAME_BYTES = 6  # 12 hex digits: a clash between two tests is out of reach
NEO4J_DATABASE = "neo4j"
NEO4J_DELETE_BATCH = 10_000
_SAFE_NAME = re.compile(r"[A-Za-z0-9_]+")


@dataclass(frozen=True, slots=True)
class QuestDBAddress:
    """Where the test QuestDB answers: HTTP (REST, ILP over HTTP) and PostgreSQL wire."""

    http_host: str
    http_port: int
    pg_host: str
    pg_port: int
    user: str = "admin"
    password: str = field(default="quest", repr=False)

    @property
    def http(self) -> str:
        return f"{self.http_host}:{self.http_port}"

    @property
    def pg(self) -> str:
        return f"{self.pg_host}:{self.pg_port}"


@dataclass(frozen=True, slots=True)
class ServiceAddresses:
    """The addresses the integration tests connect to."""

    neo4j_uri: str
    kafka_bootstrap: str
    mqtt_host: str
    mqtt_port: int
    questdb: QuestDBAddress


def addresses() -> ServiceAddresses:
    """The service addresses from ``TWINWEAVE_TEST_*`` or the scripts/services defaults."""
    env = os.environ
    mqtt = env.get("TWINWEAVE_TEST_MQTT", "127.0.0.1:18830")
    host, port = split_host_port(mqtt, setting="TWINWEAVE_TEST_MQTT")
    questdb_http = env.get("TWINWEAVE_TEST_QUESTDB", "127.0.0.1:19000")
    questdb_pg = env.get("TWINWEAVE_TEST_QUESTDB_PG", "127.0.0.1:18812")
    return ServiceAddresses(
        neo4j_uri=env.get("TWINWEAVE_TEST_NEO4J_URI", "bolt://127.0.0.1:17687"),
        kafka_bootstrap=env.get("TWINWEAVE_TEST_KAFKA", "127.0.0.1:19092"),
        mqtt_host=host,
        mqtt_port=port,
        questdb=QuestDBAddress(
            *split_host_port(questdb_http, setting="TWINWEAVE_TEST_QUESTDB"),
            *split_host_port(questdb_pg, setting="TWINWEAVE_TEST_QUESTDB_PG"),
        ),
    )


def split_host_port(value: str, *, setting: str) -> tuple[str, int]:
    """``"host:port"`` as a pair; a clear error naming ``setting`` otherwise."""
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        msg = f"{setting}={value!r} is not an address; expected host:port, e.g. 127.0.0.1:18830"
        raise ValueError(msg)
    return host, int(port)


def free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports that were free a moment ago (all bound at once)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def uri_host_port(uri: str, default_port: int) -> tuple[str, int]:
    """Host and port of a URI (``bolt://h:p``)."""
    parts = urlsplit(uri)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def required_services() -> frozenset[str]:
    """Markers whose service must answer: all under ``CI=true``, else ``TWINWEAVE_TEST_REQUIRE``."""
    if in_ci():
        return frozenset(SERVICE_MARKERS)
    listed = os.environ.get("TWINWEAVE_TEST_REQUIRE", "")
    required = frozenset(part.strip() for part in listed.split(",") if part.strip())
    unknown = sorted(required - set(SERVICE_MARKERS))
    if unknown:
        msg = (
            f"TWINWEAVE_TEST_REQUIRE={listed!r} names {unknown[0]!r}; "
            f"expected a comma-separated list of {', '.join(SERVICE_MARKERS)}"
        )
        raise ValueError(msg)
    return required


def unavailable(marker: str, service: str, address: str, reason: object) -> NoReturn:
    """Skip the calling test, or fail it when ``marker``'s service is required.

    Required: under ``CI=true``, or when ``TWINWEAVE_TEST_REQUIRE`` lists ``marker``.
    """
    msg = f"{service} is not reachable at {address} ({reason}); {START_HINT}"
    if marker in required_services():
        pytest.fail(msg)
    pytest.skip(msg)


def tcp_check(marker: str, service: str, host: str, port: int, timeout: float = 2.0) -> None:
    """Return if ``host:port`` accepts a connection; else :func:`unavailable`."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as error:
        unavailable(marker, service, f"{host}:{port}", error)


def require_marker_for(item: pytest.Item, fixture_markers: Mapping[str, str]) -> None:
    """Fail ``item`` if it uses a service fixture without carrying that service's marker."""
    used = getattr(item, "fixturenames", ())
    for fixture in used:
        marker = fixture_markers.get(fixture)
        if marker is not None and item.get_closest_marker(marker) is None:
            pytest.fail(
                f"{item.nodeid} uses the {fixture} fixture but lacks @pytest.mark.{marker}; "
                "a test that needs a real service must carry its marker",
                pytrace=False,
            )


def unique_name(prefix: str) -> str:
    """``<prefix>_<12 hex digits>``: safe as a Neo4j label prefix, topic, table or MQTT level."""
    return f"{prefix}_{uuid.uuid4().hex[: 2 * NAME_BYTES]}"


def drop_neo4j_namespace(driver: Driver, namespace: str) -> None:
    """Delete the nodes, constraints and indexes whose labels start with ``namespace``."""

    def owned(labels: list[str] | None) -> bool:
        return any(label.startswith(namespace) for label in labels or ())

    for kind, plural in (("CONSTRAINT", "CONSTRAINTS"), ("INDEX", "INDEXES")):
        records, _, _ = driver.execute_query(
            f"SHOW {plural} YIELD name, labelsOrTypes RETURN name, labelsOrTypes",
            database_=NEO4J_DATABASE,
        )
        for record in records:
            name = record["name"]
            if owned(record["labelsOrTypes"]) and _SAFE_NAME.fullmatch(name):
                # Names come from the database, not from a test, and are checked above.
                driver.execute_query(f"DROP {kind} `{name}` IF EXISTS", database_=NEO4J_DATABASE)
    clear_neo4j_namespace(driver, namespace)


def clear_neo4j_namespace(driver: Driver, namespace: str) -> None:
    """Delete the nodes (and so their relationships) whose labels start with ``namespace``.

    Constraints and indexes stay (``drop_neo4j_namespace`` drops them too).
    """
    labels = _namespace_labels(driver, namespace)
    # A label scan per label is proportional to the namespace, not to the database.
    for label in filter(_SAFE_NAME.fullmatch, labels):
        _delete_in_batches(driver, f"MATCH (n:`{label}`)", {})
    if not all(_SAFE_NAME.fullmatch(label) for label in labels):
        where = "MATCH (n) WHERE any(label IN labels(n) WHERE label STARTS WITH $prefix)"
        _delete_in_batches(driver, where, {"prefix": namespace})


def neo4j_namespace_nodes(driver: Driver, namespace: str) -> int:
    """How many nodes have a label that starts with ``namespace``."""
    labels = _namespace_labels(driver, namespace)
    if not all(_SAFE_NAME.fullmatch(label) for label in labels):
        records, _, _ = driver.execute_query(
            "MATCH (n) WHERE any(label IN labels(n) WHERE label STARTS WITH $prefix) "
            "RETURN count(n) AS nodes",
            prefix=namespace,
            database_=NEO4J_DATABASE,
        )
        return int(records[0]["nodes"])
    if not labels:
        return 0
    # Checked names from the database; a node with several of them is counted once.
    either = "|".join(f"`{label}`" for label in labels)
    records, _, _ = driver.execute_query(
        f"MATCH (n:{either}) RETURN count(n) AS nodes", database_=NEO4J_DATABASE
    )
    return int(records[0]["nodes"])


def _namespace_labels(driver: Driver, namespace: str) -> list[str]:
    records, _, _ = driver.execute_query(
        "CALL db.labels() YIELD label WHERE label STARTS WITH $prefix RETURN label",
        prefix=namespace,
        database_=NEO4J_DATABASE,
    )
    return [record["label"] for record in records]


def _delete_in_batches(driver: Driver, match: str, parameters: dict[str, object]) -> None:
    deleted = NEO4J_DELETE_BATCH
    while deleted == NEO4J_DELETE_BATCH:
        records, _, _ = driver.execute_query(
            f"{match} WITH n LIMIT $batch DETACH DELETE n RETURN count(*) AS deleted",
            parameters_={**parameters, "batch": NEO4J_DELETE_BATCH},
            database_=NEO4J_DATABASE,
        )
        deleted = records[0]["deleted"]


def questdb_connect(where: QuestDBAddress) -> psycopg.Connection[tuple[object, ...]]:
    """A psycopg connection to QuestDB's PG wire, in autocommit (QuestDB has no transactions)."""
    return psycopg.connect(
        host=where.pg_host,
        port=where.pg_port,
        user=where.user,
        password=where.password,
        dbname="qdb",
        autocommit=True,
        connect_timeout=5,
    )


def drop_questdb_tables(where: QuestDBAddress, prefix: str) -> None:
    """Drop every QuestDB table whose name is ``prefix`` or starts with ``prefix_``."""
    with questdb_connect(where) as conn:
        rows = conn.execute("SELECT table_name FROM tables()").fetchall()
        for (name,) in rows:
            if isinstance(name, str) and (name == prefix or name.startswith(f"{prefix}_")):
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
