"""Exceptions of the ``ontology`` package.

OntologyError               base of every error this package raises
├── NotFoundError           no model, twin, edge or alias with that key
├── ConflictError           the write clashes with what the store holds
│   ├── EtagMismatchError   optimistic concurrency: the twin changed since it was read
│   ├── AlreadyExistsError  a twin, model version or alias that exists already
│   ├── ModelInUseError     a model that twins still use cannot be deleted
│   └── CycleError          a ``contains`` edge that would close a cycle (``.path``)
├── InvalidError            the input breaks a rule (bad id, value not fitting the model, ...)
│   ├── ModelError          DTDL the ``dtdl`` package refused (``.diagnostics``)
│   └── LifecycleError      a lifecycle transition that is not allowed
└── StoreUnavailableError   the backing database cannot be reached
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class OntologyError(Exception):
    """Base of every error raised by the ``ontology`` package."""


class NotFoundError(OntologyError):
    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} {key!r}")


class ConflictError(OntologyError):
    """The write clashes with what the store holds."""


class EtagMismatchError(ConflictError):
    def __init__(self, twin_id: str, expected: str, actual: str) -> None:
        self.twin_id = twin_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"twin {twin_id!r} has etag {actual!r}, not {expected!r}: it changed since it "
            "was read; read it again and retry"
        )


class AlreadyExistsError(ConflictError):
    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} exists already")


class ModelInUseError(ConflictError):
    def __init__(self, dtmi: str, twins: Sequence[str], models: Sequence[str] = ()) -> None:
        self.dtmi = dtmi
        self.twins = tuple(twins)
        self.models = tuple(models)
        """Models that extend it or use it as a component."""
        users = []
        if self.twins or not self.models:
            shown = ", ".join(repr(t) for t in self.twins[:5])
            users.append(f"{len(self.twins)} twin(s) ({shown})")
        if self.models:
            shown = ", ".join(repr(m) for m in self.models[:5])
            users.append(f"{len(self.models)} model(s) ({shown})")
        super().__init__(
            f"model {dtmi!r} is used by {' and '.join(users)}; delete or re-model them first"
        )


class CycleError(ConflictError):
    def __init__(self, path: Sequence[str]) -> None:
        self.path = tuple(path)
        super().__init__(
            "a contains edge would close a cycle: "
            + " -> ".join(self.path)
            + "; the hierarchy must stay a DAG"
        )


class InvalidError(OntologyError):
    """The input breaks a rule; the message names the key, the value and what was expected."""


class ModelError(InvalidError):
    def __init__(self, message: str, diagnostics: Sequence[Any] = ()) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__(message)


class LifecycleError(InvalidError):
    def __init__(self, twin_id: str, current: str, requested: str, allowed: Sequence[str]) -> None:
        self.twin_id = twin_id
        self.current = current
        self.requested = requested
        super().__init__(
            f"twin {twin_id!r} is {current}; it cannot become {requested} "
            f"(allowed: {', '.join(allowed) or 'none, it is retired'})"
        )


class StoreUnavailableError(OntologyError):
    """The backing database cannot be reached."""
