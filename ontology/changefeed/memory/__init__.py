"""The in-process change feed (the embedded mode): see ``_feed``."""

from ontology.changefeed.memory._feed import MemoryChangeFeed, MemoryChangeFeedSettings

__all__ = ["MemoryChangeFeed", "MemoryChangeFeedSettings"]
