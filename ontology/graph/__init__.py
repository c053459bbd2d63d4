"""The graph: the ``GraphStore`` contract, its values, and the rules both stores share.

Implementations live one folder each: ``ontology.graph.memory`` (in-process,
the embedded default) and ``ontology.graph.neo4j`` (Neo4j 5). Both call the
same pure rules in this package's private modules, so they accept and refuse
the same inputs with the same words.
"""

from ontology.graph._contract import GraphStore
from ontology.graph._limits import MAX_PAGE, MAX_READ_IDS, MAX_TREE_LEVELS
from ontology.graph._values import (
    CONTAINS,
    LIFECYCLE_TRANSITIONS,
    SYSTEM_PRINCIPAL,
    Aggregate,
    Alias,
    AuditRecord,
    BulkResult,
    ChildPage,
    Edge,
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

__all__ = [
    "CONTAINS",
    "LIFECYCLE_TRANSITIONS",
    "MAX_PAGE",
    "MAX_READ_IDS",
    "MAX_TREE_LEVELS",
    "SYSTEM_PRINCIPAL",
    "Aggregate",
    "Alias",
    "AuditRecord",
    "BulkResult",
    "ChildPage",
    "Edge",
    "GraphStore",
    "JsonValue",
    "Lifecycle",
    "Model",
    "Page",
    "Rejection",
    "RollupSpec",
    "SignalUpdate",
    "SignalValue",
    "Twin",
    "TwinSpec",
]
