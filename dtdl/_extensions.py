"""Language extensions: the contexts DTDL v2/v3 accept and the co-types they define.

Written from the extension specifications (QuantitativeTypes, Historization,
Annotation, Overriding, MQTT, Requirement) and the IoT Central v2 context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from dtdl._units import SEMANTIC_TYPES, UNITS
from dtdl._vocab import GEOSPATIAL as GEO
from dtdl._vocab import Prop


@dataclass(frozen=True)
class Cotype:
    """A supplemental type: which material classes it may co-type, what it adds."""

    name: str
    on: tuple[str, ...]
    props: dict[str, Prop] = field(default_factory=dict)
    cocotypes: tuple[str, ...] = ()
    unit_type: str | None = None  # semantic types: the unit type of ``unit``
    schema_types: tuple[str, ...] = ()  # required class of ``schema`` (Transparent -> Object)
    schema_values: tuple[str, ...] = ()  # or required ``schema`` terms (Location -> point, ...)
    versions: tuple[int, ...] = (3,)
    prefix: str = ""  # IRI prefix of its properties, as diagnostics name them
    discotypes: tuple[str, ...] = ()  # co-types it may not be combined with
    parent_cotypes: tuple[str, ...] = ()  # the element holding it in 'fields' needs one of these
    sole_among_siblings: bool = False  # no sibling in 'fields' may carry the same co-type
    schema_cotypes: tuple[str, ...] = ()  # ``schema`` must be an element with one of these
    abstract: bool = False


@dataclass(frozen=True)
class Extension:
    context: str
    versions: tuple[int, ...]
    cotypes: dict[str, Cotype]
    value_terms: frozenset[str] = frozenset()
    reserved_prefixes: tuple[str, ...] = ()
    """Id prefixes that documents using this context may not define (IoT Central's own)."""

    @property
    def property_terms(self) -> frozenset[str]:
        return frozenset(p for c in self.cotypes.values() for p in c.props)


QT_ENUM = "dtmi:dtdl:extension:quantitativeTypes:v1:enum:"
_TOPIC = re.compile(
    r"^(?:(?:[!%-*,-.0-z|~][!$-*,-.0-z|~]*)|(?:{(?:[A-Za-z]+:)?[A-Za-z]+}))"
    r"(?:/(?:(?:[!$-*,-.0-z|~]+)|(?:{(?:[A-Za-z]+:)?[A-Za-z]+})))*$"
)
_GROUP = re.compile(r"^[!$-*,-.0-z|~]+$")
_PT = ("Property", "Telemetry")


def semantic_cotypes(version: int) -> dict[str, Cotype]:
    on = (
        _PT
        if version == 2
        else ("CommandRequest", "CommandResponse", "Field", "MapValue", "Property", "Telemetry")
    )
    return {
        name: Cotype(
            name,
            on,
            {"unit": Prop("unit", min=1, max=1)},
            unit_type=unit_type,
            schema_types=("NumericSchema",),
            versions=(version,),
        )
        for name, unit_type in SEMANTIC_TYPES[version].items()
    }


def _mqtt(version: int) -> dict[str, Cotype]:
    mqtt_props = {
        "payloadFormat": Prop("string", min=1, max=1),
        "telemetryTopic": Prop("string", max=1, pattern=_TOPIC),
        "commandTopic": Prop("string", max=1, pattern=_TOPIC),
    }
    if version >= 2:
        mqtt_props["telemServiceGroupId"] = Prop("string", max=1, pattern=_GROUP)
        mqtt_props["cmdServiceGroupId"] = Prop("string", max=1, pattern=_GROUP)
    cotypes = {
        "Mqtt": Cotype("Mqtt", ("Interface",), mqtt_props),
        "Idempotent": Cotype("Idempotent", ("Command",)),
        "Cacheable": Cotype(
            "Cacheable",
            ("Command",),
            {"ttl": Prop("duration", min=1, max=1)},
            cocotypes=("Idempotent",),
        ),
        "Indexed": Cotype(
            "Indexed",
            ("EnumValue", "Field", "Telemetry"),
            {"index": Prop("integer", min=1, max=1, min_value=1)},
        ),
    }
    if version >= 2:
        cotypes["Transparent"] = Cotype(
            "Transparent", ("CommandRequest", "CommandResponse"), schema_types=("Object",)
        )
    if version >= 4:
        mqtt_props["propertyTopic"] = Prop("string", max=1, pattern=_TOPIC)
        field = ("Field",)
        cotypes["Indexed"] = replace(cotypes["Indexed"], on=(*cotypes["Indexed"].on, "Property"))
        cotypes["Fragmented"] = Cotype("Fragmented", ("Property",), schema_types=("Map",))
        cotypes["PropertyResult"] = Cotype("PropertyResult", ("Object",))
        for name in (
            "PropertyValue",
            "ReadError",
            "WriteError",
            "ErrorCode",
            "ErrorInfo",
            "Indirect",
        ):
            cotypes[name] = Cotype(name, field)
    if version >= 3:
        cotypes["Error"] = Cotype("Error", ("Object",))
        cotypes["Result"] = Cotype("Result", ("Object",))
        cotypes["ErrorMessage"] = Cotype(
            "ErrorMessage",
            ("Field",),
            schema_types=("String",),
            parent_cotypes=("Error",),
            sole_among_siblings=True,
        )
        cotypes["ErrorResult"] = Cotype(
            "ErrorResult",
            ("Field",),
            discotypes=("Required",),
            parent_cotypes=("Result",),
            sole_among_siblings=True,
            schema_cotypes=("Error",),
        )
        cotypes["NormalResult"] = Cotype(
            "NormalResult",
            ("Field",),
            discotypes=("Required",),
            parent_cotypes=("Result",),
            sole_among_siblings=True,
        )
    return cotypes


def _annotation() -> dict[str, Cotype]:
    return {
        "ValueAnnotation": Cotype(
            "ValueAnnotation", _PT, {"annotates": Prop("string", min=1, max=1)}
        )
    }


def _overriding() -> dict[str, Cotype]:
    return {
        "Override": Cotype(
            "Override",
            ("Property",),
            {"overrides": Prop("term", min=1, max=1)},
            cocotypes=("ValueAnnotation",),
        )
    }


_IOTC_ON = _PT
EXTENSIONS: dict[str, Extension] = {
    "dtmi:dtdl:extension:quantitativeTypes;1": Extension(
        "dtmi:dtdl:extension:quantitativeTypes;1",
        (3,),
        semantic_cotypes(3),
        frozenset(u for units in UNITS[3].values() for u in units) | frozenset(UNITS[3]),
    ),
    "dtmi:dtdl:extension:historization;1": Extension(
        "dtmi:dtdl:extension:historization;1", (3,), {"Historized": Cotype("Historized", _PT)}
    ),
    "dtmi:dtdl:extension:historization;2": Extension(
        "dtmi:dtdl:extension:historization;2", (3,), {"Historized": Cotype("Historized", _PT)}
    ),
    "dtmi:dtdl:extension:annotation;1": Extension(
        "dtmi:dtdl:extension:annotation;1", (3,), _annotation()
    ),
    "dtmi:dtdl:extension:annotation;2": Extension(
        "dtmi:dtdl:extension:annotation;2", (3,), _annotation()
    ),
    "dtmi:dtdl:extension:overriding;1": Extension(
        "dtmi:dtdl:extension:overriding;1", (3,), _overriding()
    ),
    "dtmi:dtdl:extension:overriding;2": Extension(
        "dtmi:dtdl:extension:overriding;2", (3,), _overriding()
    ),
    "dtmi:dtdl:extension:mqtt;1": Extension("dtmi:dtdl:extension:mqtt;1", (3,), _mqtt(1)),
    "dtmi:dtdl:extension:mqtt;2": Extension("dtmi:dtdl:extension:mqtt;2", (3,), _mqtt(2)),
    "dtmi:dtdl:extension:mqtt;3": Extension("dtmi:dtdl:extension:mqtt;3", (3,), _mqtt(3)),
    "dtmi:dtdl:extension:mqtt;4": Extension("dtmi:dtdl:extension:mqtt;4", (3,), _mqtt(4)),
    "dtmi:dtdl:extension:requirement;2": Extension(
        "dtmi:dtdl:extension:requirement;2",
        (3,),
        {"Required": Cotype("Required", ("Field", "Property"))},
    ),
    # layering is defined by DTDL but not supported: its co-type is accepted, layered
    # (fragment) identifiers are not
    "dtmi:dtdl:extension:layering;1": Extension(
        "dtmi:dtdl:extension:layering;1",
        (2, 3),
        {"Layer": Cotype("Layer", ("Interface",), versions=(2, 3))},
    ),
    "dtmi:dtdl:extension:requirement;1": Extension(
        "dtmi:dtdl:extension:requirement;1", (3,), {"Required": Cotype("Required", ("Field",))}
    ),
    "dtmi:iotcentral:context;2": Extension(
        "dtmi:iotcentral:context;2",
        (2,),
        {
            "AccelerationVector": Cotype(
                "AccelerationVector",
                _IOTC_ON,
                {"unit": Prop("unit", max=1)},
                unit_type="AccelerationUnit",
                schema_values=("vector",),
                versions=(2,),
            ),
            "VelocityVector": Cotype(
                "VelocityVector",
                _IOTC_ON,
                {"unit": Prop("unit", max=1)},
                unit_type="VelocityUnit",
                schema_values=("vector",),
                versions=(2,),
            ),
            "Event": Cotype(
                "Event", _IOTC_ON, schema_types=("NumericSchema", "String"), versions=(2,)
            ),
            "Location": Cotype(
                "Location", _IOTC_ON, schema_values=(*GEO, "geopoint"), versions=(2,)
            ),
            "State": Cotype("State", _IOTC_ON, schema_types=("Enum",), versions=(2,)),
        },
        frozenset({"geopoint", "vector"}),
        reserved_prefixes=("dtmi:iotcentral:",),
    ),
}


def _with_prefixes(extensions: dict[str, Extension]) -> dict[str, Extension]:
    result: dict[str, Extension] = {}
    for context, ext in extensions.items():
        family, _, number = context.rpartition(";")
        name = family.rsplit(":", 1)[-1]
        cotypes = {}
        for cname, cotype in ext.cotypes.items():
            if name == "quantitativeTypes":
                prefix = f"dtmi:dtdl:extension:quantitativeTypes:v{number}:property:"
            elif family.startswith("dtmi:dtdl:extension:"):
                prefix = f"dtmi:dtdl:extension:{name}:v{number}:{cname}:"
            else:
                prefix = ""
            cotypes[cname] = replace(cotype, prefix=prefix)
        result[context] = replace(ext, cotypes=cotypes)
    return result


EXTENSIONS = _with_prefixes(EXTENSIONS)
# extension contexts defined by DTDL but usable only with DTDL v4
V4_ONLY = frozenset(
    {
        "dtmi:dtdl:extension:quantitativeTypes;2",
        "dtmi:dtdl:extension:quantitativeTypes;3",
        "dtmi:dtdl:limits:aio;1",
        "dtmi:dtdl:limits:onvif;1",
        "dtmi:iotoperations:context;4",
    }
)
KNOWN_FAMILIES = frozenset(ctx.rpartition(";")[0] for ctx in (*EXTENSIONS, *V4_ONLY))
V2_SEMANTIC = semantic_cotypes(2)
