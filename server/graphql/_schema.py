"""The schema served at ``/graphql``: a Federation v2 subgraph, guarded."""

from __future__ import annotations

import strawberry

from server.graphql._guards import extensions
from server.graphql._limits import GraphQLLimits
from server.graphql._query import Query


def build_schema(limits: GraphQLLimits) -> strawberry.federation.Schema:
    """The schema with its guards set to ``limits``."""
    return strawberry.federation.Schema(query=Query, extensions=extensions(limits))


schema = build_schema(GraphQLLimits())
"""With the default limits (for exporting the SDL)."""
