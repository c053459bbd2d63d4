"""The schema served at ``/graphql``: a Federation v2 subgraph, guarded."""

from __future__ import annotations

from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from server.graphql._datetime import DATETIME
from server.graphql._guards import Checks, extensions
from server.graphql._history import resolve_history_directly
from server.graphql._limits import GraphQLLimits
from server.graphql._mutation import Mutation
from server.graphql._query import Query, resolve_twin_directly
from server.graphql._subscription import Subscription
from server.graphql._tree import TreeExecutionContext


class GuardedSchema(strawberry.federation.Schema):
    """The federation schema with its guards' :class:`Checks` (the lean path uses them too)."""

    checks: Checks

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Not logged: errors shown to the caller are theirs; internal ones the masking logs."""


def build_schema(limits: GraphQLLimits) -> GuardedSchema:
    """The schema with its guards set to ``limits``."""
    checks = Checks(limits)
    built = GuardedSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions(checks),
        execution_context_class=TreeExecutionContext,
        config=StrawberryConfig(scalar_map={datetime: DATETIME}),
    )
    built.checks = checks
    resolve_twin_directly(built._schema)
    resolve_history_directly(built._schema)
    return built


schema = build_schema(GraphQLLimits())
"""With the default limits (for exporting the SDL)."""
