"""Every Cypher statement the Neo4j graph store runs, for one namespace.

Layout in Neo4j (``ns`` is the validated namespace, the only text formatted
into a statement; every value is a ``$parameter``):

- ``(:ns_Twin {id, model, lifecycle, etag, props, aliases, created, updated})``:
  ``props`` is the twin's property map as a JSON string (Neo4j properties
  cannot hold nested maps), ``aliases`` a JSON list of ``[namespace, value]``,
  times ISO-8601 strings.
- ``(:ns_Twin)-[:CONTAINS {name: "contains", props}]->(:ns_Twin)``: the
  hierarchy, a DAG. Every other DTDL Relationship instance is one relationship
  type ``RELATES`` carrying its ``name`` and ``props`` (JSON), so any edge is
  found by ``(source, name, target)`` without formatting names into Cypher.
- ``(:ns_Alias {key, namespace, value, twin})``: ``key`` is the JSON text of
  ``[namespace, value]``, unique, which makes an alias unique per namespace.
- ``(:ns_Signal {key, twin, signal, value, t, time, batch})``: the live value
  of one signal of one twin; ``key`` is the JSON text of ``[twin, signal]``,
  ``value`` JSON, ``t`` the event time in microseconds since the epoch (the
  older-value check and the time read back, in UTC), ``time`` its ISO text only
  when its offset is not UTC's (an ISO string is a property Neo4j keeps out of
  line: written for every key of every ingest batch, it doubled the commit).
- ``(:ns_Model {dtmi, text, uploaded_at, uploaded_by, seq})``, one per DTMI.
- ``(:ns_Rollup {name, spec})``, ``spec`` the JSON of a ``RollupSpec``.
- ``(:ns_Audit {seq, at, principal, action, key, before, after})``, JSON
  before/after, ``seq`` drawn from ``(:ns_Meta {key: "audit"}).seq``.
- ``(:ns_Meta {key, version})``: counters. ``"models"``, ``"topology"`` and
  ``"signals"`` count changes, so a store knows when its parsed models, its
  rollup topology or its rollup input columns are stale, also when another
  process wrote; ``"audit"`` and ``"model_seq"`` hand out sequence numbers
  (the row lock orders writers). A writer that moves several takes them in
  the order ``topology``, ``audit``.
- A bulk create writes each item's audit node in the same ``UNWIND`` row as
  the item (``at``, ``principal`` and ``action`` as statement parameters).

Schema (Community edition): a uniqueness constraint on each key property
(``Twin.id``, ``Model.dtmi``, ``Alias.key``, ``Signal.key``, ``Rollup.name``,
``Meta.key``) and range indexes on ``Twin.model``, ``Alias.twin``,
``Signal.twin``, ``Signal.signal``, ``Audit.seq`` and ``Audit.key`` (audit
sequence numbers are unique by construction: the counter's row lock hands
them out); ``IF NOT EXISTS`` makes creating them idempotent.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from ontology.graph.neo4j._settings import NAMESPACE_PATTERN


@dataclass(frozen=True, slots=True, init=False)
class Cypher:
    """The statements for one validated namespace (built once per store)."""

    namespace: str
    schema: tuple[tuple[str, str], ...] = field(repr=False)
    """``(name, statement)`` of every constraint and index the namespace needs."""

    def __init__(self, namespace: str) -> None:
        if not NAMESPACE_PATTERN.fullmatch(namespace):  # defence in depth: settings check it
            message = f"namespace {namespace!r} is not a valid label prefix"
            raise ValueError(message)
        object.__setattr__(self, "namespace", namespace)
        ns = namespace
        unique = (
            ("Twin", "id"),
            ("Model", "dtmi"),
            ("Alias", "key"),
            ("Signal", "key"),
            ("Rollup", "name"),
            ("Meta", "key"),
        )
        indexed = (
            ("Twin", "model"),
            ("Alias", "twin"),
            ("Signal", "twin"),
            ("Signal", "signal"),
            ("Audit", "seq"),
            ("Audit", "key"),
            ("Audit", "at"),
        )
        schema = [
            (
                f"{ns}_{label.lower()}_{prop}",
                f"CREATE CONSTRAINT {ns}_{label.lower()}_{prop} IF NOT EXISTS "
                f"FOR (n:{ns}_{label}) REQUIRE n.{prop} IS UNIQUE",
            )
            for label, prop in unique
        ] + [
            (
                f"{ns}_{label.lower()}_{prop}",
                f"CREATE INDEX {ns}_{label.lower()}_{prop} IF NOT EXISTS "
                f"FOR (n:{ns}_{label}) ON (n.{prop})",
            )
            for label, prop in indexed
        ]
        object.__setattr__(self, "schema", tuple(schema))

    def __call__(self, template: str) -> str:
        """Fill the namespace into the labels of ``template`` (``:Twin`` -> ``:ns_Twin``).

        Templates write the store's labels bare (``:Twin``, ``:Model``, ``:Alias``,
        ``:Signal``, ``:Rollup``, ``:Audit``, ``:Meta``); nothing else is substituted.
        """
        return _fill(template, self.namespace)


_LABEL = re.compile(r":(Twin|Model|Alias|Signal|Rollup|Audit|Meta)\b")


@functools.lru_cache(maxsize=1024)
def _fill(template: str, namespace: str) -> str:
    return _LABEL.sub(lambda match: f":{namespace}_{match.group(1)}", template)
