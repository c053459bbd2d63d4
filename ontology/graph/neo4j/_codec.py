"""How the Neo4j graph store turns values into node properties and back.

Neo4j properties hold scalars and lists of scalars, so nested JSON (a twin's
property map, edge properties, signal values, audit before/after) is kept as
JSON text, and times as ISO-8601 text (they keep their UTC offset exactly); a
signal's time is its ``t`` (µs since the epoch), with the text only for an offset
other than UTC's.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring_ascii
from typing import Any, cast

from ontology.graph._values import (
    Alias,
    AuditRecord,
    Edge,
    JsonValue,
    Lifecycle,
    Model,
    SignalValue,
    Twin,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False).encode
"""One encoder for every call (``json.dumps`` with options builds a new one each time)."""


_CONSTANTS: dict[object, str] = {None: "null", True: "true", False: "false"}


def dumps(value: object) -> str:
    """Canonical JSON text: sorted keys, no spaces, no NaN.

    A number, string or constant is written without the encoder (what it
    writes for them: ``float.__repr__``, ``int.__repr__``, ASCII-escaped
    strings), a signal value being mostly one; anything else (and NaN or
    infinity, which the encoder refuses) goes through the encoder.
    """
    kind = type(value)
    if kind is float:
        number = cast("float", value)
        if math.isfinite(number):
            return float.__repr__(number)
    elif kind is int:
        return int.__repr__(cast("int", value))
    elif kind is str:
        return encode_basestring_ascii(cast("str", value))
    elif value is None or kind is bool:
        return _CONSTANTS[value]
    return _ENCODE(value)


def pair(first: object, second: object) -> str:
    """``dumps([first, second])``, spelled out for the common case of two strings."""
    if type(first) is str and type(second) is str:
        return f"[{encode_basestring_ascii(first)},{encode_basestring_ascii(second)}]"
    return _ENCODE([first, second])


def loads(text: str | None) -> JsonValue:
    return cast("JsonValue", json.loads(text)) if text is not None else None


def alias_node_key(alias: Alias) -> str:
    """The unique ``key`` of an alias node: JSON text of ``[namespace, value]``.

    Not ``alias_text`` (``namespace:value``), which names an alias in messages and
    audit keys in both stores."""
    return pair(alias.namespace, alias.value)


def signal_key(twin_id: str, signal: str) -> str:
    return pair(twin_id, signal)


def micros(moment: datetime) -> int:
    """Microseconds since the epoch (naive times are taken as UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    delta = aware - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def twin_row(twin: Twin) -> dict[str, Any]:
    """The node properties of a twin."""
    return {
        "id": twin.id,
        "model": twin.model,
        "lifecycle": twin.lifecycle.value,
        "etag": twin.etag,
        "props": dumps(dict(twin.properties)),
        "aliases": dumps([[a.namespace, a.value] for a in twin.aliases]),
        "created": twin.created_at.isoformat(),
        "updated": twin.updated_at.isoformat(),
    }


def twin_from_node(node: Mapping[str, Any]) -> Twin:
    properties = cast("dict[str, JsonValue]", json.loads(node["props"]))
    aliases = tuple(Alias(ns, value) for ns, value in json.loads(node["aliases"]))
    return Twin(
        id=node["id"],
        model=node["model"],
        properties=properties,
        lifecycle=Lifecycle(node["lifecycle"]),
        etag=node["etag"],
        aliases=aliases,
        created_at=datetime.fromisoformat(node["created"]),
        updated_at=datetime.fromisoformat(node["updated"]),
    )


def model_from_node(node: Mapping[str, Any]) -> Model:
    return Model(
        dtmi=node["dtmi"],
        text=node["text"],
        uploaded_at=datetime.fromisoformat(node["uploaded_at"]),
        uploaded_by=node["uploaded_by"],
    )


def edge_row(edge: Edge) -> dict[str, Any]:
    return {
        "source": edge.source,
        "name": edge.name,
        "target": edge.target,
        "props": dumps(dict(edge.properties)),
    }


def edge_from_row(source: str, name: str, target: str, props: str | None) -> Edge:
    properties = cast("dict[str, JsonValue]", json.loads(props)) if props else {}
    return Edge(source=source, name=name, target=target, properties=properties)


def signal_from_node(node: Mapping[str, Any]) -> SignalValue:
    """A ``Signal`` node's value; its time from ``time`` (the ISO text, kept only for an offset
    other than UTC's, see :func:`time_text`) or else from ``t`` (µs since the epoch, UTC)."""
    text = node.get("time")
    return SignalValue(
        value=loads(node["value"]),
        time=(
            datetime.fromisoformat(text)
            if text is not None
            else _EPOCH + timedelta(microseconds=node["t"])
        ),
        batch=node.get("batch"),
    )


def time_text(moment: datetime) -> str | None:
    """A signal time's ISO text for the node's ``time``, or None when ``t`` says it all: the
    offset is UTC's (a naive time is taken as UTC, as :func:`micros` does)."""
    offset = moment.utcoffset()
    return None if offset is None or not offset else moment.isoformat()


def audit_row(record: AuditRecord) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "at": record.at.isoformat(),
        "principal": record.principal,
        "action": record.action,
        "key": record.key,
        "before": dumps(record.before),
        "after": dumps(record.after),
    }


def audit_from_node(node: Mapping[str, Any]) -> AuditRecord:
    return AuditRecord(
        seq=node["seq"],
        at=datetime.fromisoformat(node["at"]),
        principal=node["principal"],
        action=node["action"],
        key=node["key"],
        before=loads(node["before"]),
        after=loads(node["after"]),
    )
