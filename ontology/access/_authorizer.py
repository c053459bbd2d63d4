"""The one authorization point: may this principal see or change these twins?

Every read and write on every surface (GraphQL fields, counts, pages, rollup
inputs, subscriptions, AAS routes, error messages) asks the request's
``Authorizer``. Decisions are asked for many twins at once so that a page or a
DataLoader batch costs one call. The default allows everything; tokens, roles
and per-subtree grants are policies behind this same interface.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

ANONYMOUS = "anonymous"


class Action(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a name (audited with every write) and the roles it holds."""

    name: str = ANONYMOUS
    roles: frozenset[str] = field(default_factory=frozenset)


@runtime_checkable
class Authorizer(Protocol):
    def allowed(
        self, principal: Principal, action: Action, twin_ids: Sequence[str]
    ) -> tuple[bool, ...]:
        """One decision per twin id, in order."""
        ...


class AllowAll:
    """The default policy: every principal may read and change every twin."""

    def allowed(
        self, principal: Principal, action: Action, twin_ids: Sequence[str]
    ) -> tuple[bool, ...]:
        return (True,) * len(twin_ids)
