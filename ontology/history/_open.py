"""``open_history_store``: the store a settings object describes (the CLI calls this)."""

from __future__ import annotations

from ontology.history._contract import HistoryStore
from ontology.history.duckdb import DuckDBHistorySettings, DuckDBHistoryStore


def open_history_store(settings: DuckDBHistorySettings) -> HistoryStore:
    """Open the history store ``settings`` names: DuckDB (embedded) or QuestDB."""
    return DuckDBHistoryStore(settings)
