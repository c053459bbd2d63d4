"""History: samples, events, ingest batches and rejects, and the stores that keep them.

``HistoryStore`` is the contract (see ``_contract``); implementations live in
sub-packages, one folder each.
"""

from ontology.history._contract import HistoryStore
from ontology.history._errors import HistoryInputError, HistoryUnavailableError
from ontology.history._open import open_history_store
from ontology.history._values import (
    MAX_RAW_BYTES,
    TIME_DTYPE,
    Agg,
    AsOf,
    Batch,
    Event,
    Quality,
    Reject,
    Retention,
    Samples,
    Series,
    SeriesKey,
    SourceKind,
    SourcePosition,
    empty_samples,
)
from ontology.history.duckdb import DuckDBHistorySettings, DuckDBHistoryStore
from ontology.history.questdb import QuestDBHistorySettings, QuestDBHistoryStore

__all__ = [
    "MAX_RAW_BYTES",
    "TIME_DTYPE",
    "Agg",
    "AsOf",
    "Batch",
    "DuckDBHistorySettings",
    "DuckDBHistoryStore",
    "Event",
    "HistoryInputError",
    "HistoryStore",
    "HistoryUnavailableError",
    "Quality",
    "QuestDBHistorySettings",
    "QuestDBHistoryStore",
    "Reject",
    "Retention",
    "Samples",
    "Series",
    "SeriesKey",
    "SourceKind",
    "SourcePosition",
    "empty_samples",
    "open_history_store",
]
