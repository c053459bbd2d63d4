"""The test Neo4j answers Cypher over Bolt, and a namespace is removed after use."""

from __future__ import annotations

import pytest
from neo4j import Driver

from tests._services import NEO4J_DATABASE, drop_neo4j_namespace, unique_name

pytestmark = pytest.mark.neo4j


def test_query_round_trip(neo4j_driver: Driver, neo4j_namespace: str) -> None:
    label = f"{neo4j_namespace}_Asset"
    neo4j_driver.execute_query(
        f"UNWIND $rows AS row CREATE (:`{label}` {{id: row.id, level: row.level}})",
        rows=[{"id": "pump-1", "level": 2}, {"id": "line-1", "level": 1}],
        database_=NEO4J_DATABASE,
    )
    records, _, _ = neo4j_driver.execute_query(
        f"MATCH (n:`{label}`) WHERE n.level >= $min RETURN n.id AS id ORDER BY id",
        min=2,
        database_=NEO4J_DATABASE,
    )
    assert [r["id"] for r in records] == ["pump-1"]


def test_server_is_neo4j_5(neo4j_driver: Driver) -> None:
    info = neo4j_driver.get_server_info()
    assert info.agent.startswith("Neo4j/5.")
    assert info.protocol_version >= (5, 0)


def test_drop_namespace_removes_only_its_own_nodes_and_constraints(neo4j_driver: Driver) -> None:
    mine, other = unique_name("t"), unique_name("t")
    try:
        for namespace in (mine, other):
            neo4j_driver.execute_query(
                f"CREATE (:`{namespace}_Twin` {{id: 1}})-[:REL]->(:`{namespace}`)",
                database_=NEO4J_DATABASE,
            )
        neo4j_driver.execute_query(
            f"CREATE CONSTRAINT {mine}_twin_id FOR (n:`{mine}_Twin`) REQUIRE n.id IS UNIQUE",
            database_=NEO4J_DATABASE,
        )
        drop_neo4j_namespace(neo4j_driver, mine)
        counts = {
            namespace: neo4j_driver.execute_query(
                "MATCH (n) WHERE any(l IN labels(n) WHERE l STARTS WITH $p) RETURN count(n) AS c",
                p=namespace,
                database_=NEO4J_DATABASE,
            ).records[0]["c"]
            for namespace in (mine, other)
        }
        constraints, _, _ = neo4j_driver.execute_query(
            "SHOW CONSTRAINTS YIELD name WHERE name = $name RETURN name",
            name=f"{mine}_twin_id",
            database_=NEO4J_DATABASE,
        )
        assert counts == {mine: 0, other: 2}
        assert constraints == []
    finally:
        drop_neo4j_namespace(neo4j_driver, mine)
        drop_neo4j_namespace(neo4j_driver, other)
