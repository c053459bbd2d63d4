"""A field's resolver replaced by one graphql-core calls directly, strawberry's kept for the
cases it still answers (see ``resolve_twin_directly``, ``resolve_history_directly``)."""

from __future__ import annotations

from collections.abc import Callable

from graphql import GraphQLFieldResolver, GraphQLNamedType

__all__ = ["replace_resolver"]


def replace_resolver(
    kind: GraphQLNamedType | None,
    name: str,
    direct: Callable[[GraphQLFieldResolver], GraphQLFieldResolver],
) -> None:
    """``kind.name`` resolved by ``direct(wrapped)``, ``wrapped`` its resolver until now
    (strawberry's); nothing changes when the type or the field has none."""
    fields = getattr(kind, "fields", None)
    field = fields.get(name) if fields is not None else None
    if field is not None and field.resolve is not None:
        field.resolve = direct(field.resolve)
