"""Exceptions of the history stores (all are ``OntologyError``s)."""

from __future__ import annotations

from ontology import InvalidError, StoreUnavailableError


class HistoryInputError(InvalidError):
    """A batch, sample column or query argument that breaks a rule; nothing was written."""


class HistoryUnavailableError(StoreUnavailableError):
    """The history database cannot be reached; the write in hand was not acknowledged."""
