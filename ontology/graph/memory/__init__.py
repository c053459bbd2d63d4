"""The in-process graph store (the embedded default): ``MemoryStore``."""

from ontology.graph.memory._store import MemoryStore

__all__ = ["MemoryStore"]
