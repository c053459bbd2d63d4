"""An execution context whose ``info.async_helpers`` hold it weakly: no cycle per request.

graphql-core's executor keeps ``GraphQLResolveInfoHelpers(gather=self.gather_async_work,
track=self.track_async_work)``: the executor holds its own bound methods, a
reference cycle. Everything one request made hung off that cycle (the context,
its loaders, the starlette request, the variables), so none of it was freed
when the request ended: about 50 objects a request were left to the cycle
collector, which found them hundreds of thousands at a time in a 100 ms pause
(measured on the benchmark's server: about a quarter of the CPU of a
``{ __typename }`` request, and a pause every ~2,000 requests that every
request in flight waited for). These helpers reach the executor through a weak
reference, so refcounting frees a request's objects as soon as it is answered.
A copy (graphql-core's per-event and ``@defer`` sub-executors) gets helpers of its own.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Sequence
from typing import Any, Self

from graphql.execution.executor import Executor
from graphql.type import GraphQLResolveInfoHelpers
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from server._errors import ServerError


class ExecutionEndedError(ServerError):
    """``info.async_helpers`` was called after its operation's execution was freed (an internal
    error: masked like any other)."""


def weak_helpers(executor: Executor[Any]) -> GraphQLResolveInfoHelpers:
    """``executor``'s ``gather`` and ``track`` helpers, calling it through a weak reference."""
    ref = weakref.ref(executor)

    def alive() -> Executor[Any]:
        found = ref()
        if found is None:
            msg = (
                "info.async_helpers: called after the operation's execution ended; "
                "expected a call while the operation runs (from a resolver)"
            )
            raise ExecutionEndedError(msg)
        return found

    def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        return alive().gather_async_work(values)

    def track(values: Sequence[Any]) -> None:
        alive().track_async_work(values)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)


class WeakHelpersExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context with :func:`weak_helpers` (its copies too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = weak_helpers(self)

    def __copy__(self) -> Self:
        """What ``copy.copy`` makes of it (the same attributes), with helpers of its own."""
        other = object.__new__(type(self))
        other.__dict__.update(self.__dict__)
        other.async_helpers = weak_helpers(other)
        return other
