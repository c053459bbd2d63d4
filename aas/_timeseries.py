"""A Time Series Data (IDTA 02008-1-1) submodel that points at the twin's history.

No samples are copied: Metadata names the record (UTC time plus one Property
per Telemetry, typed and with the Telemetry's semanticId) and one
LinkedSegment gives the history endpoint and the query (JSON: twin and
signals) that returns the samples.
"""

from __future__ import annotations

import json

from aas_core3_1 import types as t

import dtdl
from aas._idshort import IdShortScope
from aas._refs import global_ref
from aas._templates import (
    TIME_SERIES,
    TS_ENDPOINT,
    TS_LINKED_SEGMENT,
    TS_METADATA,
    TS_NAME,
    TS_QUERY,
    TS_RECORD,
    TS_SEGMENT_NAME,
    TS_SEGMENTS,
    TS_UTC_TIME,
)
from aas._xs import xs_type

XS = t.DataTypeDefXSD


def _record_type(schema: dtdl.Schema) -> t.DataTypeDefXSD:
    if isinstance(schema, dtdl.PrimitiveSchema):
        return xs_type(schema.name)
    if isinstance(schema, dtdl.EnumSchema):
        return xs_type(schema.value_schema.name)
    return XS.STRING


def _names(text: str) -> list[t.LangStringTextType]:
    return [t.LangStringTextType("en", name_text(text))]


def name_text(twin_id: str) -> str:
    """The text of Metadata.Name (the twin id, cut to the limit of a text)."""
    return twin_id[:1023]


def query_text(twin_id: str, telemetries: list[dtdl.Telemetry]) -> str:
    """The value of LinkedSegment.Query: the twin and its signals, as JSON."""
    return json.dumps({"twin": twin_id, "signals": [tm.name for tm in telemetries]})


NAME_PATH = ("submodelElements", 0, "value", 0, "value", 0, "text")
"""Where Metadata.Name's text is in the submodel's JSON (the fast export fills it per twin)."""
QUERY_PATH = ("submodelElements", 1, "value", 0, "value", 2, "value")
"""Where LinkedSegment.Query's value is in the submodel's JSON."""


def timeseries_submodel(
    twin_id: str, telemetries: list[dtdl.Telemetry], endpoint: str, submodel_id: str
) -> t.Submodel:
    scope = IdShortScope(("Time",))
    record: list[t.SubmodelElement] = [
        t.Property(XS.DATE_TIME, id_short="Time", semantic_id=global_ref(TS_UTC_TIME))
    ]
    record.extend(
        t.Property(
            _record_type(tm.schema), id_short=scope.claim(tm.name), semantic_id=global_ref(tm.id)
        )
        for tm in telemetries
    )
    query = query_text(twin_id, telemetries)
    metadata = t.SubmodelElementCollection(
        id_short="Metadata",
        semantic_id=global_ref(TS_METADATA),
        value=[
            t.MultiLanguageProperty(
                id_short="Name", semantic_id=global_ref(TS_NAME), value=_names(twin_id)
            ),
            t.SubmodelElementCollection(
                id_short="Record", semantic_id=global_ref(TS_RECORD), value=record
            ),
        ],
    )
    linked = t.SubmodelElementCollection(
        id_short="LinkedSegment",
        semantic_id=global_ref(TS_LINKED_SEGMENT),
        value=[
            t.MultiLanguageProperty(
                id_short="Name", semantic_id=global_ref(TS_SEGMENT_NAME), value=_names("history")
            ),
            t.Property(
                XS.STRING, id_short="Endpoint", semantic_id=global_ref(TS_ENDPOINT), value=endpoint
            ),
            t.Property(XS.STRING, id_short="Query", semantic_id=global_ref(TS_QUERY), value=query),
        ],
    )
    segments = t.SubmodelElementCollection(
        id_short="Segments", semantic_id=global_ref(TS_SEGMENTS), value=[linked]
    )
    return t.Submodel(
        submodel_id,
        id_short="TimeSeries",
        semantic_id=global_ref(TIME_SERIES),
        kind=t.ModellingKind.INSTANCE,
        submodel_elements=[metadata, segments],
    )
