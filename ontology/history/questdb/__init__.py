"""The production history store: QuestDB (WAL tables with dedup keys, ILP in, PG wire out)."""

from ontology.history.questdb._settings import QuestDBHistorySettings
from ontology.history.questdb._store import QuestDBHistoryStore

__all__ = ["QuestDBHistorySettings", "QuestDBHistoryStore"]
