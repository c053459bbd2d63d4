"""The strawberry ASGI app: builds each request's :class:`Context`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import HTTPConnection
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

import ontology
from ontology.access import Authorizer, Principal
from server._settings import ServerSettings
from server.graphql._context import Context
from server.graphql._limits import GraphQLLimits
from server.graphql._schema import schema

PrincipalOf = Callable[[HTTPConnection], Principal]


def anonymous(connection: HTTPConnection) -> Principal:
    """The default: every request is the anonymous principal (tokens are the security issue's)."""
    return Principal()


class GraphQLApp(GraphQL[Context, None]):
    """GraphiQL and the endpoint at one path; graphql-transport-ws only (legacy graphql-ws off)."""

    def __init__(
        self,
        settings: ServerSettings,
        store: ontology.GraphStore,
        authorizer: Authorizer,
        *,
        limits: GraphQLLimits,
        principal_of: PrincipalOf = anonymous,
    ) -> None:
        super().__init__(
            schema, graphql_ide="graphiql", subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,)
        )
        self._settings = settings
        self._store = store
        self._authorizer = authorizer
        self._limits = limits
        self._principal_of = principal_of

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(
            store=self._store,
            authorizer=self._authorizer,
            principal=self._principal_of(request),
            settings=self._settings,
            limits=self._limits,
            request=request,
            response=response,
        )
