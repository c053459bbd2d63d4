"""Fixtures for the real services: Neo4j, Kafka, Mosquitto and QuestDB.

Each test gets its own corner of a shared server: a Neo4j label prefix, a Kafka
topic, an MQTT topic prefix or a QuestDB table-name prefix, named ``t_<12 hex>``
and removed afterwards. A test that asks for one of these fixtures must carry
the service's marker (``@pytest.mark.neo4j``, ``kafka``, ``mqtt``, ``questdb``).
When a service does not answer, its tests are skipped with a hint to run
``scripts/services up``; under ``CI=true`` (or when ``TWINWEAVE_TEST_REQUIRE``
names the marker) they fail. See docs/services.md.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import psycopg
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from neo4j import Driver, GraphDatabase
from neo4j.exceptions import DriverError, Neo4jError

from tests._neo4j_namespaces import Neo4jNamespacePool
from tests._services import (
    SERVICE_MARKERS,
    QuestDBAddress,
    ServiceAddresses,
    addresses,
    drop_neo4j_namespace,
    drop_questdb_tables,
    questdb_connect,
    require_marker_for,
    split_host_port,
    tcp_check,
    unavailable,
    unique_name,
    uri_host_port,
)

T = TypeVar("T")

FIXTURE_MARKERS: dict[str, str] = {
    "neo4j_uri": "neo4j",
    "neo4j_driver": "neo4j",
    "neo4j_namespace": "neo4j",
    "neo4j_namespace_pool": "neo4j",
    "neo4j_lent_namespace": "neo4j",
    "kafka_bootstrap": "kafka",
    "kafka_topic": "kafka",
    "mqtt_broker": "mqtt",
    "mqtt_prefix": "mqtt",
    "questdb": "questdb",
    "questdb_prefix": "questdb",
}
KAFKA_TIMEOUT_S = 30.0


def pytest_configure(config: pytest.Config) -> None:
    """With pytest-xdist workers (``-n 2``), compile the ingest fusion kernel into numba's
    on-disk cache here, on the controller, before the workers start.

    The cache is shared by every process of the checkout. On a fresh clone the first
    process that runs the kernel compiles it (a minute of CPU on a loaded two-core host);
    serially some earlier test pays that, but with workers two processes compiled it at
    once while ``tests/explorer/test_demo.py``'s demo, compiling it a third time, ran past
    its 90 s start guard (2026-12-07, docs/services.md "The suite's time").
    """
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", default=None):
        return
    from ingest.pipeline._kernel_compiled import warm

    warm()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail a test that uses a service fixture without the service's marker."""
    require_marker_for(item, FIXTURE_MARKERS)


@pytest.fixture(scope="session")
def service_addresses() -> ServiceAddresses:
    return addresses()


# --------------------------------------------------------------------------- Neo4j


@pytest.fixture(scope="session")
def neo4j_uri(service_addresses: ServiceAddresses) -> str:
    """The Bolt URI of the test Neo4j (auth off), once it accepts connections."""
    uri = service_addresses.neo4j_uri
    tcp_check("neo4j", "Neo4j", *uri_host_port(uri, 7687))
    return uri


def _neo4j_auth() -> tuple[str | None, str | None]:
    """``TWINWEAVE_TEST_NEO4J_AUTH`` ("user:password") split; unset: (None, None), auth off."""
    auth = os.environ.get("TWINWEAVE_TEST_NEO4J_AUTH")
    if not auth:
        return None, None
    user, _, password = auth.partition(":")
    return user, password


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_uri: str) -> Iterator[Driver]:
    """One synchronous driver for the whole session; pass ``database_="neo4j"``."""
    user, password = _neo4j_auth()
    auth = (user, password) if user is not None and password is not None else None
    driver = GraphDatabase.driver(neo4j_uri, auth=auth)
    try:
        driver.verify_connectivity()
    except (DriverError, Neo4jError, OSError) as error:
        driver.close()
        unavailable("neo4j", "Neo4j", neo4j_uri, error)
    yield driver
    driver.close()


@pytest.fixture
def neo4j_namespace(neo4j_driver: Driver) -> Iterator[str]:
    """A fresh label prefix ``t_<hex>``; afterwards its nodes, constraints and indexes go."""
    namespace = unique_name("t")
    yield namespace
    drop_neo4j_namespace(neo4j_driver, namespace)


@pytest.fixture(scope="session")
def neo4j_namespace_pool(neo4j_uri: str, neo4j_driver: Driver) -> Iterator[Neo4jNamespacePool]:
    """Label prefixes with a graph store's schema made once (``tests/_neo4j_namespaces.py``)."""
    from ontology import Neo4jStore, Neo4jStoreSettings

    user, password = _neo4j_auth()

    def make_schema(namespace: str) -> None:
        settings = Neo4jStoreSettings(
            uri=neo4j_uri, user=user, password=password, namespace=namespace
        )
        Neo4jStore(settings).close()

    pool = Neo4jNamespacePool(neo4j_driver, make_schema)
    yield pool
    pool.close()


@pytest.fixture
def neo4j_lent_namespace(neo4j_namespace_pool: Neo4jNamespacePool) -> Iterator[str]:
    """A label prefix holding a graph store's schema and no node, emptied after the test.

    For tests that open a graph store on it before anything else: they see what
    ``neo4j_namespace`` shows once a store is open, without making and dropping
    the schema each time. A test of the schema itself takes ``neo4j_namespace``.
    """
    with neo4j_namespace_pool.lease() as namespace:
        yield namespace


# --------------------------------------------------------------------------- Kafka


def _run_async(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on a private loop (safe inside async tests too)."""

    async def main() -> T:
        return await make()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


@pytest.fixture(scope="session")
def kafka_bootstrap(service_addresses: ServiceAddresses) -> str:
    """``host:port`` of the test Kafka broker, once it accepts connections."""
    bootstrap = service_addresses.kafka_bootstrap
    first = bootstrap.split(",", 1)[0].strip()
    tcp_check("kafka", "Kafka", *split_host_port(first, setting="TWINWEAVE_TEST_KAFKA"))
    return bootstrap


@pytest.fixture
def kafka_topic(kafka_bootstrap: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh topic ``t_<hex>``, deleted afterwards.

    One partition unless the test says ``@pytest.mark.kafka(partitions=N)``.
    """
    marker = request.node.get_closest_marker("kafka")
    partitions = int(marker.kwargs.get("partitions", 1)) if marker else 1
    topic = unique_name("t")

    async def create() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(topic, partitions, 1)])
            deadline = time.monotonic() + KAFKA_TIMEOUT_S
            while topic not in await admin.list_topics():
                if time.monotonic() > deadline:
                    msg = f"topic {topic} did not appear within {KAFKA_TIMEOUT_S} s"
                    raise TimeoutError(msg)
                await asyncio.sleep(0.05)
        finally:
            await admin.close()

    async def delete() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        await admin.start()
        try:
            await admin.delete_topics([topic])
        finally:
            await admin.close()

    try:
        _run_async(create)
    except (OSError, TimeoutError) as error:
        unavailable("kafka", "Kafka", kafka_bootstrap, error)
    yield topic
    _run_async(delete)


# --------------------------------------------------------------------------- MQTT


@pytest.fixture(scope="session")
def mqtt_broker(service_addresses: ServiceAddresses) -> tuple[str, int]:
    """``(host, port)`` of the test Mosquitto broker, once it accepts connections."""
    broker = (service_addresses.mqtt_host, service_addresses.mqtt_port)
    tcp_check("mqtt", "Mosquitto", *broker)
    return broker


@pytest.fixture
def mqtt_prefix(mqtt_broker: tuple[str, int]) -> str:
    """A fresh topic level ``t_<hex>``: publish and subscribe under ``<prefix>/...`` only.

    Retained messages under it stay in the broker's memory until it restarts
    (persistence is off); the prefix is never reused, so no test sees them.
    """
    return unique_name("t")


# --------------------------------------------------------------------------- QuestDB


@pytest.fixture(scope="session")
def questdb(service_addresses: ServiceAddresses) -> QuestDBAddress:
    """The test QuestDB (user admin, password quest), once its PG-wire port runs a query."""
    where = service_addresses.questdb
    tcp_check("questdb", "QuestDB HTTP", where.http_host, where.http_port)
    try:
        with questdb_connect(where) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as error:
        unavailable("questdb", "QuestDB", where.pg, str(error).strip().splitlines()[0])
    return where


@pytest.fixture
def questdb_prefix(questdb: QuestDBAddress) -> Iterator[str]:
    """A fresh table-name prefix ``t_<hex>``; afterwards every table starting with it goes.

    QuestDB has no schemas: name tables ``<prefix>`` or ``<prefix>_<anything>``.
    """
    prefix = unique_name("t")
    yield prefix
    drop_questdb_tables(questdb, prefix)


# --------------------------------------------------------------------------- summary

SERVICES_PROPERTY = "twinweave_services"
"""The ``user_properties`` key naming a test's services ("neo4j,questdb"): it travels with
every report, so under pytest-xdist the controller counts what its workers ran."""

_service_tests: set[str] = set()
"""The node ids of the service tests this process collected or received a report of."""
_service_outcomes: dict[str, dict[str, int]] = {m: {} for m in SERVICE_MARKERS}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        marks = tuple(m for m in SERVICE_MARKERS if item.get_closest_marker(m) is not None)
        if marks:
            _service_tests.add(item.nodeid)
            item.user_properties.append((SERVICES_PROPERTY, ",".join(marks)))


def _report_services(report: pytest.TestReport) -> tuple[str, ...]:
    for name, value in report.user_properties:
        if name == SERVICES_PROPERTY and isinstance(value, str):
            return tuple(value.split(","))
    return ()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the outcomes per service (on the controller too: reports carry the marks)."""
    marks = _report_services(report)
    if not marks:
        return
    _service_tests.add(report.nodeid)
    if report.when != "call" and report.outcome == "passed":
        return
    for mark in marks:
        counts = _service_outcomes[mark]
        counts[report.outcome] = counts.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran against each real server, so a CI log shows it."""
    if not _service_tests:
        return
    where = addresses()
    servers = {
        "neo4j": where.neo4j_uri,
        "kafka": where.kafka_bootstrap,
        "mqtt": f"{where.mqtt_host}:{where.mqtt_port}",
        "questdb": f"{where.questdb.http} (PG wire {where.questdb.pg})",
    }
    terminalreporter.section("tests against real services")
    for mark in SERVICE_MARKERS:
        counts = _service_outcomes[mark]
        shown = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "none ran"
        terminalreporter.write_line(f"{mark:9} {servers[mark]}: {shown}")
