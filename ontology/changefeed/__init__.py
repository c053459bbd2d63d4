"""The change feed from the ingest worker to the servers (see ``_contract``)."""

from ontology.changefeed._contract import ChangeFeed, ChangeSet, CursorExpiredError, SignalChange

__all__ = ["ChangeFeed", "ChangeSet", "CursorExpiredError", "SignalChange"]
