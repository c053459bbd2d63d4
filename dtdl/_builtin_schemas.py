"""Complex schemas that DTDL and IoT Central define for models to use by name.

- The geospatial schemas (``point``, ``multiPoint``, ``lineString``, ``multiLineString``,
  ``polygon``, ``multiPolygon``; ``dtmi:standard:schema:geospatial:*``) are GeoJSON Objects
  whose ``coordinates`` field is an Array of positions (nested Arrays for the multi- and
  polygon kinds), so a DTDL v2 Property may not use them: v2 allows no Array anywhere in
  a Property's schema.
- IoT Central's v2 context (``dtmi:iotcentral:context;2``) defines two schemas, both Objects
  of three ``double`` Fields and no Array: ``geopoint`` (``lon``, ``lat``, ``alt``;
  ``dtmi:iotcentral:schema:geopoint;2``, what the semantic type ``Location`` accepts beside
  the geospatial schemas) and ``vector`` (``x``, ``y``, ``z``;
  ``dtmi:iotcentral:schema:vector;2``, what ``AccelerationVector`` and ``VelocityVector``
  require). They may appear wherever a schema may, a v2 Property included.
"""

from __future__ import annotations

from dtdl._schemas import Field, ObjectSchema, PrimitiveSchema

GEOSPATIAL_PREFIX = "dtmi:standard:schema:geospatial:"
IOTCENTRAL_OBJECTS: dict[str, tuple[str, ...]] = {
    "dtmi:iotcentral:schema:geopoint;2": ("lon", "lat", "alt"),
    "dtmi:iotcentral:schema:vector;2": ("x", "y", "z"),
}
"""IoT Central's Objects: id -> the names of their Fields, each a ``double``."""
IOTCENTRAL_FIELD_SCHEMA = "double"


def holds_array(ident: str) -> bool:
    """Whether the built-in schema ``ident`` has an Array inside it (the geospatial ones)."""
    return ident.startswith(GEOSPATIAL_PREFIX)


def field_id(object_id: str, name: str) -> str:
    """The id IoT Central gives a Field of its Objects (``...:geopoint:lat;2``)."""
    body, _, version = object_id.partition(";")
    return f"{body}:{name};{version}"


def iotcentral_object(ident: str) -> ObjectSchema | None:
    """The typed ObjectSchema of IoT Central's ``geopoint`` or ``vector`` (None for others)."""
    names = IOTCENTRAL_OBJECTS.get(ident)
    if names is None:
        return None
    double = PrimitiveSchema(IOTCENTRAL_FIELD_SCHEMA, "dtmi:dtdl:instance:Schema:double;2")
    fields = tuple(Field(field_id(ident, name), name, double) for name in names)
    return ObjectSchema(ident, fields)
