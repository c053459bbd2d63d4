"""The guards every operation passes: size, depth, tokens, aliases, cost; masked internals.

Validation and limit errors stay readable; an error raised while resolving is
shown only when it is a :class:`GraphQLInputError` (or a store's refusal of
bad input), and masked as "Internal server error." otherwise.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    validate,
)
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
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


def _limit_error(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "LIMIT_EXCEEDED"})


@dataclass(frozen=True, slots=True)
class _Operation:
    """What the checks of one operation depend on; the parsed document rides along.

    Hashed and compared by the query text (its hash is cached by the string),
    not by the document: graphql-core hashes a document by walking all of it.
    The text decides the document (parsed with the same limits), so the first
    document seen for a text stands for every later one.
    """

    query: str
    operation_name: str | None
    ints: tuple[tuple[str, int], ...]
    """The integer variables (the only ones the cost reads: a variable ``first``)."""
    document: DocumentNode = field(compare=False, hash=False)
    schema: GraphQLSchema = field(compare=False, hash=False)
    rules: tuple[type[ASTValidationRule], ...] = field(compare=False, hash=False)


def _chosen(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    return chosen[0] if chosen else None


class _Checks:
    """One schema's cached checks: parsing, validation and static cost, per query text."""

    def __init__(self, limits: GraphQLLimits) -> None:
        self._limits = limits
        self.parse = functools.lru_cache(maxsize=PARSER_CACHE)(self._parse)
        self.errors = functools.lru_cache(maxsize=VALIDATION_CACHE)(self._errors)

    def _parse(self, query: str) -> DocumentNode:
        return parse(query, max_tokens=self._limits.max_tokens)

    def _errors(self, operation: _Operation) -> tuple[GraphQLError, ...]:
        """The validation errors, else the cost error (``()``: the operation may run)."""
        schema = operation.schema
        errors = validate(schema, operation.document, operation.rules)
        if errors:
            return tuple(errors)
        document = operation.document
        chosen = _chosen(document, operation.operation_name)
        if chosen is None:
            return ()
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        limits = self._limits
        cost = operation_cost(
            schema, chosen, fragments, dict(operation.ints), limits.default_page, limits.max_page
        )
        if cost > limits.max_cost:
            msg = (
                f"query cost: {cost} is over the limit {limits.max_cost} "
                "(list fields weigh first times what they select); ask for smaller pages"
            )
            return (_limit_error(msg),)
        return ()


class Guards(MaskErrors):
    """Every guard of an operation in one extension (each extension costs every request).

    Before parsing: the token limit, and the depth and alias rules added to
    validation. Parsing is cached per query text. At validation: the query
    text's size, then graphql-core's validation and the static cost, cached per
    query text, operation and integer variables. After the operation: internal
    errors masked (the server log keeps them), readable ones left as they are.
    """

    def __init__(
        self, *, limits: GraphQLLimits, rules: tuple[type[ASTValidationRule], ...], checks: _Checks
    ) -> None:
        super().__init__(should_mask_error=should_mask, error_message=MASKED)
        self.limits = limits
        self._rules = rules
        self._checks = checks

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.limits.max_tokens
        context.validation_rules = context.validation_rules + self._rules
        yield from super().on_operation()

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            context.graphql_document = self._checks.parse(context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        # set even when empty: strawberry then skips its own (second) validation
        self.execution_context.pre_execution_errors = self._check()
        yield

    def _check(self) -> list[GraphQLError]:
        context = self.execution_context
        query = context.query or ""
        limit = self.limits.max_query_bytes
        # a character is at most 4 bytes in UTF-8: encode only when it may matter
        size = len(query) * 4 if len(query) * 4 <= limit else len(query.encode())
        if size > limit:
            return [_limit_error(f"query: {size} bytes; the limit is {limit}")]
        document = context.graphql_document
        if document is None:
            return []
        variables = context.variables or {}
        ints = tuple(sorted((k, v) for k, v in variables.items() if type(v) is int))
        operation = _Operation(
            query,
            context.operation_name,
            ints,
            document,
            context.schema._schema,
            tuple(context.validation_rules),
        )
        return list(self._checks.errors(operation))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        LOG.error("internal error at %s", error.path, exc_info=original)
        return super().anonymise_error(error)

    def _process_result(self, result: object) -> None:
        # MaskErrors asks isinstance of a runtime-checkable Protocol here (slow, every request)
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]


def extensions(limits: GraphQLLimits) -> list[Callable[[], SchemaExtension]]:
    """The guards' factory (a fresh extension per operation; the caches are the schema's)."""
    # the depth and alias rules are made once, so validation results can be cached
    rules = (
        *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
    )
    checks = _Checks(limits)
    return [lambda: Guards(limits=limits, rules=rules, checks=checks)]
