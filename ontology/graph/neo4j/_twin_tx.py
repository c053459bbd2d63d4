"""Transaction functions of the Neo4j graph store: Cypher in, values out.

Each takes a ``neo4j.ManagedTransaction`` (so the caller decides what runs in
one transaction) and parameters; none decides a rule. Writes send their rows
with ``UNWIND $rows`` in chunks of ``batch`` rows.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import neo4j

from ontology.graph._values import AuditRecord, Model, Twin
from ontology.graph.neo4j._codec import (
    audit_row,
    model_from_node,
    twin_from_node,
    twin_row,
)
from ontology.graph.neo4j._cypher import Cypher
from ontology.graph.neo4j._db import Runs

Tx = neo4j.ManagedTransaction
T = TypeVar("T")
READ_CHUNK = 50_000
"""Ids one read statement takes (``UNWIND $ids``); more are read in several statements."""
"""A row type."""


def chunks(rows: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def run_rows(tx: Tx, query: str, rows: Sequence[Any], batch: int, **params: Any) -> None:
    """Run ``query`` (which reads ``$rows``) once per chunk of ``batch`` rows."""
    for chunk in chunks(rows, batch):
        tx.run(query, params, rows=list(chunk)).consume()


def columns(tx: Runs, query: str, **params: Any) -> list[list[Any]]:
    """The columns of a query that returns one row of ``collect(...)`` lists.

    Far faster through the Python driver than one record per row (a record
    costs more to decode than a list element); the collected values must never
    be null, since ``collect`` drops nulls and the columns would misalign.
    """
    record = tx.run(query, params).single(strict=True)
    return [list(value) for value in record.values()]


# ----------------------------------------------------------------- counters


def bump(tx: Tx, cy: Cypher, key: str, by: int = 1) -> int:
    """Add ``by`` to the counter ``key`` and return its new value."""
    query = cy(
        "MERGE (m:Meta {key: $key}) ON CREATE SET m.version = 0 "
        "SET m.version = m.version + $by RETURN m.version AS v"
    )
    record = tx.run(query, key=key, by=by).single(strict=True)
    return int(record["v"])


def version(tx: Runs, cy: Cypher, key: str) -> int:
    record = tx.run(cy("MATCH (m:Meta {key: $key}) RETURN m.version AS v"), key=key).single()
    return int(record["v"]) if record is not None else 0


# -------------------------------------------------------------------- audit


def append_audit(tx: Tx, cy: Cypher, records: Sequence[AuditRecord], batch: int) -> None:
    """Write audit records; their ``seq`` must come from :func:`next_audit_seqs`."""
    query = cy(
        "UNWIND $rows AS r CREATE (:Audit {seq: r.seq, at: r.at, principal: r.principal, "
        "action: r.action, key: r.key, before: r.before, after: r.after})"
    )
    run_rows(tx, query, [audit_row(r) for r in records], batch)


def next_audit_seqs(tx: Tx, cy: Cypher, count: int) -> range:
    """Reserve ``count`` consecutive audit sequence numbers (the counter row lock orders them)."""
    last = bump(tx, cy, "audit", count)
    return range(last - count + 1, last + 1)


def audit_page(
    tx: Tx,
    cy: Cypher,
    key: str | None,
    since: datetime | None,
    after: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    # Separate statements, not one ``$key IS NULL OR ...``: that form defeats the key index
    # (the planner seeks on seq and filters every record by key). ``at`` is the ISO text of
    # a UTC time, so text order is time order.
    match = (
        "MATCH (a:Audit) WHERE a.seq > $after"
        if key is None
        else ("MATCH (a:Audit {key: $key}) WHERE a.seq > $after")
    )
    if since is not None:
        match += " AND a.at >= $since"
    query = cy(f"{match} WITH a ORDER BY a.seq LIMIT $limit RETURN properties(a) AS a")
    result = tx.run(
        query,
        key=key,
        since=since.isoformat() if since is not None else None,
        after=after if after is not None else 0,
        limit=limit,
    )
    return [record["a"] for record in result]


# ------------------------------------------------------------------- models


def fetch_models(tx: Tx, cy: Cypher) -> list[Model]:
    query = cy("MATCH (m:Model) RETURN properties(m) AS m ORDER BY m.seq, m.dtmi")
    return [model_from_node(record["m"]) for record in tx.run(query)]


def insert_models(tx: Tx, cy: Cypher, models: Sequence[Model]) -> None:
    first = bump(tx, cy, "model_seq", len(models)) - len(models) + 1
    rows = [
        {
            "dtmi": m.dtmi,
            "text": m.text,
            "uploaded_at": m.uploaded_at.isoformat(),
            "uploaded_by": m.uploaded_by,
            "seq": first + i,
        }
        for i, m in enumerate(models)
    ]
    query = cy(
        "UNWIND $rows AS r CREATE (:Model {dtmi: r.dtmi, text: r.text, "
        "uploaded_at: r.uploaded_at, uploaded_by: r.uploaded_by, seq: r.seq})"
    )
    tx.run(query, rows=rows).consume()
    bump(tx, cy, "models")


def delete_model(tx: Tx, cy: Cypher, dtmi: str) -> None:
    tx.run(cy("MATCH (m:Model {dtmi: $dtmi}) DELETE m"), dtmi=dtmi).consume()
    bump(tx, cy, "models")


def twins_of_models(tx: Tx, cy: Cypher, dtmis: Sequence[str], limit: int) -> list[str]:
    query = cy(
        "UNWIND $dtmis AS d MATCH (t:Twin {model: d}) RETURN t.id AS id ORDER BY id LIMIT $limit"
    )
    return [record["id"] for record in tx.run(query, dtmis=list(dtmis), limit=limit)]


# -------------------------------------------------------------------- twins


def fetch_twins(tx: Runs, cy: Cypher, ids: Sequence[str]) -> dict[str, Twin]:
    """The stored twins among ``ids`` (absent ids are missing from the result).

    One statement for up to ``READ_CHUNK`` ids, one per ``READ_CHUNK`` beyond.
    """
    query = cy("UNWIND $ids AS id MATCH (t:Twin {id: id}) RETURN collect(properties(t))")
    found: dict[str, Twin] = {}
    for chunk in chunks(ids, READ_CHUNK):
        (nodes,) = columns(tx, query, ids=list(chunk))
        for node in nodes:
            twin = twin_from_node(node)
            found[twin.id] = twin
    return found


def fetch_twin(tx: Runs, cy: Cypher, twin_id: str) -> Twin | None:
    record = tx.run(cy("MATCH (t:Twin {id: $id}) RETURN properties(t) AS t"), id=twin_id).single()
    return twin_from_node(record["t"]) if record is not None else None


def lock_twin(tx: Tx, cy: Cypher, twin_id: str) -> Twin | None:
    """The twin as committed, after taking its write lock (held until the transaction ends).

    A read-check-write (the etag check, a lifecycle move) must lock first, or two
    writers could both pass the check and the second would overwrite the first.
    """
    query = cy(
        "MATCH (t:Twin {id: $id}) SET t.locked = true REMOVE t.locked RETURN properties(t) AS t"
    )
    record = tx.run(query, id=twin_id).single()
    return twin_from_node(record["t"]) if record is not None else None


def list_twins(
    tx: Tx, cy: Cypher, models: Sequence[str] | None, after: str | None, limit: int
) -> list[Twin]:
    query = cy(
        "MATCH (t:Twin) WHERE ($models IS NULL OR t.model IN $models) "
        "AND ($after IS NULL OR t.id > $after) "
        "RETURN properties(t) AS t ORDER BY t.id LIMIT $limit"
    )
    models_param = list(models) if models is not None else None
    result = tx.run(query, models=models_param, after=after, limit=limit)
    return [twin_from_node(record["t"]) for record in result]


_CREATE_TWIN = (
    "UNWIND $rows AS r CREATE (:Twin {id: r.id, model: r.model, lifecycle: r.lifecycle, "
    "etag: r.etag, props: r.props, aliases: r.aliases, created: r.created, "
    "updated: r.updated})"
)


@dataclass(frozen=True, slots=True)
class CreateAudit:
    """The audit of a bulk create, written by the statement that creates the items.

    One audit node per created item (``before`` null), created in the same
    ``UNWIND`` row as the item: no second pass over the rows, and ``at``,
    ``principal`` and ``action`` travel once per statement instead of per row.
    """

    principal: str
    at: datetime
    action: str
    seqs: Sequence[int]
    """The audit ``seq`` of each created item, in order (from :func:`next_audit_seqs`)."""
    afters: Sequence[str]
    """The audit ``after`` (JSON text) of each created item, in order."""


def create_twins(
    tx: Tx,
    cy: Cypher,
    twins: Sequence[Twin],
    batch: int,
    audit: CreateAudit | None = None,
    aliases: Sequence[Sequence[dict[str, str]]] | None = None,
) -> None:
    """Create twins known not to exist; with ``audit``, their audit nodes too.

    ``aliases``: per twin, the ``{key, namespace, value}`` of alias nodes known
    not to exist, created in the same row (the others are the caller's).
    """
    rows = [twin_row(t) for t in twins]
    if audit is None and aliases is None:
        run_rows(tx, cy(_CREATE_TWIN), rows, batch)
        return
    query = _CREATE_TWIN
    params: dict[str, Any] = {}
    if audit is not None:
        for row, seq, after in zip(rows, audit.seqs, audit.afters, strict=True):
            row["seq"], row["after"] = seq, after
        query += (
            " CREATE (:Audit {seq: r.seq, at: $at, principal: $principal, action: $action, "
            "key: r.id, before: 'null', after: r.after})"
        )
        params = {"at": audit.at.isoformat(), "principal": audit.principal, "action": audit.action}
    if aliases is not None:
        for row, fresh in zip(rows, aliases, strict=True):
            row["al"] = fresh
        query += (
            " FOREACH (a IN r.al | CREATE (:Alias {key: a.key, namespace: a.namespace, "
            "value: a.value, twin: r.id}))"
        )
    run_rows(tx, cy(query), rows, batch, **params)


def replace_twins(tx: Tx, cy: Cypher, twins: Sequence[Twin], batch: int) -> None:
    query = cy(
        "UNWIND $rows AS r MATCH (t:Twin {id: r.id}) SET t.model = r.model, "
        "t.lifecycle = r.lifecycle, t.etag = r.etag, t.props = r.props, "
        "t.aliases = r.aliases, t.updated = r.updated"
    )
    run_rows(tx, query, [twin_row(t) for t in twins], batch)


def etags_of(tx: Tx, cy: Cypher, ids: Sequence[str]) -> dict[str, str]:
    """The current etag of each of ``ids`` that exists."""
    query = cy("UNWIND $ids AS i MATCH (t:Twin {id: i}) RETURN collect(t.id), collect(t.etag)")
    found, etags = columns(tx, query, ids=list(ids))
    return dict(zip(found, etags, strict=True))


def delete_twins(tx: Tx, cy: Cypher, ids: Sequence[str], batch: int) -> None:
    """Delete twins with their aliases, signals and edges (``delete_twin`` for many)."""
    run_rows(tx, cy("UNWIND $rows AS i MATCH (a:Alias {twin: i}) DELETE a"), ids, batch)
    run_rows(tx, cy("UNWIND $rows AS i MATCH (s:Signal {twin: i}) DELETE s"), ids, batch)
    run_rows(tx, cy("UNWIND $rows AS i MATCH (t:Twin {id: i}) DETACH DELETE t"), ids, batch)


def delete_audit(tx: Tx, cy: Cypher, seqs: Sequence[int], batch: int) -> None:
    """Delete the audit records numbered ``seqs`` (a bulk call's, when it is undone)."""
    run_rows(tx, cy("UNWIND $rows AS s MATCH (a:Audit {seq: s}) DELETE a"), seqs, batch)


def delete_twin(tx: Tx, cy: Cypher, twin_id: str) -> None:
    tx.run(cy("MATCH (a:Alias {twin: $id}) DELETE a"), id=twin_id).consume()
    tx.run(cy("MATCH (s:Signal {twin: $id}) DELETE s"), id=twin_id).consume()
    tx.run(cy("MATCH (t:Twin {id: $id}) DETACH DELETE t"), id=twin_id).consume()


# ------------------------------------------------------------------ aliases


def alias_owners(tx: Runs, cy: Cypher, keys: Sequence[str]) -> dict[str, str]:
    """Alias key -> owning twin id, for the keys that exist (a statement per ``READ_CHUNK``)."""
    query = cy("UNWIND $keys AS k MATCH (a:Alias {key: k}) RETURN collect(a.key), collect(a.twin)")
    owners: dict[str, str] = {}
    for chunk in chunks(keys, READ_CHUNK):
        found, twins = columns(tx, query, keys=list(chunk))
        owners.update(zip(found, twins, strict=True))
    return owners


def add_alias_rows(
    tx: Tx, cy: Cypher, rows: Sequence[dict[str, str]], batch: int, existing: Container[str]
) -> None:
    """Rows ``{key, namespace, value, twin}``; keys in ``existing`` are re-pointed to ``twin``."""
    fresh = [r for r in rows if r["key"] not in existing]
    known = [r for r in rows if r["key"] in existing]
    create = cy(
        "UNWIND $rows AS r "
        "CREATE (:Alias {key: r.key, namespace: r.namespace, value: r.value, twin: r.twin})"
    )
    run_rows(tx, create, fresh, batch)
    merge = cy(
        "UNWIND $rows AS r MERGE (a:Alias {key: r.key}) "
        "SET a.namespace = r.namespace, a.value = r.value, a.twin = r.twin"
    )
    run_rows(tx, merge, known, batch)


def remove_alias_keys(tx: Tx, cy: Cypher, keys: Sequence[str], batch: int) -> None:
    query = cy("UNWIND $rows AS k MATCH (a:Alias {key: k}) DELETE a")
    run_rows(tx, query, keys, batch)


def resolve_alias_keys(tx: Runs, cy: Cypher, keys: Sequence[str]) -> list[str | None]:
    """The owning twin of each alias key, in order (``None`` where unknown)."""
    owners = alias_owners(tx, cy, keys)
    return [owners.get(key) for key in keys]
