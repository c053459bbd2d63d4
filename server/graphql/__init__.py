"""The GraphQL API: schema types by concept, resolvers, DataLoaders, guards, context.

See ``docs/graphql.md``. :class:`GraphQLApp` is the ASGI app that
``server.create_app`` mounts at ``/graphql``.
"""

from server.graphql._context import Context
from server.graphql._errors import GraphQLInputError, LimitError
from server.graphql._http import GraphQLApp, PrincipalOf, anonymous
from server.graphql._limits import GraphQLLimits
from server.graphql._schema import schema

__all__ = [
    "Context",
    "GraphQLApp",
    "GraphQLInputError",
    "GraphQLLimits",
    "LimitError",
    "PrincipalOf",
    "anonymous",
    "schema",
]
