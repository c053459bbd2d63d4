"""The knowledge-graph core: models, twins, aliases, edges, hierarchy, rollups, audit.

Layout (one line per folder in ``docs/architecture.md``): ``ontology.graph`` is
the ``GraphStore`` contract, its values and the rules both stores share;
``ontology.graph.memory`` and ``ontology.graph.neo4j`` implement it;
``ontology.rollup`` is the numpy rollup engine both stores use;
``ontology.history`` and ``ontology.changefeed`` are further contracts.

``import ontology`` does not import the Neo4j driver: ``Neo4jStore`` and
``Neo4jStoreSettings`` are resolved from ``ontology.graph.neo4j`` on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ontology._errors import (
    AlreadyExistsError,
    ConflictError,
    CycleError,
    EtagMismatchError,
    InvalidError,
    LifecycleError,
    ModelError,
    ModelInUseError,
    NotFoundError,
    OntologyError,
    StoreUnavailableError,
)
from ontology.graph import (
    CONTAINS,
    LIFECYCLE_TRANSITIONS,
    MAX_PAGE,
    MAX_READ_IDS,
    MAX_TREE_LEVELS,
    SYSTEM_PRINCIPAL,
    Aggregate,
    Alias,
    AuditRecord,
    BulkResult,
    ChildPage,
    Edge,
    GraphStore,
    JsonValue,
    Lifecycle,
    Model,
    Page,
    Rejection,
    RollupSpec,
    SignalUpdate,
    SignalValue,
    Twin,
    TwinSpec,
)
from ontology.graph._validators import ValueValidator, property_validator, value_problem
from ontology.graph.memory import MemoryStore

if TYPE_CHECKING:
    from ontology.graph.neo4j import Neo4jStore, Neo4jStoreSettings

__all__ = [
    "CONTAINS",
    "LIFECYCLE_TRANSITIONS",
    "MAX_PAGE",
    "MAX_READ_IDS",
    "MAX_TREE_LEVELS",
    "SYSTEM_PRINCIPAL",
    "Aggregate",
    "Alias",
    "AlreadyExistsError",
    "AuditRecord",
    "BulkResult",
    "ChildPage",
    "ConflictError",
    "CycleError",
    "Edge",
    "EtagMismatchError",
    "GraphStore",
    "InvalidError",
    "JsonValue",
    "Lifecycle",
    "LifecycleError",
    "MemoryStore",
    "Model",
    "ModelError",
    "ModelInUseError",
    "Neo4jStore",
    "Neo4jStoreSettings",
    "NotFoundError",
    "OntologyError",
    "Page",
    "Rejection",
    "RollupSpec",
    "SignalUpdate",
    "SignalValue",
    "StoreUnavailableError",
    "Twin",
    "TwinSpec",
    "ValueValidator",
    "property_validator",
    "value_problem",
]


_LAZY = frozenset({"Neo4jStore", "Neo4jStoreSettings"})


def __getattr__(name: str) -> object:
    """``Neo4jStore`` and ``Neo4jStoreSettings``, imported on first use (with the driver)."""
    if name in _LAZY:
        from ontology.graph import neo4j

        value: object = getattr(neo4j, name)
        globals()[name] = value
        return value
    msg = f"module 'ontology' has no attribute {name!r}"
    raise AttributeError(msg)
