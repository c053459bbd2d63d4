"""The embedded history store: one DuckDB file, one writing process."""

from ontology.history.duckdb._settings import DuckDBHistorySettings
from ontology.history.duckdb._store import DuckDBHistoryStore

__all__ = ["DuckDBHistorySettings", "DuckDBHistoryStore"]
