"""Nested selections answered from what was read ahead, without graphql-core's per-field work.

graphql-core completes every field of every object on its own: resolve info,
argument coercion, the resolver wrapper, an awaitable check, the scalar's
serializer. For a tree of 1,134 twins selected by id, or 1,000 twins with
their ``signals(at:)``, that is most of a request's CPU. When a
``TwinConnection`` or a twin is to be completed and everything selected below
it is ``id``, ``__typename``, ``children(first, after)`` of levels already read
(``Loaders.known_children``), ``signals`` already read for the twin's list
(``ready_signals``) with their fields, ``totalCount``, ``pageInfo``, ``nodes``
or ``edges { cursor node }``, :class:`TreeExecutionContext` builds the result
directly, with graphql-core's own field collection (aliases, fragments,
``@skip``/``@include``), argument coercion and scalar serializers. Anything
else (another field, a level not read yet, an argument error, ``@defer``)
leaves the object to graphql-core unchanged, which then answers (or reports
the error) as always.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path
from graphql.type import GraphQLResolveInfo
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from server.graphql._connection import PageInfo, TwinConnection, TwinEdge, connection
from server.graphql._pages import encode_cursor, slice_page
from server.graphql._signal import Signal
from server.graphql._twin import TwinType, ready_signals, twin_ref

Result = dict[str, Any]


class _UnsupportedError(Exception):
    """Something below is not a plain tree of ids: graphql-core completes it."""


_SUPPORTED: dict[type, frozenset[str]] = {
    TwinType: frozenset({"__typename", "id", "children", "signals"}),
    TwinConnection: frozenset({"__typename", "totalCount", "pageInfo", "nodes", "edges"}),
    PageInfo: frozenset(
        {"__typename", "hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}
    ),
    TwinEdge: frozenset({"__typename", "cursor", "node"}),
    Signal: frozenset({"__typename", "name", "value", "unit", "time", "quality", "batch"}),
}
"""What this completion answers, per object; any other field leaves it to graphql-core."""
_ATTRIBUTES = {
    "hasNextPage": "has_next_page",
    "hasPreviousPage": "has_previous_page",
    "startCursor": "start_cursor",
    "endCursor": "end_cursor",
    "totalCount": "total_count",
}
"""GraphQL names of plain attributes that differ from their Python names."""


class TreeExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._args: dict[int, tuple[FieldNode, dict[str, Any]]] = {}

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Result]:
        if type(result) is TwinConnection or type(result) is TwinType:
            try:
                return self._object(return_type, field_details_list, result)
            except _UnsupportedError:
                pass
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _object(self, kind: GraphQLObjectType, details: FieldDetailsList, value: Any) -> Result:
        grouped, deferred, _ = self.collect_subfields(kind, details)
        supported = _SUPPORTED.get(type(value))
        if deferred or supported is None:
            raise _UnsupportedError
        groups = [(r, g, g[0].node.name.value) for r, g in grouped.items()]
        if any(name not in supported for _, _, name in groups):
            raise _UnsupportedError
        out: Result = {}
        for response_name, group, name in groups:
            if name == "__typename":
                out[response_name] = kind.name
            elif name in ("children", "signals"):
                out[response_name] = self._read_ahead(kind, name, group, value)
            elif name in ("pageInfo", "nodes", "edges", "node"):
                out[response_name] = self._below(kind, name, group, value)
            else:
                field = kind.fields[name].type
                out[response_name] = _leaf(field, getattr(value, _ATTRIBUTES.get(name, name)))
        return out

    def _read_ahead(
        self, kind: GraphQLObjectType, name: str, group: FieldDetailsList, twin: TwinType
    ) -> Any:
        """A twin's ``children`` or ``signals`` from what was read ahead for its level."""
        context = self.context_value
        field = kind.fields[name]
        ready: list[Signal] | TwinConnection | None = None
        try:
            args = self._arguments(field, group)
            if name == "signals":
                ready = ready_signals(context, twin, args.get("names"), args.get("at"))
            else:
                known = context.loaders.known_children.get(twin.id)
                if known is not None:
                    page = slice_page(known, args.get("first"), args.get("after"), context.limits)
                    ready = connection(page)
        except Exception as error:  # the resolver reports it, as without this path
            raise _UnsupportedError from error
        if ready is None:
            raise _UnsupportedError
        inner = _object_type(field.type)
        if isinstance(ready, list):
            return [self._object(inner, group, s) for s in ready]
        return self._object(inner, group, ready)

    def _arguments(self, field: GraphQLField, group: FieldDetailsList) -> dict[str, Any]:
        """A field's coerced arguments, once per field node of the operation (its twins all
        get the same ones: the variables do not change during an execution)."""
        node = group[0].node
        held = self._args.get(id(node))  # the node is kept: its id stays its own
        if held is None:
            held = (node, get_argument_values(field, node, self.variable_values))
            self._args[id(node)] = held
        return held[1]

    def _below(
        self, kind: GraphQLObjectType, name: str, group: FieldDetailsList, value: Any
    ) -> Any:
        inner = _object_type(kind.fields[name].type)
        if name == "pageInfo":
            return self._object(inner, group, value.page_info)
        if name == "node":
            return self._object(inner, group, value.node)
        twins = [twin_ref(t) for t in value.page.ids]
        if name == "nodes":
            return [self._object(inner, group, t) for t in twins]
        edges = [TwinEdge(cursor=encode_cursor(t.id), node=t) for t in twins]
        return [self._object(inner, group, e) for e in edges]


def _leaf(of: GraphQLOutputType, value: Any) -> Any:
    """``value`` serialized as graphql-core would for a scalar field of type ``of``."""
    if isinstance(of, GraphQLNonNull):
        if value is None:
            raise _UnsupportedError  # graphql-core reports the null
        of = of.of_type
    if value is None:
        return None
    if not isinstance(of, GraphQLScalarType):
        raise _UnsupportedError
    try:
        return of.serialize(value)
    except Exception as error:  # graphql-core reports it at the field
        raise _UnsupportedError from error


def _object_type(of: Any) -> GraphQLObjectType:
    """The object type inside non-null and list wrappers."""
    while not isinstance(of, GraphQLObjectType):
        of = of.of_type
    return of
