"""Nested selections answered from what was read ahead, without graphql-core's per-field work.

graphql-core completes every field of every object on its own: resolve info,
argument coercion, the resolver wrapper, an awaitable check, the scalar's
serializer. For a tree of 1,134 twins selected by id, or 1,000 twins with
their ``signals(at:)``, that is most of a request's CPU. When a
``TwinConnection``, a twin or a list of twins (or of signals) is to be
completed and everything selected below it is ``id``, ``__typename``,
``children(first, after)`` of levels already read (``Loaders.known_children``),
``signals`` already read for the twin's list (``ready_signals``, or the columns
of ``signals(at:)``: ``RowsAt``) with their fields, ``totalCount``,
``pageInfo``, ``nodes`` or ``edges { cursor node }``, :class:`TreeExecutionContext`
builds the result directly, with graphql-core's own field collection (aliases,
fragments, ``@skip``/``@include``), argument coercion and scalar coercion.

Each selection is compiled into a plan (one step per response field,
arguments coerced once), then applied to every object it selects on. A plan
whose selection reads no variable (nor fragment variable) and no
``signals(at:)`` depends on nothing but the query text, so it is kept across
requests (:data:`SHARED_PLANS`, by the selection's field nodes: the parsed
document is cached per query text); the others are compiled once per
execution. A list of ``signals(at:)`` takes each selected field's values
from the list's columns, serialized once for the whole list.

A connection's ``nodes`` whose twins select nothing but ``id``,
``__typename`` and ``signals(names: [...], at:)`` without ``unit`` is
completed column by column (``_twin_columns``: no ``Twin`` object or plan step
per twin); when the page's rows are not read yet, the completion reads them
itself (``_FetchFirstError`` up to the connection's or twin's completion,
which awaits the read and completes the object again). Anything else
(another field, a level not read yet, an argument error, ``@defer``) leaves the
object, or the whole list, to graphql-core unchanged, which then answers (or
reports the error) as always.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from graphql import (
    DocumentNode,
    Executor,
    FieldNode,
    GraphQLBoolean,
    GraphQLError,
    GraphQLField,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    Node,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.values import get_argument_values
from graphql.pyutils import AwaitableOrValue, Path
from graphql.type import GraphQLResolveInfo

from server.graphql._async_helpers import WeakHelpersExecutionContext
from server.graphql._connection import PageInfo, TwinConnection, TwinEdge, connection
from server.graphql._pages import encode_cursor, slice_page
from server.graphql._rows_at import SIGNAL_FIELDS, RowsAt
from server.graphql._signal import Signal
from server.graphql._text_lists import held, restore
from server.graphql._twin import TwinType, ready_signals, twin_ref, twin_type
from server.graphql._twin_columns import (
    objects,
    regular_signal_lists,
    rows_of,
    same_rows,
    signal_lists,
)
from server.graphql._variables import FragmentOf, reads_variables

Result = dict[str, Any]
Step = Callable[["TreeExecutionContext", Any], Any]
"""One response field of an object: the execution and the object in, the field's
completed value out."""
Plan = list[tuple[str, Step]]
"""A selection on one object type, compiled: each response name and its step."""
Columns = list[tuple[str, list[Any]]]
"""A selection on ``Signal`` over the rows of a ``RowsAt``: each response name's values."""
TwinColumns = Callable[["TreeExecutionContext", Sequence[str]], list[Result]]
"""A selection on ``Twin`` compiled for whole pages: the execution and the page's ids in,
its results out."""
ColumnStep = Callable[["TreeExecutionContext", Sequence[str]], list[Any]]
"""One response field of a page of twins: the execution and the ids in, the field's value
of each twin out."""


class _UnsupportedError(Exception):
    """Something below is not a plain tree of ids: graphql-core completes it."""


class _FetchFirstError(Exception):
    """A page's ``signals(at:)`` rows are not read yet: read them (``fetch``), then complete
    the object again."""

    def __init__(self, fetch: Callable[[], Awaitable[None]]) -> None:
        super().__init__("signals(at:) rows to read first")
        self.fetch = fetch


_SUPPORTED: dict[type, frozenset[str]] = {
    TwinType: frozenset({"__typename", "id", "children", "signals"}),
    TwinConnection: frozenset({"__typename", "totalCount", "pageInfo", "nodes", "edges"}),
    PageInfo: frozenset(
        {"__typename", "hasNextPage", "hasPreviousPage", "startCursor", "endCursor"}
    ),
    TwinEdge: frozenset({"__typename", "cursor", "node"}),
    Signal: frozenset({"__typename", *SIGNAL_FIELDS}),
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
SHARED_PLANS = 4096
"""The most plans kept across requests (all are dropped when full; the parser's cache
holds 1,000 query texts)."""
_shared: dict[tuple[GraphQLObjectType, tuple[int, ...], type], tuple[Any, Plan | None]] = {}
"""Plans that depend on the query text alone, by object type, field nodes (kept alive
with the plan, so their ids stay theirs) and Python class of the object."""
FETCH_ROUNDS = 4
"""At most this many reads of a page's rows, one after another, before an object is left
to graphql-core (a page below a page: each is read when the one above has been)."""
_TEXT = (GraphQLString, GraphQLID)
"""Scalars that give a ``str`` back as it is."""
_STR = frozenset({str})
_STR_OR_NONE = frozenset({str, type(None)})
"""The types of a column of text (without, or with, nulls)."""


class TreeExecutionContext(WeakHelpersExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Plans by object type, selection (its field details list, kept alive with
        # them so its id stays its own) and Python class of the object.
        self._plans: dict[tuple[GraphQLObjectType, int, type], tuple[Any, Plan | None]] = {}
        # Columns by the rows and the selection they answer (both kept alive).
        self._columns: dict[tuple[int, int], tuple[Any, Any, Columns | None]] = {}
        # Selections on a page's twins compiled column by column (selection kept alive).
        self._twin_plans: dict[tuple[GraphQLObjectType, int], tuple[Any, TwinColumns | None]] = {}
        # Set by a step that holds this request's state (its plan is not shared).
        self._request_bound = False

    @classmethod
    def build(
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        root_value: Any = None,
        context_value: Any = None,
        raw_variable_values: dict[str, Any] | None = None,
        operation_name: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> list[GraphQLError] | Executor[Any]:
        # Lists of ids or names among the variables are coerced in one step each
        # (``_text_lists``); graphql-core coerces the rest, and words every error.
        given, taken = held(schema, document, operation_name, raw_variable_values)
        built = super().build(
            schema, document, root_value, context_value, given, operation_name, *args, **kwargs
        )
        if taken and not isinstance(built, list):
            restore(built.variable_values, taken)
        return built

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
            except _FetchFirstError as first:
                return self._fetched(
                    first, return_type, field_details_list, info, path, result, position_context
                )
            except _UnsupportedError:
                pass
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    async def _fetched(
        self,
        first: _FetchFirstError,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Result:
        """The object completed directly once its pages' rows are read (a page below
        another is read when the one above has been, at most ``FETCH_ROUNDS`` reads);
        graphql-core's completion when a read fails (its resolvers read again and report
        the error as without this path) or something below is not plain after all."""
        for _ in range(FETCH_ROUNDS):
            try:
                await first.fetch()
            except Exception:  # the resolvers read again and report the error
                break
            try:
                return self._object(return_type, field_details_list, result)
            except _UnsupportedError:
                break
            except _FetchFirstError as then:  # another page below
                first = then
        completed = super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )
        if isinstance(completed, dict):
            return completed
        done: Result = await completed
        return done

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        # A resolver's list of twins (a page's nodes) or of signals: completed item
        # by item with one plan, or, if any item is not plain, by graphql-core. A list
        # of ids or names (e.g. signalsAt's twins) is its own answer when every item is
        # a str: graphql-core would complete and serialise each item in turn.
        if type(result) is list and result:
            of = return_type.of_type
            kind = of.of_type if isinstance(of, GraphQLNonNull) else of
            if kind in _TEXT and set(map(type, result)) <= (
                _STR if kind is not of else _STR_OR_NONE
            ):
                return list(result)
            if type(result[0]) in _SUPPORTED and isinstance(kind, GraphQLObjectType):
                try:
                    return self._list(kind, field_details_list, result)
                except (_UnsupportedError, _FetchFirstError):  # item by item: each may fetch
                    pass
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _list(
        self, kind: GraphQLObjectType, details: FieldDetailsList, items: list[Any]
    ) -> list[Result]:
        """Every item with the plan of the first one's class (all must be of it)."""
        cls = type(items[0])
        plan = self._plan(kind, details, cls)
        out: list[Result] = []
        for item in items:
            if type(item) is not cls:  # None included: graphql-core reports or completes it
                raise _UnsupportedError
            out.append({name: step(self, item) for name, step in plan})
        return out

    def _object(self, kind: GraphQLObjectType, details: FieldDetailsList, value: Any) -> Result:
        held = self._plans.get((kind, id(details), type(value)))  # _plan's first look, inline
        plan = held[1] if held is not None else None
        if plan is None:  # not compiled yet, or not plain (then _plan raises)
            plan = self._plan(kind, details, type(value))
        return {name: step(self, value) for name, step in plan}

    def _plan(self, kind: GraphQLObjectType, details: FieldDetailsList, cls: type) -> Plan:
        key = (kind, id(details), cls)
        held = self._plans.get(key)
        if held is None:
            held = self._plans[key] = (details, self._shared_plan(kind, details, cls))
        if held[1] is None:
            raise _UnsupportedError
        return held[1]

    def _shared_plan(
        self, kind: GraphQLObjectType, details: FieldDetailsList, cls: type
    ) -> Plan | None:
        """The plan kept across requests for this selection, else one compiled now (and
        kept when it depends on the query text alone)."""
        nodes = tuple(d.node for d in details)
        key = (kind, tuple(map(id, nodes)), cls)
        held = _shared.get(key)
        if held is not None:
            return held[1]
        plan, shareable = self._compile(kind, details, cls)
        if (
            shareable
            and not any(d.fragment_variable_values for d in details)
            and not any(_selection_reads_variables(node, self._fragment) for node in nodes)
        ):
            if len(_shared) >= SHARED_PLANS:
                _shared.clear()
            _shared[key] = (nodes, plan)
        return plan

    def _fragment(self, name: str) -> Node | None:
        found = self.fragments.get(name)
        return found.definition if found is not None else None

    def _compile(
        self, kind: GraphQLObjectType, details: FieldDetailsList, cls: type
    ) -> tuple[Plan | None, bool]:
        """The plan of a selection on objects of ``cls`` (``None`` when graphql-core must
        complete them), and whether it may be kept across requests (no ``signals(at:)``:
        its steps hold the request's rows)."""
        grouped, deferred, _ = self.collect_subfields(kind, details)
        supported = _SUPPORTED.get(cls)
        if deferred or supported is None:
            return None, True
        plan: Plan = []
        self._request_bound = False
        for response_name, group in grouped.items():
            name = group[0].node.name.value
            if name not in supported:
                return None, True
            step = self._step(kind, name, group)
            if step is None:
                return None, True
            plan.append((response_name, step))
        return plan, not self._request_bound

    def _step(self, kind: GraphQLObjectType, name: str, group: FieldDetailsList) -> Step | None:
        if name == "__typename":
            typename = kind.name
            return lambda _ec, _value: typename
        field = kind.fields[name]
        if name == "children":
            return self._children(field, group)
        if name == "signals":
            return self._signals(field, group)
        if name in ("pageInfo", "nodes", "edges", "node"):
            return self._below(name, _object_type(field.type), group)
        return _leaf_step(field.type, _ATTRIBUTES.get(name, name))

    def _arguments(self, field: GraphQLField, group: FieldDetailsList) -> dict[str, Any] | None:
        """A field's coerced arguments (the same for every object of a plan: the variables
        do not change during an execution); ``None`` when they are wrong (the field's
        resolver reports it)."""
        try:
            return get_argument_values(field, group[0].node, self.variable_values)
        except Exception:  # graphql-core reports it at the field
            return None

    def _children(self, field: GraphQLField, group: FieldDetailsList) -> Step | None:
        """A twin's ``children`` from the levels read ahead (``known_children``)."""
        args = self._arguments(field, group)
        if args is None:
            return None
        first, after = args.get("first"), args.get("after")
        inner = _object_type(field.type)

        def children(ec: TreeExecutionContext, twin: TwinType) -> Result:
            context = ec.context_value
            ids = context.loaders.known_children.get(twin.id)
            if ids is None:
                raise _UnsupportedError
            try:
                page = slice_page(ids, first, after, context.limits)
            except Exception as error:  # the resolver reports it, as without this path
                raise _UnsupportedError from error
            return ec._object(inner, group, connection(page))

        return children

    def _signals(self, field: GraphQLField, group: FieldDetailsList) -> Step | None:
        """A twin's ``signals``: live ones read ahead for its list, or its rows of the
        list's ``signals(at:)`` columns."""
        args = self._arguments(field, group)
        if args is None:
            return None
        names, at = args.get("names"), args.get("at")
        inner = _object_type(field.type)
        if at is None:

            def live(ec: TreeExecutionContext, twin: TwinType) -> list[Result]:
                try:
                    ready = ready_signals(ec.context_value, twin, names, None)
                except Exception as error:  # the resolver reports it
                    raise _UnsupportedError from error
                if ready is None:
                    raise _UnsupportedError
                return [ec._object(inner, group, s) for s in ready]

            return live
        self._request_bound = True  # the request's loader and rows
        loader = self.context_value.signals_at
        if loader is None or not isinstance(at, datetime) or at.tzinfo is None:
            return None
        wanted = tuple(names) if names is not None else None
        when = at.astimezone(UTC)

        last: list[Any] = [None, None]  # the rows of the twin before, and their columns
        readies: dict[bool, Any] = {}  # the rows read ahead, by with_units: looked up once

        def signals_at(ec: TreeExecutionContext, twin: TwinType) -> list[Result]:
            with_units = twin.record is not None
            ready = readies.get(with_units)
            if ready is None:
                ready = readies[with_units] = loader.ready(wanted, when, with_units=with_units)
            got = ready.get(twin.id) if ready is not None else None
            if got is None:
                raise _UnsupportedError
            rows, mine = got
            if not mine:
                return []
            if rows is not last[0]:  # a list's twins share their rows: looked up once
                last[:] = rows, ec._signal_columns(inner, group, rows)
            columns: Columns = last[1]
            if len(columns) == 1:
                ((name, column),) = columns
                if len(mine) == 1:  # one signal asked for: no inner loop
                    return [{name: column[mine[0]]}]
                return [{name: column[i]} for i in mine]
            return [{name: column[i] for name, column in columns} for i in mine]

        return signals_at

    def _signal_columns(
        self, kind: GraphQLObjectType, group: FieldDetailsList, rows: RowsAt
    ) -> Columns:
        """The selection ``group`` on ``Signal`` over every row of ``rows``, each field's
        values serialized once for the whole list."""
        key = (id(rows), id(group))
        held = self._columns.get(key)
        if held is None:
            held = self._columns[key] = (rows, group, self._columns_of(kind, group, rows))
        if held[2] is None:
            raise _UnsupportedError
        return held[2]

    def _columns_of(
        self, kind: GraphQLObjectType, group: FieldDetailsList, rows: RowsAt
    ) -> Columns | None:
        grouped, deferred, _ = self.collect_subfields(kind, group)
        if deferred:
            return None
        columns: Columns = []
        try:
            for response_name, fields in grouped.items():
                name = fields[0].node.name.value
                if name == "__typename":
                    columns.append((response_name, [kind.name] * len(rows)))
                elif name in SIGNAL_FIELDS:
                    values = rows.column(name)
                    columns.append((response_name, _leaf_column(kind.fields[name].type, values)))
                else:
                    return None
        except _UnsupportedError:
            return None
        return columns

    def _below(self, name: str, inner: GraphQLObjectType, group: FieldDetailsList) -> Step:
        if name == "pageInfo":
            return lambda ec, value: ec._object(inner, group, value.page_info)
        if name == "node":
            return lambda ec, value: ec._object(inner, group, value.node)

        def twins(ec: TreeExecutionContext, ids: Sequence[str]) -> list[TwinType]:
            known = ec.context_value.loaders.known_twins  # records read ahead with signals
            return [twin_ref(t) if (r := known.get(t)) is None else twin_type(r) for t in ids]

        if name == "nodes":

            def nodes(ec: TreeExecutionContext, value: TwinConnection) -> list[Result]:
                ids = value.page.ids
                columns = ec._twin_columns(inner, group)
                if columns is not None:
                    return columns(ec, ids)
                found = twins(ec, ids)
                if not found:
                    return []
                plan = ec._plan(inner, group, TwinType)  # every one a TwinType: one plan
                return [{name: step(ec, t) for name, step in plan} for t in found]

            return nodes
        return lambda ec, value: [
            ec._object(inner, group, TwinEdge(cursor=encode_cursor(t.id), node=t))
            for t in twins(ec, value.page.ids)
        ]

    def _twin_columns(self, kind: GraphQLObjectType, group: FieldDetailsList) -> TwinColumns | None:
        """The selection ``group`` on a page's twins compiled column by column, when it needs
        nothing but their ids and their ``signals(at:)`` rows (``None`` otherwise)."""
        key = (kind, id(group))
        held = self._twin_plans.get(key)
        if held is None:
            held = self._twin_plans[key] = (group, self._compile_columns(kind, group))
        return held[1]

    def _compile_columns(
        self, kind: GraphQLObjectType, group: FieldDetailsList
    ) -> TwinColumns | None:
        grouped, deferred, _ = self.collect_subfields(kind, group)
        if deferred:
            return None
        steps: list[tuple[str, ColumnStep]] = []
        for response_name, fields in grouped.items():
            name = fields[0].node.name.value
            step: ColumnStep | None
            if name == "__typename":
                step = _constant(kind.name)
            elif name == "id":
                step = _id_column(kind.fields[name].type)
            elif name == "signals":
                step = self._signals_column(kind.fields[name], fields)
            else:
                return None
            if step is None:
                return None
            steps.append((response_name, step))

        def complete(ec: TreeExecutionContext, ids: Sequence[str]) -> list[Result]:
            columns: list[tuple[str, list[Any]]] = []
            fetches: list[Callable[[], Awaitable[None]]] = []
            for name, step in steps:
                try:
                    columns.append((name, step(ec, ids)))
                except _FetchFirstError as first:  # every read the page needs, at once
                    fetches.append(first.fetch)
            if fetches:
                raise _FetchFirstError(lambda: _together(fetches))
            return objects(columns)

        return complete

    def _signals_column(self, field: GraphQLField, group: FieldDetailsList) -> ColumnStep | None:
        """``signals(names: [...], at:)`` of a page's twins from their rows of the page's
        ``as_of`` read (read first when they are not yet): each twin's list, no ``Twin`` or
        ``Signal`` object. Only without ``unit`` (the twins' models are not read)."""
        loader = self.context_value.signals_at
        args = self._arguments(field, group)
        if loader is None or args is None:
            return None
        names, at = args.get("names"), args.get("at")
        if names is None or not isinstance(at, datetime) or at.tzinfo is None:
            return None
        inner = _object_type(field.type)
        grouped, deferred, _ = self.collect_subfields(inner, group)
        if deferred or any(f[0].node.name.value == "unit" for f in grouped.values()):
            return None
        wanted: tuple[str, ...] = tuple(names)
        when = at.astimezone(UTC)
        # the step is kept in this context's ``_twin_plans``: it takes the context as an
        # argument and holds none (a reference from it would make every request a reference
        # cycle, whose objects then wait for the cycle collector: its passes over a
        # 1,000-twin answer stalled requests)

        def fetch_for(ids: Sequence[str]) -> Callable[[], Awaitable[None]]:
            return lambda: loader.prefetch(ids, None, [(wanted, when)])

        def column(ec: TreeExecutionContext, ids: Sequence[str]) -> list[Any]:
            read = loader.read_of(wanted, when, ids)
            if read is not None:  # the page's own read: no rows per twin to look up
                rows = read.rows
                columns = ec._signal_columns(inner, group, rows)
                return regular_signal_lists(columns, rows.position, read.width, len(ids))
            ready = loader.ready(wanted, when, with_units=False)
            got = rows_of(ready, ids) if ready is not None else None
            if got is None:
                raise _FetchFirstError(fetch_for(ids))
            rows = same_rows(got)
            if rows is not None:  # the page's one read
                return signal_lists(ec._signal_columns(inner, group, rows), got)
            return [signal_lists(ec._signal_columns(inner, group, r), [(r, m)])[0] for r, m in got]

        return column


async def _together(fetches: Sequence[Callable[[], Awaitable[None]]]) -> None:
    """Every read at once (each time is its own ``as_of``); the first error once all ended."""
    for outcome in await asyncio.gather(*(f() for f in fetches), return_exceptions=True):
        if isinstance(outcome, BaseException):
            raise outcome


def _constant(value: str) -> ColumnStep:
    return lambda _ec, ids: [value] * len(ids)


def _id_column(of: GraphQLOutputType) -> ColumnStep | None:
    """A page's ``id`` column: its ids as they are (graphql-core's ``ID`` gives a ``str`` back
    unchanged), or each coerced when one is not a ``str``."""
    try:
        scalar, non_null = _scalar(of)
    except _UnsupportedError:
        return None

    def ids_of(_ec: TreeExecutionContext, ids: Sequence[str]) -> list[Any]:
        if scalar in _TEXT and set(map(type, ids)) <= _STR:
            return list(ids)
        return [_leaf(scalar, non_null, t) for t in ids]

    return ids_of


def _selection_reads_variables(node: FieldNode, fragment_of: FragmentOf) -> bool:
    """Whether what ``node`` selects reads a variable (its own arguments and directives
    were used above it: they do not change the plan of its selection)."""
    return node.selection_set is not None and reads_variables(node.selection_set, fragment_of)


def _scalar(of: GraphQLOutputType) -> tuple[GraphQLScalarType, bool]:
    """The scalar type of a leaf field, and whether it is non-null."""
    inner = of.of_type if isinstance(of, GraphQLNonNull) else of
    if not isinstance(inner, GraphQLScalarType):
        raise _UnsupportedError
    return inner, inner is not of


def _leaf(of: GraphQLScalarType, non_null: bool, value: Any) -> Any:
    """``value`` coerced as graphql-core would for a field of scalar type ``of``."""
    if value is None:
        if non_null:
            raise _UnsupportedError  # graphql-core reports the null
        return None
    if type(value) is str and of in _TEXT:
        return value
    try:
        coerced = of.coerce_output_value(value)
    except Exception as error:  # graphql-core reports it at the field
        raise _UnsupportedError from error
    if coerced is None:
        raise _UnsupportedError  # graphql-core reports it at the field
    return coerced


def _leaf_step(of: GraphQLOutputType, attribute: str) -> Step | None:
    try:
        scalar, non_null = _scalar(of)
    except _UnsupportedError:
        return None
    read = attrgetter(attribute)
    if scalar in _TEXT:  # an id or a name: a str is its own answer

        def text(_ec: TreeExecutionContext, value: Any) -> Any:
            got = read(value)
            return got if type(got) is str else _leaf(scalar, non_null, got)

        return text
    if scalar is GraphQLBoolean:  # a page's hasNextPage: a bool is its own answer

        def flag(_ec: TreeExecutionContext, value: Any) -> Any:
            got = read(value)
            return got if type(got) is bool else _leaf(scalar, non_null, got)

        return flag
    return lambda _ec, value: _leaf(scalar, non_null, read(value))


def _leaf_column(of: GraphQLOutputType, values: list[Any]) -> list[Any]:
    """A whole column of a leaf field's values, coerced as graphql-core would each: text
    as it is, a column without nulls by the scalar's coercion mapped over it (in C for a
    time), else value by value."""
    scalar, non_null = _scalar(of)
    if scalar in _TEXT and set(map(type, values)) <= (_STR if non_null else _STR_OR_NONE):
        return values
    if None not in values:
        try:
            coerced = list(map(scalar.coerce_output_value, values))
        except Exception:  # value by value: the one refused is reported
            coerced = None
        if coerced is not None and None not in coerced:
            return coerced
    return [_leaf(scalar, non_null, v) for v in values]


def _object_type(of: Any) -> GraphQLObjectType:
    """The object type inside non-null and list wrappers."""
    while not isinstance(of, GraphQLObjectType):
        of = of.of_type
    return of
