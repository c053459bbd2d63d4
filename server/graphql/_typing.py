"""Typed wrappers around strawberry's untyped corners (for ``mypy --strict``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import strawberry
from strawberry.scalars import JSON

F = TypeVar("F", bound=Callable[..., Any])


def field(description: str) -> Callable[[F], F]:
    """``@strawberry.field(description=...)`` keeping the resolver's signature for mypy."""
    return cast("Callable[[F], F]", strawberry.field(description=description))


def subscription(description: str) -> Callable[[F], F]:
    """``@strawberry.subscription(description=...)`` keeping the signature for mypy."""
    return cast("Callable[[F], F]", strawberry.subscription(description=description))


def as_json(value: object) -> JSON:
    """A JSON-compatible Python value as the ``JSON`` scalar."""
    return cast("JSON", value)
