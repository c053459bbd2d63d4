"""``Model``: one uploaded DTDL Interface, its text and its parsed contents."""

from __future__ import annotations

import json
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

import dtdl
import ontology
from server.graphql._context import Context
from server.graphql._typing import as_json, field


@strawberry.type(description="One element of a model's contents, as the DTDL parser read it.")
class Content:
    name: str
    kind: str = strawberry.field(
        description="Property, Telemetry, Relationship, Component or Command."
    )
    schema: str | None = strawberry.field(
        description="A primitive schema's name (double, string, ...) or the complex kind."
    )
    unit: str | None
    semantic_types: list[str]
    writable: bool
    target: str | None = strawberry.field(description="A Relationship's target model.")
    defined_in: str = strawberry.field(description="The model that declared it (via extends).")


def _schema_name(schema: dtdl.Schema | str | None) -> str | None:
    if schema is None or isinstance(schema, str):
        return schema
    return schema.name if isinstance(schema, dtdl.PrimitiveSchema) else schema.kind


def _content(item: dtdl.Content) -> Content:
    if isinstance(item, dtdl.Property | dtdl.Telemetry):
        return Content(
            name=item.name,
            kind=type(item).__name__,
            schema=_schema_name(item.schema),
            unit=item.unit,
            semantic_types=list(item.semantic_types),
            writable=isinstance(item, dtdl.Property) and item.writable,
            target=None,
            defined_in=item.defined_in,
        )
    target = item.target if isinstance(item, dtdl.Relationship) else None
    schema = item.schema if isinstance(item, dtdl.Component) else None
    writable = isinstance(item, dtdl.Relationship) and item.writable
    return Content(
        name=item.name,
        kind=type(item).__name__,
        schema=schema,
        unit=None,
        semantic_types=[],
        writable=writable,
        target=target,
        defined_in=item.defined_in,
    )


@strawberry.federation.type(
    name="Model", keys=["dtmi"], description="A DTDL Interface as uploaded (versions are kept)."
)
class ModelType:
    dtmi: strawberry.ID
    held: strawberry.Private[ontology.Model]

    @field("The JSON text of the document that defined it.")
    def text(self) -> str:
        return self.held.text

    @strawberry.field
    def uploaded_at(self) -> datetime:
        return self.held.uploaded_at

    @strawberry.field
    def uploaded_by(self) -> str:
        return self.held.uploaded_by

    @field("The document as JSON.")
    def document(self) -> JSON:
        return as_json(json.loads(self.held.text))

    @field("The models it extends, directly.")
    async def extends(self, info: strawberry.Info[Context, None]) -> list[str]:
        interface = await _interface(info.context, self.held.dtmi)
        return list(interface.extends) if interface else []

    @field("Its contents with those it inherits, as parsed.")
    async def contents(self, info: strawberry.Info[Context, None]) -> list[Content]:
        interface = await _interface(info.context, self.held.dtmi)
        if interface is None:
            return []
        return [_content(item) for item in interface.contents.values()]

    @classmethod
    async def resolve_reference(
        cls, info: strawberry.Info[Context, None], dtmi: strawberry.ID
    ) -> ModelType | None:
        return await model_by_dtmi(info.context, str(dtmi))


async def _interface(ctx: Context, dtmi: str) -> dtdl.Interface | None:
    model_set = await ctx.loaders.model_set()
    return model_set.interfaces.get(dtmi)


def model_type(held: ontology.Model) -> ModelType:
    return ModelType(dtmi=strawberry.ID(held.dtmi), held=held)


async def model_by_dtmi(ctx: Context, dtmi: str) -> ModelType | None:
    held = await ctx.loaders.model.load(dtmi)
    return model_type(held) if held is not None else None
