"""The lean path of ``POST /graphql``: a plain JSON query that passed the guards, run directly.

Per request, strawberry's view and ``Schema.execute`` build a request adapter,
a sub-response, an execution context, a runner for the extensions' hooks and
a middleware manager around graphql-core's ``execute``, and convert its result
twice: profiled, more CPU than reading one twin's live state. A request that
is none of the unusual kinds (see :func:`prepare`) and that passes the same
cached guards (:class:`~server.graphql._guards.Checks`: size, tokens, depth,
aliases, validation, cost) is executed here by graphql-core with the same
execution context class, context, variables and error masking, and its result
shaped as the view shapes it. Everything else, and every request the guards
refuse, goes to strawberry's view, which answers and words its errors as before.
Nothing is cached but the checks of a query text (as on the view's path).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeGuard, cast

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
)
from starlette.types import Scope
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.http import GraphQLHTTPResponse, process_result

from server.graphql._guards import masked
from server.graphql._schema import GuardedSchema
from server.graphql._tree import TreeExecutionContext

_IS_AWAITABLE = cast("Callable[[Any], TypeGuard[Awaitable[Any]]]", optimized_is_awaitable)
"""strawberry's check (a type's answer cached), which graphql-core asks of every value."""
_KEYS = frozenset({"query", "variables", "operationName"})
"""The request members the lean path takes; ``extensions`` (or anything else) goes to the view."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A query operation the guards let run, with its variables as the client sent them."""

    document: DocumentNode
    variables: dict[str, Any] | None
    operation_name: str | None


def _plain_headers(scope: Scope) -> bool:
    """A JSON body (``application/json``, any parameters), and no multipart answer asked for."""
    json_body = False
    for name, value in scope["headers"]:
        if name == b"content-type":
            json_body = value.split(b";", 1)[0].strip().lower() == b"application/json"
        elif name == b"accept" and b"multipart" in value:
            return False
    return json_body


def prepare(schema: GuardedSchema, scope: Scope, data: object) -> Prepared | None:
    """``data`` (the decoded JSON body of a POST) as an operation for :func:`run`, or ``None``
    when the view must answer: other headers, a batch, members other than ``query``,
    ``variables`` and ``operationName`` or of other types, an empty or unparsable
    query, no single operation chosen, a mutation or a subscription, or any guard's error.
    """
    if type(data) is not dict or not data.keys() <= _KEYS or not _plain_headers(scope):
        return None
    query = data.get("query")
    variables = data.get("variables")
    name = data.get("operationName")
    if type(query) is not str or not query:
        return None
    if (variables is not None and type(variables) is not dict) or (
        name is not None and type(name) is not str
    ):
        return None
    checks = schema.checks
    if checks.check(schema._schema, query, name, variables, None):  # the size alone
        return None
    try:
        document = checks.parse(query)
    except GraphQLError:
        return None
    operation = get_operation_ast(document, name)
    if operation is None or operation.operation is not OperationType.QUERY:
        return None
    if checks.check(schema._schema, query, name, variables, document):
        return None
    return Prepared(document, variables, name)


async def run(schema: GuardedSchema, prepared: Prepared, context: object) -> GraphQLHTTPResponse:
    """Execute ``prepared`` with ``context``: the response's members, internal errors masked."""
    try:
        result = execute(
            schema._schema,
            prepared.document,
            context_value=context,
            variable_values=prepared.variables,
            operation_name=prepared.operation_name,
            executor_class=TreeExecutionContext,
            is_awaitable=_IS_AWAITABLE,
        )
        if not isinstance(result, ExecutionResult):
            result = await result
    except Exception as error:  # as strawberry's execute: an error of the result, masked
        result = ExecutionResult(None, [GraphQLError(str(error), original_error=error)])
    if result.errors:
        result.errors = [masked(error) for error in result.errors]
    return process_result(result)
