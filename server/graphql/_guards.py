"""The guards every operation passes: size, depth, tokens, aliases, cost; masked internals.

Validation and limit errors stay readable; an error raised while resolving is
shown only when it is a :class:`GraphQLInputError` (or a store's refusal of
bad input), and masked as "Internal server error." otherwise.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    validate,
)
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)

import ontology
from server.graphql._cost import operation_cost
from server.graphql._errors import GraphQLInputError
from server.graphql._limits import GraphQLLimits

MASKED = "Internal server error."
PARSER_CACHE = 1000
VALIDATION_CACHE = 1000
LOG = logging.getLogger("twinweave.graphql")
_READABLE = (GraphQLInputError, ontology.InvalidError)


def should_mask(error: GraphQLError) -> bool:
    """Mask what went wrong inside; keep what the caller can fix."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return not isinstance(original, _READABLE)


class _Masking(MaskErrors):
    """Masks internal errors; the server log keeps what the caller is not shown."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        LOG.error("internal error at %s", error.path, exc_info=original)
        return super().anonymise_error(error)


def _limit_error(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "LIMIT_EXCEEDED"})


@functools.lru_cache(maxsize=VALIDATION_CACHE)
def _validated(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> tuple[GraphQLError, ...]:
    """Validation errors of a document (cached: parsed documents are cached by query text)."""
    return tuple(validate(schema, document, rules))


@functools.lru_cache(maxsize=VALIDATION_CACHE)
def _cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    ints: tuple[tuple[str, int], ...],
    default_page: int,
    max_page: int,
) -> int | None:
    """The static cost of the chosen operation (``None``: no such operation).

    Cached per parsed document and the integer variables (the only ones the
    cost reads: a variable ``first``), so a repeated query is weighed once.
    """
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    if not chosen:
        return None
    return operation_cost(schema, chosen[0], fragments, dict(ints), default_page, max_page)


class CostLimit(SchemaExtension):
    """Refuses a query text over the size limit or an operation over the cost limit."""

    def __init__(self, *, limits: GraphQLLimits) -> None:
        self.limits = limits

    def on_validate(self) -> Iterator[None]:
        # set even when empty: strawberry then skips its own (second) validation
        self.execution_context.pre_execution_errors = self._check()
        yield

    def _check(self) -> list[GraphQLError]:
        context = self.execution_context
        size = len((context.query or "").encode())
        if size > self.limits.max_query_bytes:
            msg = f"query: {size} bytes; the limit is {self.limits.max_query_bytes}"
            return [_limit_error(msg)]
        document = context.graphql_document
        if document is None:
            return []
        graphql_schema = context.schema._schema
        errors = _validated(graphql_schema, document, tuple(context.validation_rules))
        if errors:
            return list(errors)
        variables = context.variables or {}
        ints = tuple(sorted((k, v) for k, v in variables.items() if isinstance(v, int)))
        cost = _cost(
            graphql_schema,
            document,
            context.operation_name,
            ints,
            self.limits.default_page,
            self.limits.max_page,
        )
        if cost is not None and cost > self.limits.max_cost:
            msg = (
                f"query cost: {cost} is over the limit {self.limits.max_cost} "
                "(list fields weigh first times what they select); ask for smaller pages"
            )
            return [_limit_error(msg)]
        return []


def extensions(limits: GraphQLLimits) -> list[Callable[[], SchemaExtension]]:
    """Factories of the guards (fresh ones per operation), in the order they run."""
    # the depth and alias rules are made once, so validation results can be cached
    rules = [
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
    ]
    return [
        lambda: ParserCache(maxsize=PARSER_CACHE),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: AddValidationRules(rules),
        lambda: CostLimit(limits=limits),
        lambda: _Masking(should_mask_error=should_mask, error_message=MASKED),
    ]
