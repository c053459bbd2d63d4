"""The history store the environment names: DuckDB under the data dir, or QuestDB."""

from __future__ import annotations

from typing import TYPE_CHECKING

from twinweave._config import Settings

if TYPE_CHECKING:
    from ontology.history import DuckDBHistorySettings, HistoryStore, QuestDBHistorySettings

DUCKDB_FILE = "history.duckdb"


def history_settings(settings: Settings) -> DuckDBHistorySettings | QuestDBHistorySettings:
    """Typed store settings from ``TWINWEAVE_HISTORY_STORE`` and ``TWINWEAVE_QUESTDB_*``."""
    from ontology.history import DuckDBHistorySettings, QuestDBHistorySettings

    if settings.history_store == "questdb":
        quest = settings.questdb
        return QuestDBHistorySettings(
            host=quest.pg_host,
            http_port=quest.http_port,
            pg_port=quest.pg_port,
            user=quest.user,
            password=quest.password,
            prefix=quest.prefix,
        )
    return DuckDBHistorySettings(path=settings.data_dir / DUCKDB_FILE)


def open_history(settings: Settings) -> HistoryStore:
    """Open the configured history store (DuckDB: creating the data dir first).

    Raises ``ontology.OntologyError`` when it cannot, ``OSError`` when the data
    dir cannot be made.
    """
    from ontology.history import DuckDBHistorySettings, open_history_store

    chosen = history_settings(settings)
    if isinstance(chosen, DuckDBHistorySettings):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return open_history_store(chosen)
