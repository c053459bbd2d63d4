"""Transaction functions for edges, the ``contains`` hierarchy and live signals.

Hierarchy edges are ``CONTAINS`` relationships, every other edge a ``RELATES``
relationship with a ``name``; both carry ``name`` and ``props`` (JSON), so
``[e:CONTAINS|RELATES {name: $name}]`` finds any edge by name. Unbounded
descendants use one variable-length pattern with ``DISTINCT`` (the planner
then expands each node once); depth-bounded walks go level by level, since a
bound cannot be a parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ontology.graph._values import CONTAINS, Edge, SignalUpdate, SignalValue
from ontology.graph.neo4j._codec import (
    dumps,
    edge_from_row,
    edge_row,
    micros,
    signal_from_node,
    signal_key,
    time_text,
)
from ontology.graph.neo4j._cypher import Cypher
from ontology.graph.neo4j._db import Runs
from ontology.graph.neo4j._twin_tx import CreateAudit, Tx, chunks, columns, run_rows

# -------------------------------------------------------------------- edges

_EDGE_RETURN = "RETURN s.id AS source, e.name AS name, t.id AS target, e.props AS props"


def edges_from(tx: Tx, cy: Cypher, source: str, name: str | None) -> list[Edge]:
    query = cy(
        "MATCH (s:Twin {id: $id})-[e:CONTAINS|RELATES]->(t:Twin) "
        f"WHERE $name IS NULL OR e.name = $name {_EDGE_RETURN} ORDER BY name, target"
    )
    return [edge_from_row(**record.data()) for record in tx.run(query, id=source, name=name)]


def edges_to(tx: Tx, cy: Cypher, target: str, name: str | None) -> list[Edge]:
    query = cy(
        "MATCH (s:Twin)-[e:CONTAINS|RELATES]->(t:Twin {id: $id}) "
        f"WHERE $name IS NULL OR e.name = $name {_EDGE_RETURN} ORDER BY name, source"
    )
    return [edge_from_row(**record.data()) for record in tx.run(query, id=target, name=name)]


def endpoints(tx: Tx, cy: Cypher, ids: Sequence[str]) -> dict[str, tuple[str, int]]:
    """Twin id -> ``(model, number of outgoing edges)`` for the ids that exist.

    The degree comes from Neo4j's relationship counts, so a twin with no edges
    costs one index seek and nothing more.
    """
    query = cy(
        "UNWIND $ids AS id MATCH (t:Twin {id: id}) "
        "RETURN collect(id), collect(t.model), collect(COUNT { (t)-[:CONTAINS|RELATES]->() })"
    )
    found: dict[str, tuple[str, int]] = {}
    for chunk in chunks(ids, 50_000):
        twins, models, outs = columns(tx, query, ids=list(chunk))
        for twin, model, out in zip(twins, models, outs, strict=True):
            found[twin] = (model, int(out))
    return found


def existing_edges(tx: Tx, cy: Cypher, edges: Sequence[Edge]) -> dict[tuple[str, str, str], Edge]:
    """The stored versions of ``edges`` that exist, by ``(source, name, target)``."""
    query = cy(
        "UNWIND $rows AS r MATCH (s:Twin {id: r.source})-[e:CONTAINS|RELATES]->"
        f"(t:Twin {{id: r.target}}) WHERE e.name = r.name {_EDGE_RETURN}"
    )
    found: dict[tuple[str, str, str], Edge] = {}
    rows = [{"source": e.source, "name": e.name, "target": e.target} for e in edges]
    for chunk in chunks(rows, 50_000):
        for record in tx.run(query, rows=list(chunk)):
            edge = edge_from_row(**record.data())
            found[(edge.source, edge.name, edge.target)] = edge
    return found


def edge_counts(tx: Tx, cy: Cypher, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """How many edges each ``(source, name)`` has now."""
    query = cy(
        "UNWIND $rows AS r MATCH (s:Twin {id: r.source})-[e:CONTAINS|RELATES]->(:Twin) "
        "WHERE e.name = r.name RETURN r.source AS source, r.name AS name, count(e) AS n"
    )
    rows = [{"source": s, "name": n} for s, n in pairs]
    counts: dict[tuple[str, str], int] = {}
    for chunk in chunks(rows, 50_000):
        for record in tx.run(query, rows=list(chunk)):
            counts[(record["source"], record["name"])] = int(record["n"])
    return counts


def create_edges(
    tx: Tx,
    cy: Cypher,
    edges: Sequence[Edge],
    batch: int,
    audit: CreateAudit | None = None,
    keys: Sequence[str] = (),
) -> None:
    """Create edges known not to exist yet (their twins exist).

    With ``audit``, each edge's audit node (key from ``keys``) is created in the
    same row.
    """
    rows = [edge_row(e) for e in edges]
    tail = ""
    params: dict[str, Any] = {}
    if audit is not None:
        for row, seq, key, after in zip(rows, audit.seqs, keys, audit.afters, strict=True):
            row["seq"], row["key"], row["after"] = seq, key, after
        tail = (
            " CREATE (:Audit {seq: r.seq, at: $at, principal: $principal, action: $action, "
            "key: r.key, before: 'null', after: r.after})"
        )
        params = {"at": audit.at.isoformat(), "principal": audit.principal, "action": audit.action}
    for kind in ("CONTAINS", "RELATES"):
        query = cy(
            "UNWIND $rows AS r MATCH (s:Twin {id: r.source}) MATCH (t:Twin {id: r.target}) "
            f"CREATE (s)-[:{kind} {{name: r.name, props: r.props}}]->(t){tail}"
        )
        chosen = [r for r in rows if (r["name"] == CONTAINS) == (kind == "CONTAINS")]
        run_rows(tx, query, chosen, batch, **params)


def update_edges(tx: Tx, cy: Cypher, edges: Sequence[Edge], batch: int) -> None:
    """Replace the properties of existing edges."""
    query = cy(
        "UNWIND $rows AS r MATCH (:Twin {id: r.source})-[e:CONTAINS|RELATES]->"
        "(:Twin {id: r.target}) WHERE e.name = r.name SET e.props = r.props"
    )
    run_rows(tx, query, [edge_row(e) for e in edges], batch)


def delete_edges(tx: Tx, cy: Cypher, edges: Sequence[Edge], batch: int) -> None:
    """Delete edges by ``(source, name, target)`` (a bulk call's, when it is undone)."""
    query = cy(
        "UNWIND $rows AS r MATCH (:Twin {id: r.source})-[e:CONTAINS|RELATES]->"
        "(:Twin {id: r.target}) WHERE e.name = r.name DELETE e"
    )
    run_rows(tx, query, [edge_row(e) for e in edges], batch)


def delete_edge(tx: Tx, cy: Cypher, source: str, name: str, target: str) -> int:
    query = cy(
        "MATCH (:Twin {id: $source})-[e:CONTAINS|RELATES]->(:Twin {id: $target}) "
        "WHERE e.name = $name DELETE e RETURN count(*) AS n"
    )
    record = tx.run(query, source=source, name=name, target=target).single(strict=True)
    return int(record["n"])


def twin_edge_count(tx: Tx, cy: Cypher, twin_id: str) -> tuple[int, int]:
    """``(contains edges, all edges)`` touching the twin."""
    query = cy(
        "MATCH (t:Twin {id: $id}) "
        "RETURN COUNT { (t)-[:CONTAINS]-() } AS c, COUNT { (t)-[:CONTAINS|RELATES]-() } AS a"
    )
    record = tx.run(query, id=twin_id).single()
    return (int(record["c"]), int(record["a"])) if record is not None else (0, 0)


# ---------------------------------------------------------------- hierarchy


def contains_path(tx: Tx, cy: Cypher, start: str, end: str) -> list[str] | None:
    """A shortest ``contains`` path ``start -> ... -> end`` (ids), if there is one."""
    if start == end:
        return [start]
    query = cy(
        "MATCH (a:Twin {id: $start}), (b:Twin {id: $end}) "
        "MATCH p = shortestPath((a)-[:CONTAINS*1..]->(b)) "
        "RETURN [n IN nodes(p) | n.id] AS ids"
    )
    record = tx.run(query, start=start, end=end).single()
    return list(record["ids"]) if record is not None else None


def all_contains(tx: Tx, cy: Cypher) -> tuple[list[str], list[str]]:
    """Every ``contains`` edge as parallel lists ``(parents, children)``."""
    query = cy("MATCH (p:Twin)-[:CONTAINS]->(c:Twin) RETURN collect(p.id), collect(c.id)")
    parents, children = columns(tx, query)
    return parents, children


def contains_count(tx: Tx, cy: Cypher) -> int:
    """How many ``contains`` edges the namespace has (from Neo4j's count store)."""
    record = tx.run(cy("MATCH (:Twin)-[r:CONTAINS]->() RETURN count(r) AS n")).single(strict=True)
    return int(record["n"])


def child_map(tx: Tx, cy: Cypher, ids: Sequence[str]) -> dict[str, list[str]]:
    """The ``contains`` children of each of ``ids`` (every id is a key)."""
    query = cy("UNWIND $ids AS id MATCH (:Twin {id: id})-[:CONTAINS]->(c:Twin) RETURN id, c.id")
    found: dict[str, list[str]] = {i: [] for i in ids}
    for chunk in chunks(ids, 50_000):
        for parent, child in tx.run(query, ids=list(chunk)).values():
            found[parent].append(child)
    return found


def children_page(tx: Tx, cy: Cypher, twin_id: str, after: str | None, limit: int) -> list[str]:
    query = cy(
        "MATCH (:Twin {id: $id})-[:CONTAINS]->(c:Twin) WHERE $after IS NULL OR c.id > $after "
        "RETURN c.id ORDER BY c.id LIMIT $limit"
    )
    return [row[0] for row in tx.run(query, id=twin_id, after=after, limit=limit).values()]


def parents(tx: Tx, cy: Cypher, twin_id: str) -> list[str]:
    query = cy("MATCH (p:Twin)-[:CONTAINS]->(:Twin {id: $id}) RETURN p.id ORDER BY p.id")
    return [row[0] for row in tx.run(query, id=twin_id).values()]


def next_level(tx: Tx, cy: Cypher, frontier: Sequence[str], down: bool) -> list[str]:
    """The distinct children (``down``) or parents of the ``frontier`` twins."""
    pattern = (
        "(:Twin {id: f})-[:CONTAINS]->(n:Twin)" if down else "(n:Twin)-[:CONTAINS]->(:Twin {id: f})"
    )
    query = cy(f"UNWIND $frontier AS f MATCH {pattern} RETURN DISTINCT n.id")
    found: list[str] = []
    for chunk in chunks(frontier, 50_000):
        found.extend(row[0] for row in tx.run(query, frontier=list(chunk)).values())
    return found


def descendants(
    tx: Runs, cy: Cypher, twin_id: str, models: Sequence[str] | None, after: str | None, limit: int
) -> list[str] | None:
    """Distinct descendants (any depth) in id order, of ``models`` when given.

    ``None`` when there is no twin ``twin_id`` (one round trip either way).
    Neo4j expands the subtree breadth-first, each twin once (``DISTINCT`` after
    a variable-length pattern whose path is unused); a filter left out of the
    text when its parameter is unset (a ``$x IS NULL OR`` test is evaluated per
    row); no label test on the descendants (``CONTAINS`` joins twins of one
    namespace only).
    """
    of_model = (
        "WITH DISTINCT d WHERE d.model IN $models WITH d.id AS i" if models is not None else ""
    )
    distinct = of_model or "WITH DISTINCT d.id AS i"
    past = " WHERE i > $after" if after is not None else ""
    query = cy(
        "MATCH (a:Twin {id: $id}) RETURN COLLECT { MATCH (a)-[:CONTAINS*1..]->(d) "
        f"{distinct}{past} RETURN i ORDER BY i LIMIT $limit }} AS ids"
    )
    models_param = list(models) if models is not None else None
    record = tx.run(query, id=twin_id, models=models_param, after=after, limit=limit).single()
    return list(record["ids"]) if record is not None else None


def count_descendants(
    tx: Runs, cy: Cypher, twin_id: str, models: Sequence[str] | None
) -> int | None:
    """How many distinct descendants (any depth, of ``models`` when given) ``twin_id``
    has, counted in Neo4j (the ids are not sent); ``None`` when there is no such twin."""
    of_model = " WHERE d.model IN $models" if models is not None else ""
    query = cy(
        "MATCH (a:Twin {id: $id}) RETURN COUNT { MATCH (a)-[:CONTAINS*1..]->(d) "
        f"WITH DISTINCT d{of_model} RETURN d }} AS n"
    )
    models_param = list(models) if models is not None else None
    record = tx.run(query, id=twin_id, models=models_param).single()
    return int(record["n"]) if record is not None else None


HierarchyKey = tuple[str, bool]
"""A hierarchy check's twin id and whether it wants a count when the counter moved."""
HierarchyFound = tuple[int, int | None]
"""The ``topology`` counter, and the count when one was made."""


def hierarchy_checks(
    tx: Runs, cy: Cypher, keys: Sequence[HierarchyKey], known: int | None
) -> dict[HierarchyKey, HierarchyFound]:
    """The ``topology`` counter and, for each key whose ``count`` is set when the counter
    is not ``known``, how many distinct descendants its twin has, counted in Neo4j (as
    :func:`count_descendants`); keys of twins that do not exist are left out. One
    statement: a count runs only when the counter moved (``OPTIONAL CALL`` of a filtered
    row), once per twin asked."""
    query = cy(
        "OPTIONAL MATCH (m:Meta {key: $key}) WITH coalesce(m.version, 0) AS v "
        "UNWIND $rows AS row MATCH (a:Twin {id: row[0]}) "
        "OPTIONAL CALL (a, v, row) { WITH a WHERE row[1] AND ($known IS NULL OR v <> $known) "
        "RETURN COUNT { MATCH (a)-[:CONTAINS*1..]->(d) WITH DISTINCT d RETURN d } AS n } "
        "RETURN v, collect([row[0], row[1], n]) AS found"
    )
    rows = [[twin_id, count] for twin_id, count in keys]
    record = tx.run(query, rows=rows, key="topology", known=known).single()
    if record is None:  # none of the twins exists
        return {}
    version = int(record["v"])
    return {
        (twin_id, count): (version, int(n) if n is not None else None)
        for twin_id, count, n in record["found"]
    }


def models_of(tx: Tx, cy: Cypher, ids: Sequence[str]) -> dict[str, str]:
    query = cy("UNWIND $ids AS id MATCH (t:Twin {id: id}) RETURN collect(t.id), collect(t.model)")
    found: dict[str, str] = {}
    for chunk in chunks(ids, 50_000):
        twins, models = columns(tx, query, ids=list(chunk))
        found.update(zip(twins, models, strict=True))
    return found


# ------------------------------------------------------------------ signals


def set_signals(tx: Tx, cy: Cypher, updates: Sequence[SignalUpdate], batch: int) -> set[str]:
    """Upsert the live value of each (twin, signal) of ``updates``; the twins found missing.

    The twins are checked first, one statement over their distinct ids: if any is
    missing, nothing is written and they are returned (the caller raises, which
    rolls the transaction back). The updates of one key are reduced to the one an
    in-order apply keeps (the last of those with the newest time), and that one is
    written unless the stored value is newer (larger ``t``). The keys go as one list
    per property, ``batch`` keys a statement (``UNWIND range``): no map per row and no
    subquery per row, which is why a key may come only once (without a subquery the
    planner MERGEs every row before any ``SET``, so of two rows of one key the older
    could win). The batch id goes once when every row has the same (an ingest batch),
    and a time's ISO text only when its offset is not UTC's (``time_text``): a string
    property per node that Neo4j keeps out of line, which made the commit of an ingest
    batch's keys about twice as long.
    """
    kept: dict[str, tuple[int, SignalUpdate]] = {}
    for update in updates:
        key = signal_key(update.twin, update.signal)
        at = micros(update.time)
        held = kept.get(key)
        if held is None or held[0] <= at:
            kept[key] = (at, update)
    twins = list(dict.fromkeys(u.twin for _, u in kept.values()))
    missing = set(twins).difference(models_of(tx, cy, twins))
    if missing:
        return missing
    # $time[i] / $batches[i] past a list's end are null: an empty list is "none / all $batch"
    query = cy(
        "UNWIND range(0, size($key) - 1) AS i MERGE (s:Signal {key: $key[i]}) "
        "ON CREATE SET s.twin = $twin[i], s.signal = $signal[i] "
        "WITH s, i WHERE s.t IS NULL OR s.t <= $t[i] "
        "SET s.value = $value[i], s.t = $t[i], s.time = $time[i], "
        "s.batch = coalesce($batches[i], $batch)"
    )
    keys = list(kept)
    for start in range(0, len(keys), batch):
        part = keys[start : start + batch]
        rows = [kept[key] for key in part]
        # the time's text only where its offset is not UTC's: the others read it from t
        times = [time_text(u.time) for _, u in rows]
        batches = list(dict.fromkeys(u.batch for _, u in rows))
        params = {
            "key": part,
            "twin": [u.twin for _, u in rows],
            "signal": [u.signal for _, u in rows],
            "value": [dumps(u.value) for _, u in rows],
            "t": [at for at, _ in rows],
            "time": times if any(times) else [],
            "batch": batches[0] if len(batches) == 1 else None,
            "batches": [] if len(batches) == 1 else [u.batch for _, u in rows],
        }
        tx.run(query, params).consume()
    return set()


def get_signals(tx: Runs, cy: Cypher, twin_id: str) -> dict[str, SignalValue] | None:
    """The twin's live signals by name; ``None`` when there is no twin ``twin_id``."""
    query = cy(
        "MATCH (:Twin {id: $id}) "
        "RETURN COLLECT { MATCH (s:Signal {twin: $id}) RETURN properties(s) } AS found"
    )
    record = tx.run(query, id=twin_id).single()
    if record is None:
        return None
    nodes = sorted(record[0], key=lambda n: str(n["signal"]))
    return {n["signal"]: signal_from_node(n) for n in nodes}


def signal_column(tx: Tx, cy: Cypher, signal: str) -> list[tuple[str, Any, Any]]:
    """``(twin id, JSON value text, event time in µs)`` of every twin that has ``signal``."""
    query = cy(
        "MATCH (s:Signal) WHERE s.signal = $signal "
        "RETURN collect(s.twin), collect(coalesce(s.value, 'null')), collect(coalesce(s.t, 0))"
    )
    twins, values, times = columns(tx, query, signal=signal)
    return list(zip(twins, values, times, strict=True))
