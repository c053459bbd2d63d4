"""Every write: authorized by the one Authorizer, run in a thread, errors made readable.

A twin the principal may not read is reported exactly as an unknown one
(``no twin 'x'``), so a write never reveals a hidden twin; a twin it may read
but not change is refused by name. Store refusals become readable errors
with a code: ``NOT_FOUND``, ``CONFLICT`` (an etag mismatch, an id that exists,
a model in use, a cycle), ``BAD_USER_INPUT`` or ``MODEL_INVALID`` (with the
DTDL diagnostics, line and column included).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import ontology
from ontology.access import Action
from server.graphql._context import Context
from server.graphql._errors import GraphQLInputError
from server.graphql._threads import in_thread

R = TypeVar("R")


class WriteError(GraphQLInputError):
    """A write the store or the authorizer refused; ``code`` says why."""

    def __init__(self, message: str, code: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.details = details

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, **self.details}


def _diagnostic(item: Any) -> dict[str, Any]:
    names = ("validation_id", "code", "message", "document", "line", "column", "severity")
    out = {_camel(n): getattr(item, n, None) for n in names}
    out["primaryId"] = getattr(item, "primary_id", None)
    out["property"] = getattr(item, "property", None)
    return out


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


async def _translate(ctx: Context, error: ontology.OntologyError) -> WriteError:
    if isinstance(error, ontology.ModelError):
        diagnostics = [_diagnostic(d) for d in error.diagnostics]
        return WriteError(str(error), "MODEL_INVALID", diagnostics=diagnostics)
    if isinstance(error, ontology.NotFoundError):
        return WriteError(str(error), "NOT_FOUND")
    if isinstance(error, ontology.CycleError):
        shown = await ctx.loaders.only_visible(list(error.path))
        msg = (
            "a contains edge would close a cycle through "
            + ", ".join(repr(t) for t in shown[:5])
            + "; the hierarchy must stay a DAG"
        )
        return WriteError(msg, "CONFLICT")
    if isinstance(error, ontology.ModelInUseError):
        shown = await ctx.loaders.only_visible(list(error.twins))
        msg = (
            f"model {error.dtmi!r} is used by {len(error.twins)} twin(s) and "
            f"{len(error.models)} model(s); visible users: "
            + (", ".join(repr(t) for t in shown[:5]) or "none")
        )
        return WriteError(msg, "CONFLICT")
    if isinstance(error, ontology.ConflictError):
        return WriteError(str(error), "CONFLICT")
    if isinstance(error, ontology.InvalidError):
        return WriteError(str(error), "BAD_USER_INPUT")
    raise error


async def writable(ctx: Context, ids: Sequence[str]) -> list[bool]:
    """May the principal change each of these twins (one authorizer call)?"""
    if not ids:
        return []
    decisions = await in_thread(ctx.authorizer.allowed, ctx.principal, Action.WRITE, list(ids))
    return [bool(d) for d in decisions]


async def authorize(
    ctx: Context,
    *,
    change: Sequence[str] = (),
    read: Sequence[str] = (),
    create: Sequence[str] = (),
) -> None:
    """Refuse unless the principal may change ``change`` and read ``read`` (existing twins)
    and may write ``create`` (new ids)."""
    both = list(dict.fromkeys([*change, *read]))
    visible = set(await ctx.loaders.only_visible(both))
    for twin_id in both:
        if twin_id not in visible:
            msg = f"no twin {twin_id!r}"
            raise WriteError(msg, "NOT_FOUND")
    written = [*change, *create]
    for twin_id, ok in zip(written, await writable(ctx, written), strict=True):
        if not ok:
            msg = f"principal {ctx.principal.name!r} may not change twin {twin_id!r}"
            raise WriteError(msg, "FORBIDDEN")


async def run(ctx: Context, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
    """``fn`` on a worker thread as the request's principal; store refusals made readable."""
    try:
        return await in_thread(fn, *args, principal=ctx.principal.name, **kwargs)
    except ontology.OntologyError as error:
        if isinstance(error, ontology.StoreUnavailableError):
            raise
        raise await _translate(ctx, error) from error
