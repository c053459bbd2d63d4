"""The Neo4j graph store's settings from the CLI's (for ``serve``, ``load``, ``ingest``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ontology
    from twinweave._config import Neo4jSettings


def neo4j_store_settings(config: Neo4jSettings) -> ontology.Neo4jStoreSettings:
    """``Neo4jStoreSettings`` of ``config`` (empty user and password: no authentication)."""
    import ontology

    return ontology.Neo4jStoreSettings(
        uri=config.uri,
        user=config.user or None,
        password=config.password or None,
        database=config.database,
        namespace=config.namespace,
        exists_stale_ms=config.exists_stale_ms,
        model_recheck_ms=config.model_recheck_ms,
        retry_ms=config.retry_ms,
    )
