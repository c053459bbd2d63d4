"""Reads of many twins at once: one ``UNWIND $ids`` statement each (``Neo4jDatabase.read_one``).

Every statement groups by the requested id, one group per id that has
something; children, parents and signals come back as one record holding
every group (the driver reads one record, not one per id; edges still a row
per id). Callers put the groups back in the order asked (unknown ids and
twins without children, parents, signals or edges are simply absent).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ontology.graph._limits import MAX_TREE_LEVELS
from ontology.graph._values import ChildPage, Edge, SignalValue, Twin
from ontology.graph.neo4j._codec import edge_from_row, signal_from_node, twin_from_node
from ontology.graph.neo4j._cypher import Cypher
from ontology.graph.neo4j._db import Runs

TwinWithSignals = tuple[Twin, dict[str, SignalValue]]
"""A twin's record and its live signals, by name."""

_GROUPS = " WITH id, collect({found}) AS found RETURN collect([id, found]) AS groups"
"""Each id's group as one list in one record (the driver reads one record, not one per id)."""


def _groups(tx: Runs, query: str, ids: Sequence[str]) -> list[tuple[str, list[Any]]]:
    groups: list[tuple[str, list[Any]]] = tx.run(query, ids=list(ids)).single(strict=True)[0]
    return groups


def children_of(tx: Runs, cy: Cypher, ids: Sequence[str]) -> dict[str, list[str]]:
    query = cy(
        "UNWIND $ids AS id MATCH (:Twin {id: id})-[:CONTAINS]->(c:Twin)"
        + _GROUPS.format(found="c.id")
    )
    return {twin: sorted(found) for twin, found in _groups(tx, query, ids)}


def _tree_statement() -> str:
    """Level ``k`` (``lk``) is the distinct children of level ``k - 1``, read only while
    ``$depth > k`` and kept only while the levels so far number at most ``$limit`` twins
    (``n``); then every twin of every level with its children, as one list. Written out for
    ``MAX_TREE_LEVELS`` levels (our constant; ``$depth`` and ``$limit`` are parameters)."""
    lines = [
        "UNWIND $ids AS id MATCH (r:Twin {id: id})",
        "WITH collect(DISTINCT r) AS l0",
        "WITH l0, size(l0) AS n",
    ]
    for k in range(1, MAX_TREE_LEVELS):
        before = ", ".join(f"l{j}" for j in range(k))
        lines += [
            f"CALL (l{k - 1}) {{ WITH l{k - 1} WHERE $depth > {k} UNWIND l{k - 1} AS p "
            f"MATCH (p)-[:CONTAINS]->(c:Twin) RETURN collect(DISTINCT c) AS next }}",
            f"WITH {before}, CASE WHEN n + size(next) <= $limit THEN next ELSE [] END AS l{k}, "
            "n + size(next) AS n",
        ]
    every = " + ".join(f"l{k}" for k in range(MAX_TREE_LEVELS))
    lines += [
        f"UNWIND {every} AS p WITH DISTINCT p",
        "WITH [p.id, [(p)-[:CONTAINS]->(c:Twin) | c.id]] AS pair",
        "RETURN collect(pair) AS tree",  # one record: the driver reads it in one go
    ]
    return "\n".join(lines)


_TREE = _tree_statement()


def children_below(
    tx: Runs, cy: Cypher, ids: Sequence[str], depth: int, limit: int
) -> dict[str, tuple[str, ...]]:
    """Every twin of levels ``0 .. depth - 1`` below ``ids`` with its children (one statement)."""
    row = tx.run(cy(_TREE), ids=list(ids), depth=depth, limit=limit).single(strict=True)
    return {twin: tuple(sorted(kids)) for twin, kids in row["tree"]}


def parents_of(tx: Runs, cy: Cypher, ids: Sequence[str]) -> dict[str, list[str]]:
    query = cy(
        "UNWIND $ids AS id MATCH (p:Twin)-[:CONTAINS]->(:Twin {id: id})"
        + _GROUPS.format(found="p.id")
    )
    return {twin: sorted(found) for twin, found in _groups(tx, query, ids)}


def existing(tx: Runs, cy: Cypher, ids: Sequence[str]) -> list[str]:
    """The stored twins among ``ids`` (distinct), by their ids only: no record is built."""
    query = cy("UNWIND $ids AS id MATCH (t:Twin {id: id}) RETURN collect(t.id) AS found")
    found: list[str] = tx.run(query, ids=list(ids)).single(strict=True)[0]
    return found


def existing_at(tx: Runs, cy: Cypher, ids: Sequence[str]) -> tuple[int, list[str]]:
    """The ``topology`` counter, then the stored twins among ``ids`` (distinct), in one
    statement: the counter is read first (the twins once per row it gives), so what is
    found is as new as the counter or newer."""
    query = cy(
        "OPTIONAL MATCH (m:Meta {key: $key}) WITH coalesce(m.version, 0) AS v "
        "CALL (v) { UNWIND $ids AS id MATCH (t:Twin {id: id}) RETURN collect(t.id) AS found } "
        "RETURN v, found"
    )
    record = tx.run(query, ids=list(ids), key="topology").single(strict=True)
    return int(record["v"]), list(record["found"])


def signals_of(tx: Runs, cy: Cypher, ids: Sequence[str]) -> dict[str, dict[str, SignalValue]]:
    query = cy(
        "UNWIND $ids AS id MATCH (s:Signal {twin: id})" + _GROUPS.format(found="properties(s)")
    )
    out: dict[str, dict[str, SignalValue]] = {}
    for twin, found in _groups(tx, query, ids):
        nodes = sorted(found, key=lambda n: str(n["signal"]))
        out[twin] = {n["signal"]: signal_from_node(n) for n in nodes}
    return out


def twins_with_signals(tx: Runs, cy: Cypher, ids: Sequence[str]) -> dict[str, TwinWithSignals]:
    """The stored twins among ``ids``, each with its signals, from one statement and one record."""
    query = cy(
        "UNWIND $ids AS id MATCH (t:Twin {id: id}) "
        "CALL (id) { OPTIONAL MATCH (s:Signal {twin: id}) "
        "RETURN collect(s {.signal, .value, .t, .time, .batch}) AS found } "
        "RETURN collect([properties(t), found]) AS pairs"
    )
    pairs: list[list[Any]] = tx.run(query, ids=list(ids)).single(strict=True)[0]
    out: dict[str, TwinWithSignals] = {}
    for node, found in pairs:
        twin = twin_from_node(node)
        nodes = sorted(found, key=lambda n: str(n["signal"]))
        out[twin.id] = (twin, {n["signal"]: signal_from_node(n) for n in nodes})
    return out


_CHILD_PAGE = (
    "MATCH (p:Twin {id: $id}) "
    "OPTIONAL MATCH (p)-[:CONTAINS]->(c:Twin) "
    "WITH p, c ORDER BY c.id "
    "WITH p, collect(c) AS kids "
    "WITH p, kids, [k IN kids WHERE $after IS NULL OR k.id > $after][..$first] AS page "
    "CALL (page) { UNWIND page AS k OPTIONAL MATCH (s:Signal {twin: k.id}) "
    "WITH k, collect(properties(s)) AS found RETURN collect([properties(k), found]) AS rows } "
    "RETURN properties(p) AS twin, [k IN kids | k.id] AS ids, rows"
)


def children_with_signals(
    tx: Runs, cy: Cypher, twin_id: str, first: int, after: str | None
) -> ChildPage | None:
    """The twin, its children's ids and a page of them with their signals (one statement,
    one record); ``None`` when there is no such twin."""
    record = tx.run(cy(_CHILD_PAGE), id=twin_id, first=first, after=after).single()
    if record is None:
        return None
    page = []
    for node, found in record["rows"]:
        nodes = sorted(found, key=lambda n: str(n["signal"]))
        page.append((twin_from_node(node), {n["signal"]: signal_from_node(n) for n in nodes}))
    page.sort(key=lambda pair: pair[0].id)
    return ChildPage(twin_from_node(record["twin"]), tuple(record["ids"]), tuple(page))


def edges_of(
    tx: Runs, cy: Cypher, ids: Sequence[str], name: str | None, *, outgoing: bool
) -> dict[str, list[Edge]]:
    """Edges leaving (``outgoing``) or reaching each twin, by name then the other end."""
    pattern = (
        "(s:Twin {id: id})-[e:CONTAINS|RELATES]->(t:Twin)"
        if outgoing
        else "(s:Twin)-[e:CONTAINS|RELATES]->(t:Twin {id: id})"
    )
    query = cy(
        f"UNWIND $ids AS id MATCH {pattern} WHERE $name IS NULL OR e.name = $name "
        "RETURN id, collect({source: s.id, name: e.name, target: t.id, props: e.props}) AS found"
    )
    out: dict[str, list[Edge]] = {}
    for row in tx.run(query, ids=list(ids), name=name):
        edges = [edge_from_row(**e) for e in row["found"]]
        other = (lambda e: (e.name, e.target)) if outgoing else (lambda e: (e.name, e.source))
        out[row["id"]] = sorted(edges, key=other)
    return out
