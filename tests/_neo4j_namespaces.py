"""Neo4j label prefixes made once and lent to one test at a time, emptied in between.

A fresh prefix per test (``neo4j_namespace``) costs a graph store's schema on
open (six uniqueness constraints and seven indexes, each its own schema
transaction) and the same again dropped afterwards; in the graph-store contract
suite that was most of its time. A :class:`Neo4jNamespacePool` makes each
prefix's schema once, by opening a store on it, and lends the prefix to one test
at a time. When the test gives it back, every node whose label carries the
prefix is deleted (with its relationships: twins, models, aliases, signals,
rollups, audit records and the ``Meta`` counters, which is everything a store
keeps in Neo4j), and the prefix goes back into the pool only when it then holds
no node and exactly the schema a new store makes (names, kinds, labels,
properties, compared with the prefix taken off); otherwise it is dropped and
never lent again. So a test sees what a new prefix shows once a store is open on
it: the same schema and no data. What it does not see is a prefix without any
schema, before the first store opens; the tests of that use ``neo4j_namespace``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from neo4j import Driver

from tests._services import (
    NEO4J_DATABASE,
    clear_neo4j_namespace,
    drop_neo4j_namespace,
    neo4j_namespace_nodes,
    unique_name,
)

SchemaItem = tuple[str, str, str, tuple[str, ...], tuple[str, ...], str]
"""``(kind, name, type, labels, properties, owner)`` of a constraint or index, prefix taken off."""

__all__ = ["Neo4jNamespacePool", "SchemaItem", "neo4j_namespace_schema"]


def neo4j_namespace_schema(driver: Driver, namespace: str) -> frozenset[SchemaItem]:
    """The constraints and indexes on the labels of ``namespace``, with the prefix taken off.

    A constraint's owned index and an index's owning constraint are named too,
    so a unique constraint is told from a plain index on the same property.
    """

    def strip(text: str | None) -> str:
        return "" if text is None else text.removeprefix(namespace)

    items: set[SchemaItem] = set()
    for kind, plural, owner in (
        ("constraint", "CONSTRAINTS", "ownedIndex"),
        ("index", "INDEXES", "owningConstraint"),
    ):
        records, _, _ = driver.execute_query(
            f"SHOW {plural} YIELD name, type, labelsOrTypes, properties, {owner} AS owner "
            "WHERE any(label IN coalesce(labelsOrTypes, []) WHERE label STARTS WITH $prefix) "
            "RETURN name, type, labelsOrTypes, properties, owner",
            prefix=f"{namespace}_",
            database_=NEO4J_DATABASE,
        )
        for record in records:
            items.add(
                (
                    kind,
                    strip(record["name"]),
                    record["type"],
                    tuple(strip(label) for label in record["labelsOrTypes"] or ()),
                    tuple(record["properties"] or ()),
                    strip(record["owner"]),
                )
            )
    return frozenset(items)


class Neo4jNamespacePool:
    """Prefixes whose schema ``make_schema`` made once, lent by :meth:`lease` (see the module).

    ``make_schema(namespace)`` opens a graph store on a new prefix and closes it;
    the schema it leaves is the one every lent prefix must have.
    """

    def __init__(self, driver: Driver, make_schema: Callable[[str], None]) -> None:
        self._driver = driver
        self._make_schema = make_schema
        self._schema: frozenset[SchemaItem] | None = None
        self._free: list[str] = []
        self._made: list[str] = []
        self.dropped = 0
        """How many lent prefixes came back changed and were dropped, not reused."""

    @property
    def schema(self) -> frozenset[SchemaItem]:
        """The schema every prefix of this pool has (made on the first lease)."""
        if self._schema is None:
            self._free.append(self._new())
        assert self._schema is not None
        return self._schema

    @contextmanager
    def lease(self) -> Iterator[str]:
        """A prefix with the store's schema and no node, for the ``with`` block alone."""
        namespace = self._free.pop() if self._free else self._new()
        try:
            yield namespace
        finally:
            if self._emptied(namespace):
                self._free.append(namespace)
            else:
                self._drop(namespace)

    def close(self) -> None:
        """Drop every prefix the pool made (nodes, constraints, indexes)."""
        while self._made:
            drop_neo4j_namespace(self._driver, self._made.pop())
        self._free.clear()

    def _new(self) -> str:
        namespace = unique_name("t")
        self._made.append(namespace)
        self._make_schema(namespace)
        schema = neo4j_namespace_schema(self._driver, namespace)
        if self._schema is None:
            assert schema, f"opening a store on {namespace} made no constraint or index"
            self._schema = schema
        assert schema == self._schema, (namespace, schema ^ self._schema)
        return namespace

    def _emptied(self, namespace: str) -> bool:
        """Delete the prefix's nodes; True if it now holds none and the pool's schema."""
        clear_neo4j_namespace(self._driver, namespace)
        return (
            neo4j_namespace_nodes(self._driver, namespace) == 0
            and neo4j_namespace_schema(self._driver, namespace) == self._schema
        )

    def _drop(self, namespace: str) -> None:
        self.dropped += 1
        self._made.remove(namespace)
        drop_neo4j_namespace(self._driver, namespace)
