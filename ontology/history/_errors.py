"""Exceptions of the history stores (all are ``OntologyError``s)."""

from __future__ import annotations

from ontology import InvalidError, StoreUnavailableError


class HistoryInputError(InvalidError):
    """A batch, sample column or query argument that breaks a rule; nothing was written."""


class HistoryUnavailableError(StoreUnavailableError):
    """The history database cannot be reached; the write in hand was not acknowledged."""


class HistoryLayoutError(InvalidError):
    """A store opened on tables of a layout it does not read (written by another
    version); the message names the table, what was found and what to do."""
