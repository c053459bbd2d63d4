"""A nested ``children`` selection of ids, completed without graphql-core's per-field work.

graphql-core completes every field of every object on its own: resolve info,
argument coercion, the resolver wrapper, an awaitable check, the scalar's
serializer. For a tree of 1,134 twins selected by id that is most of a
request's CPU. When a ``TwinConnection`` (or a twin known only by its id) is to
be completed and everything selected below it is ``id``, ``__typename``,
``children(first, after)`` with levels of children already read
(``Loaders.known_children``), ``totalCount``, ``pageInfo``, ``nodes`` or
``edges { cursor node }``, :class:`TreeExecutionContext` builds the result
directly, with graphql-core's own field collection (aliases, fragments,
``@skip``/``@include``) and argument coercion. Anything else (another field,
a level not read yet, an argument error, ``@defer``) leaves the subtree to
graphql-core unchanged, which then answers (or reports the error) as always.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLObjectType
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path
from graphql.type import GraphQLResolveInfo
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from server.graphql._connection import PageInfo, TwinConnection, TwinEdge, connection
from server.graphql._pages import encode_cursor, slice_page
from server.graphql._twin import TwinType, twin_ref

Result = dict[str, Any]


class _UnsupportedError(Exception):
    """Something below is not a plain tree of ids: graphql-core completes it."""


class TreeExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Result]:
        if type(result) is TwinConnection or (type(result) is TwinType and result.record is None):
            try:
                return self._object(return_type, field_details_list, result)
            except _UnsupportedError:
                pass
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _object(self, kind: GraphQLObjectType, details: FieldDetailsList, value: Any) -> Result:
        grouped, deferred, _ = self.collect_subfields(kind, details)
        if deferred:
            raise _UnsupportedError
        out: Result = {}
        for response_name, group in grouped.items():
            name = group[0].node.name.value
            if name == "__typename":
                out[response_name] = kind.name
            elif type(value) is TwinType:
                out[response_name] = self._twin_field(kind, name, group, value)
            elif type(value) is TwinConnection:
                out[response_name] = self._connection_field(kind, name, group, value)
            elif type(value) is PageInfo:
                out[response_name] = _page_info_field(name, value)
            elif type(value) is TwinEdge:
                out[response_name] = self._edge_field(kind, name, group, value)
            else:
                raise _UnsupportedError
        return out

    def _twin_field(
        self, kind: GraphQLObjectType, name: str, group: FieldDetailsList, twin: TwinType
    ) -> Any:
        if name == "id":
            return twin.id
        if name != "children":
            raise _UnsupportedError
        context = self.context_value
        known = context.loaders.known_children.get(twin.id)
        if known is None:
            raise _UnsupportedError
        field = kind.fields[name]
        try:
            args = get_argument_values(field, group[0].node, self.variable_values)
            page = slice_page(known, args.get("first"), args.get("after"), context.limits)
        except Exception as error:  # the resolver reports it, as without this path
            raise _UnsupportedError from error
        return self._object(_object_type(field.type), group, connection(page))

    def _connection_field(
        self, kind: GraphQLObjectType, name: str, group: FieldDetailsList, page: TwinConnection
    ) -> Any:
        if name == "totalCount":
            return page.total_count
        if name == "pageInfo":
            return self._object(_object_type(kind.fields[name].type), group, page.page_info)
        twins = [twin_ref(t) for t in page.page.ids]
        inner = _object_type(kind.fields[name].type)
        if name == "nodes":
            return [self._object(inner, group, t) for t in twins]
        if name == "edges":
            edges = [TwinEdge(cursor=encode_cursor(t.id), node=t) for t in twins]
            return [self._object(inner, group, e) for e in edges]
        raise _UnsupportedError

    def _edge_field(
        self, kind: GraphQLObjectType, name: str, group: FieldDetailsList, edge: TwinEdge
    ) -> Any:
        if name == "cursor":
            return edge.cursor
        if name == "node":
            return self._object(_object_type(kind.fields[name].type), group, edge.node)
        raise _UnsupportedError


def _page_info_field(name: str, info: PageInfo) -> Any:
    if name == "hasNextPage":
        return info.has_next_page
    if name == "hasPreviousPage":
        return info.has_previous_page
    if name == "startCursor":
        return info.start_cursor
    if name == "endCursor":
        return info.end_cursor
    raise _UnsupportedError


def _object_type(of: Any) -> GraphQLObjectType:
    """The object type inside non-null and list wrappers."""
    while not isinstance(of, GraphQLObjectType):
        of = of.of_type
    return of
