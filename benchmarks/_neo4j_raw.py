"""The raw-Cypher baselines of the Neo4j figures, and reading a namespace back to compare.

The baseline load writes exactly what ``Neo4jStore`` writes for the same plant,
in the layout the store uses (labels ``{namespace}_Twin``, ``_Alias``,
``_Model``, ``_Audit``, ``_Meta``; ``CONTAINS`` and ``RELATES`` relationships
carrying ``name`` and ``props``; JSON text for maps), in transactions of the
same size: every twin with all its properties, its alias nodes and its audit
node, every edge (``contains`` and ``feeds``) with its audit node, the models
with theirs, and the change counters. The store itself makes the baseline
namespace's constraints and indexes (:func:`create_schema`), so both index the
same. What the baseline leaves out is what makes the store a store: no reads,
no validation, no identity or cycle checks.

:func:`contents` reads a namespace back the same way for the store's and the
baseline's namespaces, so the two loads can be compared item by item.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import neo4j

from benchmarks._measure import same
from loaders import SyntheticPlant
from ontology import CONTAINS, Neo4jStore, Neo4jStoreSettings

DATABASE = "neo4j"
_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False).encode


def create_schema(uri: str, ns: str) -> None:
    """The store's own constraints and indexes for namespace ``ns`` (the store makes them)."""
    Neo4jStore(Neo4jStoreSettings(uri=uri, namespace=ns)).close()


def drop_indexes(driver: neo4j.Driver, ns: str) -> None:
    """Drop the range indexes of namespace ``ns`` (its uniqueness constraints stay)."""
    records = driver.execute_query(
        "SHOW INDEXES YIELD name, type, owningConstraint, labelsOrTypes "
        "WHERE type = 'RANGE' AND owningConstraint IS NULL RETURN name, labelsOrTypes",
        database_=DATABASE,
    ).records
    for name, owners in records:
        if any(str(o).startswith(f"{ns}_") for o in owners or ()):
            driver.execute_query(f"DROP INDEX {name} IF EXISTS", database_=DATABASE)


@dataclass(frozen=True, slots=True)
class RawOptions:
    """What the raw load writes; the defaults write what the store writes (the baseline).

    The other settings take one piece of work away at a time, to see what it costs.
    """

    audit: bool = True
    aliases: bool = True
    batch: int = 10_000


def raw_load(
    driver: neo4j.Driver,
    ns: str,
    plant: SyntheticPlant,
    principal: str,
    options: RawOptions = RawOptions(),
) -> dict[str, float]:
    """``UNWIND $rows CREATE`` of what the store writes for ``plant`` (see the module docstring).

    Returns the wall seconds of each phase: ``models``, ``twins``, ``edges``.
    """
    phases: dict[str, float] = {}
    since = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal since
        now = time.perf_counter()
        phases[name] = now - since
        since = now

    now = datetime.now(UTC).isoformat()
    seq = 0

    def numbers(count: int) -> range:
        nonlocal seq
        seq += count
        return range(seq - count + 1, seq + 1)

    audit = (
        f" CREATE (:{ns}_Audit {{seq: r.seq, at: $at, principal: $principal, action: $action, "
        "key: r.key, before: 'null', after: r.after})"
        if options.audit
        else ""
    )
    bump = (
        f"UNWIND $keys AS k MERGE (m:{ns}_Meta {{key: k}}) ON CREATE SET m.version = 0 "
        "SET m.version = m.version + 1"
    )

    def write(query: str, rows: list[dict[str, Any]], action: str, keys: list[str]) -> None:
        def work(tx: neo4j.ManagedTransaction) -> None:
            tx.run(bump, keys=keys).consume()
            tx.run(query, rows=rows, at=now, principal=principal, action=action).consume()

        with driver.session(database=DATABASE) as session:
            session.execute_write(work)

    models = [
        {"dtmi": _dtmi(text), "text": text, "seq": i + 1, "key": _dtmi(text), "after": ""}
        for i, text in enumerate(plant.models)
    ]
    for row, number in zip(models, numbers(len(models)), strict=True):
        row["after"] = _JSON(row["dtmi"])
        row["seq"] = number
    write(
        f"UNWIND $rows AS r CREATE (:{ns}_Model {{dtmi: r.dtmi, text: r.text, uploaded_at: $at, "
        f"uploaded_by: $principal, seq: r.seq}})" + audit,
        models,
        "model.add",
        ["model_seq", "models", "audit"],
    )
    create_twin = (
        f"UNWIND $rows AS r CREATE (:{ns}_Twin {{id: r.id, model: r.model, lifecycle: "
        "r.lifecycle, etag: r.etag, props: r.props, aliases: r.aliases, created: $at, "
        "updated: $at})" + audit
    )
    if options.aliases:
        create_twin += (
            f" FOREACH (a IN r.al | CREATE (:{ns}_Alias {{key: a.key, namespace: a.namespace, "
            "value: a.value, twin: r.id}))"
        )
    step = options.batch
    lap("models")
    for start in range(0, len(plant.twins), step):
        specs = plant.twins[start : start + step]
        rows = []
        for spec, number in zip(specs, numbers(len(specs)), strict=True):
            etag = uuid.uuid4().hex
            pairs = [[a.namespace, a.value] for a in spec.aliases]
            record = {
                "id": spec.id,
                "model": spec.model,
                "lifecycle": spec.lifecycle.value,
                "properties": dict(spec.properties),
                "aliases": pairs,
                "etag": etag,
            }
            rows.append(
                {
                    "id": spec.id,
                    "model": spec.model,
                    "lifecycle": spec.lifecycle.value,
                    "etag": etag,
                    "props": _JSON(dict(spec.properties)),
                    "aliases": _JSON(pairs),
                    "seq": number,
                    "key": spec.id,
                    "after": _JSON(record),
                    "al": [{"key": _JSON(p), "namespace": p[0], "value": p[1]} for p in pairs],
                }
            )
        write(create_twin, rows, "twin.create", ["topology", "audit"])
    lap("twins")
    for kind in ("CONTAINS", "RELATES"):
        edges = [e for e in plant.edges if (e.name == CONTAINS) == (kind == "CONTAINS")]
        query = (
            f"UNWIND $rows AS r MATCH (s:{ns}_Twin {{id: r.source}}) "
            f"MATCH (t:{ns}_Twin {{id: r.target}}) "
            f"CREATE (s)-[:{kind} {{name: r.name, props: r.props}}]->(t)" + audit
        )
        for start in range(0, len(edges), step):
            chunk = edges[start : start + step]
            rows = [
                {
                    "source": e.source,
                    "name": e.name,
                    "target": e.target,
                    "props": _JSON(dict(e.properties)),
                    "seq": number,
                    "key": f"{e.source} -[{e.name}]-> {e.target}",
                    "after": _JSON(
                        {
                            "source": e.source,
                            "name": e.name,
                            "target": e.target,
                            "properties": dict(e.properties),
                        }
                    ),
                }
                for e, number in zip(chunk, numbers(len(chunk)), strict=True)
            ]
            write(query, rows, "edge.add", ["topology", "audit"])
    lap("edges")
    return phases


def _dtmi(text: str) -> str:
    found = json.loads(text)
    return str(found["@id"])


# ------------------------------------------------------------------ reading back


@dataclass(frozen=True, slots=True)
class Contents:
    """What a namespace holds, in a form two loads can be compared by (``==``).

    Left out: what differs by nature between two loads (etags, times, audit
    sequence numbers, the change counters' values).
    """

    models: tuple[tuple[str, str], ...]
    twins: tuple[tuple[str, str, str, str, str], ...]
    """``(id, model, lifecycle, properties JSON, aliases JSON)``."""
    aliases: tuple[tuple[str, str, str, str], ...]
    edges: tuple[tuple[str, str, str, str, str], ...]
    """``(relationship type, source, name, target, properties JSON)``."""
    audit: tuple[tuple[tuple[str, str], int], ...]
    """``((action, key), count)``."""

    def summary(self) -> str:
        return (
            f"{len(self.models)} models, {len(self.twins):,} twins, {len(self.aliases):,} aliases, "
            f"{len(self.edges):,} edges, {sum(n for _, n in self.audit):,} audit records"
        )


def same_contents(what: str, got: Contents, want: Contents) -> None:
    """:func:`benchmarks._measure.same`, field by field (models, twins, ...)."""
    for name in ("models", "twins", "aliases", "edges", "audit"):
        same(f"{what}: {name}", getattr(got, name), getattr(want, name))


def _canonical(text: str | None) -> str:
    return _JSON(json.loads(text)) if text is not None else "null"


def _columns(driver: neo4j.Driver, query: str) -> list[list[Any]]:
    record = driver.execute_query(
        query, database_=DATABASE, routing_=neo4j.RoutingControl.READ
    ).records[0]
    return [list(value) for value in record.values()]


def contents(driver: neo4j.Driver, ns: str) -> Contents:
    """Read the namespace back (see :class:`Contents`)."""
    dtmis, texts = _columns(driver, f"MATCH (m:{ns}_Model) RETURN collect(m.dtmi), collect(m.text)")
    ids, models, lifecycles, props, aliases = _columns(
        driver,
        f"MATCH (t:{ns}_Twin) RETURN collect(t.id), collect(t.model), collect(t.lifecycle), "
        "collect(t.props), collect(t.aliases)",
    )
    keys, namespaces, values, owners = _columns(
        driver,
        f"MATCH (a:{ns}_Alias) RETURN collect(a.key), collect(a.namespace), "
        "collect(a.value), collect(a.twin)",
    )
    types, sources, names, targets, edge_props = _columns(
        driver,
        f"MATCH (s:{ns}_Twin)-[e]->(t:{ns}_Twin) RETURN collect(type(e)), collect(s.id), "
        "collect(e.name), collect(t.id), collect(coalesce(e.props, 'null'))",
    )
    actions, audit_keys = _columns(
        driver, f"MATCH (a:{ns}_Audit) RETURN collect(a.action), collect(a.key)"
    )
    return Contents(
        models=tuple(sorted(zip(dtmis, texts, strict=True))),
        twins=tuple(
            sorted(
                (i, m, lc, _canonical(p), _canonical(a))
                for i, m, lc, p, a in zip(ids, models, lifecycles, props, aliases, strict=True)
            )
        ),
        aliases=tuple(sorted(zip(keys, namespaces, values, owners, strict=True))),
        edges=tuple(
            sorted(
                (t, s, n, d, _canonical(p))
                for t, s, n, d, p in zip(types, sources, names, targets, edge_props, strict=True)
            )
        ),
        audit=tuple(sorted(Counter(zip(actions, audit_keys, strict=True)).items())),
    )


def descendants(driver: neo4j.Driver, ns: str, root: str) -> list[str]:
    """Distinct descendants of ``root`` in id order, as one collected list (one record)."""
    query = (
        f"MATCH (a:{ns}_Twin {{id: $id}}) RETURN COLLECT {{ "
        f"MATCH (a)-[:CONTAINS*1..]->(d:{ns}_Twin) WITH DISTINCT d RETURN d.id ORDER BY d.id "
        "} AS ids"
    )
    records = driver.execute_query(
        query, id=root, database_=DATABASE, routing_=neo4j.RoutingControl.READ
    ).records
    return list(records[0]["ids"]) if records else []


def contains_pairs(driver: neo4j.Driver, ns: str) -> list[tuple[str, str]]:
    """Every ``contains`` edge of the namespace as ``(parent, child)`` ids."""
    parents, children = _columns(
        driver,
        f"MATCH (p:{ns}_Twin)-[:CONTAINS]->(c:{ns}_Twin) RETURN collect(p.id), collect(c.id)",
    )
    return list(zip(parents, children, strict=True))


def write_signals(
    driver: neo4j.Driver, ns: str, signal: str, values: Mapping[str, float], at: datetime
) -> None:
    """Upsert one signal's value on each twin of ``values`` (the store's signal layout: the
    time's text only for an offset other than UTC's)."""
    micros = int(at.timestamp() * 1_000_000)
    text = None if at.utcoffset() == timedelta(0) else at.isoformat()
    rows = [
        {"key": _JSON([twin, signal]), "twin": twin, "value": _JSON(value)}
        for twin, value in values.items()
    ]
    query = (
        f"UNWIND $rows AS r MERGE (s:{ns}_Signal {{key: r.key}}) "
        "ON CREATE SET s.twin = r.twin, s.signal = $signal "
        "SET s.value = r.value, s.t = $t, s.time = $time"
    )

    def work(tx: neo4j.ManagedTransaction) -> None:
        for start in range(0, len(rows), 10_000):
            chunk = rows[start : start + 10_000]
            tx.run(query, rows=chunk, signal=signal, t=micros, time=text).consume()

    if rows:
        with driver.session(database=DATABASE) as session:
            session.execute_write(work)


def drop_namespace(driver: neo4j.Driver, ns: str) -> None:
    """Delete every node, constraint and index whose label starts with ``{ns}_``."""
    labels = [
        str(record[0])
        for record in driver.execute_query("CALL db.labels()", database_=DATABASE).records
        if str(record[0]).startswith(f"{ns}_")
    ]
    with driver.session(database=DATABASE) as session:
        for label in labels:
            session.run(
                f"MATCH (n:{label}) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 10000 ROWS"
            ).consume()
    for kind, what in (("CONSTRAINTS", "CONSTRAINT"), ("INDEXES", "INDEX")):
        records = driver.execute_query(
            f"SHOW {kind} YIELD name, labelsOrTypes RETURN name, labelsOrTypes", database_=DATABASE
        ).records
        for name, owners in records:
            if any(str(o).startswith(f"{ns}_") for o in owners or ()):
                driver.execute_query(f"DROP {what} {name} IF EXISTS", database_=DATABASE)


def fresh_namespace(prefix: str = "bench") -> str:
    """A new label prefix of this run (letters, digits, underscores)."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


class Namespaces:
    """The namespaces a benchmark makes (all dropped by :meth:`close`) and its driver."""

    def __init__(self, uri: str, prefix: str = "bench") -> None:
        self.uri = uri
        self.prefix = prefix
        self.driver = neo4j.GraphDatabase.driver(uri, auth=None)
        self.live: list[str] = []
        self.made: list[str] = []

    def fresh(self) -> str:
        ns = fresh_namespace(self.prefix)
        self.live.append(ns)
        self.made.append(ns)
        return ns

    def drop(self, ns: str) -> None:
        drop_namespace(self.driver, ns)
        self.live.remove(ns)

    def close(self) -> None:
        for ns in list(self.live):
            self.drop(ns)
        self.driver.close()
        print(f"  dropped the namespaces of this run: {', '.join(self.made)}")
