"""The root ``Mutation``: twins with etags, relationships, lifecycle, bulk upsert, models.

Every mutation asks the Authorizer first (see ``_writes``) and is written
with the request's principal, which the store records in its audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping

import strawberry
from strawberry.scalars import JSON

import ontology
from server.graphql import _writes as writes
from server.graphql._context import Context
from server.graphql._errors import GraphQLInputError, LimitError
from server.graphql._model import ModelType, model_type
from server.graphql._twin import AliasInput, Relationship, TwinType, twin_type
from server.graphql._typing import as_json, field

Info = strawberry.Info[Context, None]
MAX_UPSERT = 10_000
MAX_MODEL_TEXTS = 250
MAX_MODEL_CHARS = 1024 * 1024


@strawberry.input(description="A twin to create or upsert.")
class TwinInput:
    id: str
    model: str
    properties: JSON | None = None
    aliases: list[AliasInput] | None = None
    lifecycle: ontology.Lifecycle = ontology.Lifecycle.PROVISIONED


@strawberry.type(description="An input item a bulk operation refused, with the reason.")
class Rejection:
    key: str
    reason: str


@strawberry.type(description="The outcome of an idempotent bulk write.")
class BulkResult:
    created: int
    updated: int
    unchanged: int
    rejected: list[Rejection]


def _object(name: str, value: JSON | None) -> Mapping[str, ontology.JsonValue]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        msg = f"{name}: a JSON {type(value).__name__}; expected a JSON object"
        raise GraphQLInputError(msg)
    return value


def _spec(item: TwinInput, index: int | None = None) -> ontology.TwinSpec:
    where = "properties" if index is None else f"twins[{index}].properties"
    return ontology.TwinSpec(
        id=item.id,
        model=item.model,
        properties=_object(where, item.properties),
        aliases=tuple(ontology.Alias(a.namespace, a.value) for a in item.aliases or ()),
        lifecycle=item.lifecycle,
    )


@strawberry.type
class Mutation:
    @field("Create a twin; CONFLICT if the id exists.")
    async def create_twin(self, info: Info, twin: TwinInput) -> TwinType:
        ctx = info.context
        await writes.authorize(ctx, create=[twin.id])
        return twin_type(await writes.run(ctx, ctx.store.create_twin, _spec(twin)))

    @field("Merge properties into a twin (null removes one); CONFLICT if etag is stale.")
    async def update_twin(
        self, info: Info, id: strawberry.ID, properties: JSON, etag: str | None = None
    ) -> TwinType:
        ctx = info.context
        await writes.authorize(ctx, change=[str(id)])
        changes = _object("properties", properties)
        updated = await writes.run(ctx, ctx.store.update_twin, str(id), changes, etag=etag)
        return twin_type(updated)

    @field("Delete a twin with its aliases, signals and edges; returns its id.")
    async def delete_twin(
        self, info: Info, id: strawberry.ID, etag: str | None = None
    ) -> strawberry.ID:
        ctx = info.context
        await writes.authorize(ctx, change=[str(id)])
        await writes.run(ctx, ctx.store.delete_twin, str(id), etag=etag)
        return id

    @field("An explicit lifecycle operation (provisioned > active > passive > retired).")
    async def set_lifecycle(
        self, info: Info, id: strawberry.ID, to: ontology.Lifecycle
    ) -> TwinType:
        ctx = info.context
        await writes.authorize(ctx, change=[str(id)])
        return twin_type(await writes.run(ctx, ctx.store.set_lifecycle, str(id), to))

    @field("Add a relationship source -[name]-> target, checked against the source's model.")
    async def relate(
        self,
        info: Info,
        source: strawberry.ID,
        name: str,
        target: strawberry.ID,
        properties: JSON | None = None,
    ) -> Relationship:
        ctx = info.context
        await writes.authorize(ctx, change=[str(source)], read=[str(target)])
        edge = ontology.Edge(str(source), name, str(target), _object("properties", properties))
        result = await writes.run(ctx, ctx.store.add_edges, [edge])
        if result.rejected:
            raise writes.WriteError(result.rejected[0].reason, "BAD_USER_INPUT")
        return Relationship(name=name, properties=as_json(dict(edge.properties)), edge=edge)

    @field("Remove the relationship source -[name]-> target; returns true.")
    async def unrelate(
        self, info: Info, source: strawberry.ID, name: str, target: strawberry.ID
    ) -> bool:
        ctx = info.context
        await writes.authorize(ctx, change=[str(source)], read=[str(target)])
        await writes.run(ctx, ctx.store.remove_edge, str(source), name, str(target))
        return True

    @field("Idempotent bulk create-or-replace; refused items come back with reasons.")
    async def upsert_twins(self, info: Info, twins: list[TwinInput]) -> BulkResult:
        ctx = info.context
        if len(twins) > MAX_UPSERT:
            msg = f"twins: {len(twins)} items; at most {MAX_UPSERT} per call"
            raise LimitError(msg)
        allowed = await writes.writable(ctx, [t.id for t in twins])
        denied = [
            Rejection(key=t.id, reason=f"principal {ctx.principal.name!r} may not change it")
            for t, ok in zip(twins, allowed, strict=True)
            if not ok
        ]
        specs = [_spec(t, i) for i, (t, ok) in enumerate(zip(twins, allowed, strict=True)) if ok]
        result = (
            await writes.run(ctx, ctx.store.upsert_twins, specs) if specs else ontology.BulkResult()
        )
        return BulkResult(
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            rejected=denied + [Rejection(key=r.key, reason=r.reason) for r in result.rejected],
        )

    @field("Upload DTDL models (validated together with those held); MODEL_INVALID lists why.")
    async def upload_models(self, info: Info, texts: list[str]) -> list[ModelType]:
        ctx = info.context
        if not texts or len(texts) > MAX_MODEL_TEXTS:
            msg = f"texts: {len(texts)} documents; expected 1 to {MAX_MODEL_TEXTS}"
            raise LimitError(msg)
        for i, text in enumerate(texts):
            if len(text) > MAX_MODEL_CHARS:
                msg = f"texts[{i}]: {len(text)} characters; the limit is {MAX_MODEL_CHARS}"
                raise LimitError(msg)
        models = await writes.run(ctx, ctx.store.add_models, texts)
        return [model_type(m) for m in models]
