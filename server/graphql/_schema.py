"""The schema served at ``/graphql``: a Federation v2 subgraph."""

from __future__ import annotations

import strawberry

from server.graphql._query import Query

schema = strawberry.federation.Schema(query=Query)
