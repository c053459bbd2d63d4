"""``open_history_store``: the store a settings object describes (the CLI calls this)."""

from __future__ import annotations

from ontology.history._contract import HistoryStore
from ontology.history.duckdb import DuckDBHistorySettings, DuckDBHistoryStore
from ontology.history.questdb import QuestDBHistorySettings, QuestDBHistoryStore


def open_history_store(settings: DuckDBHistorySettings | QuestDBHistorySettings) -> HistoryStore:
    """Open the history store ``settings`` names: DuckDB (embedded) or QuestDB (production).

    QuestDB's tables are created if missing; ``HistoryUnavailableError`` if it does not answer.
    """
    if isinstance(settings, QuestDBHistorySettings):
        return QuestDBHistoryStore(settings)
    return DuckDBHistoryStore(settings)
