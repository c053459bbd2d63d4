"""Errors the GraphQL layer shows to callers as they are (never masked).

GraphQLInputError    an argument breaks a rule (names it, its value and what was expected)
  LimitError         a guard refused the request (depth, tokens, aliases, cost, size, page cap)
Everything else raised while resolving is an internal error and is masked.
"""

from __future__ import annotations

from server._errors import ServerError


class GraphQLInputError(ServerError):
    """An argument the caller can fix; the message names it, its value and what was expected."""

    code = "BAD_USER_INPUT"

    @property
    def extensions(self) -> dict[str, str]:
        """What GraphQL puts in the error's ``extensions`` (graphql-core reads it)."""
        return {"code": self.code}


class LimitError(GraphQLInputError):
    """A request over one of the server's limits."""

    code = "LIMIT_EXCEEDED"
