"""The guards every operation passes: size, depth, tokens, aliases, cost; masked internals.

Validation and limit errors stay readable; an error raised while resolving is
shown only when it is a :class:`GraphQLInputError` (or a store's refusal of
bad input), and masked as "Internal server error." otherwise.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    specified_rules,
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


def chosen_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    """The operation ``operation_name`` names (without one, the first), if there is one."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    return chosen[0] if chosen else None


class Checks:
    """One schema's cached checks: size, parsing, validation and static cost, per query text.

    Shared by the :class:`Guards` extension (strawberry's path) and the lean
    path of ``POST /graphql`` (``_lean.py``), so both hold a query to the same
    rules and share one cache.
    """

    def __init__(self, limits: GraphQLLimits) -> None:
        self.limits = limits
        # made once, so validation results can be cached; graphql-core's rules first,
        # as strawberry's execution context lists them, then the depth and alias rules
        self.rules: tuple[type[ASTValidationRule], ...] = (
            *specified_rules,
            *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
            *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
        )
        self.parse = functools.lru_cache(maxsize=PARSER_CACHE)(self._parse)
        self._errors = functools.lru_cache(maxsize=VALIDATION_CACHE)(self._uncached_errors)

    def _parse(self, query: str) -> DocumentNode:
        return parse(query, max_tokens=self.limits.max_tokens)

    def check(
        self,
        schema: GraphQLSchema,
        query: str,
        operation_name: str | None,
        variables: Mapping[str, object] | None,
        document: DocumentNode | None,
    ) -> tuple[GraphQLError, ...]:
        """The query text's size, then validation and cost (``()``: the operation may run)."""
        limit = self.limits.max_query_bytes
        # a character is at most 4 bytes in UTF-8: encode only when it may matter
        size = len(query) * 4 if len(query) * 4 <= limit else len(query.encode())
        if size > limit:
            return (_limit_error(f"query: {size} bytes; the limit is {limit}"),)
        if document is None:
            return ()
        ints = tuple(sorted((k, v) for k, v in (variables or {}).items() if type(v) is int))
        return self._errors(_Operation(query, operation_name, ints, document, schema))

    def _uncached_errors(self, operation: _Operation) -> tuple[GraphQLError, ...]:
        """The validation errors, else the cost error (``()``: the operation may run)."""
        schema = operation.schema
        errors = validate(schema, operation.document, self.rules)
        if errors:
            return tuple(errors)
        document = operation.document
        chosen = chosen_operation(document, operation.operation_name)
        if chosen is None:
            return ()
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        limits = self.limits
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


def masked(error: GraphQLError) -> GraphQLError:
    """``error`` as the caller sees it: an internal one logged and replaced by :data:`MASKED`
    (its place kept), a readable one as it is."""
    if not should_mask(error):
        return error
    LOG.error("internal error at %s", error.path, exc_info=error.original_error)
    return GraphQLError(
        MASKED,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
    )


class Guards(MaskErrors):
    """Every guard of an operation in one extension (each extension costs every request).

    Before parsing: the token limit. Parsing is cached per query text. At
    validation: the query text's size, then graphql-core's validation with the
    depth and alias rules and the static cost, cached per query text, operation
    and integer variables (:class:`Checks`). After the operation: internal
    errors masked (the server log keeps them), readable ones left as they are.
    """

    def __init__(self, *, checks: Checks) -> None:
        super().__init__(should_mask_error=should_mask, error_message=MASKED)
        self.limits = checks.limits
        self._checks = checks

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self.limits.max_tokens
        yield from super().on_operation()

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            context.graphql_document = self._checks.parse(context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        # set even when empty: strawberry then skips its own (second) validation
        context = self.execution_context
        errors = self._checks.check(
            context.schema._schema,
            context.query or "",
            context.operation_name,
            context.variables,
            context.graphql_document,
        )
        context.pre_execution_errors = list(errors)
        yield

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return [masked(error) for error in errors]

    def _process_result(self, result: object) -> None:
        # MaskErrors asks isinstance of a runtime-checkable Protocol here (slow, every request)
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]


def extensions(checks: Checks) -> list[Callable[[], SchemaExtension]]:
    """The guards' factory (a fresh extension per operation; the caches are ``checks``')."""
    return [lambda: Guards(checks=checks)]
