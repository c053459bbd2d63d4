"""The Neo4j graph store: ``Neo4jStore`` and its ``Neo4jStoreSettings``.

Importing this package imports the Neo4j driver; ``import ontology`` does not
(it resolves these two names on first use).
"""

from ontology.graph.neo4j._settings import Neo4jStoreSettings
from ontology.graph.neo4j._store import Neo4jStore

__all__ = ["Neo4jStore", "Neo4jStoreSettings"]
