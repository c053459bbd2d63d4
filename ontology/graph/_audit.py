"""The audit trail's vocabulary: action names and the JSON of what changed.

Both stores write the same ``AuditRecord`` for the same change: ``action`` is
one of the ``ACTION_*`` names, ``key`` the twin id, ``edge_key``, alias text
or rollup name, ``before`` / ``after`` the JSON below (``None``: absent).
"""

from __future__ import annotations

from ontology.graph._updates import TwinFields
from ontology.graph._values import Aggregate, Edge, JsonValue, RollupSpec

ACTION_MODEL_ADD = "model.add"
ACTION_MODEL_DELETE = "model.delete"
ACTION_TWIN_CREATE = "twin.create"
ACTION_TWIN_UPDATE = "twin.update"
ACTION_TWIN_DELETE = "twin.delete"
ACTION_TWIN_LIFECYCLE = "twin.lifecycle"
ACTION_EDGE_ADD = "edge.add"
ACTION_EDGE_UPDATE = "edge.update"
ACTION_EDGE_REMOVE = "edge.remove"
ACTION_ALIAS_ADD = "alias.add"
ACTION_ALIAS_REMOVE = "alias.remove"
ACTION_ROLLUP_DEFINE = "rollup.define"


def twin_json(twin: TwinFields | None) -> JsonValue:
    if twin is None:
        return None
    return {
        "id": twin.id,
        "model": twin.model,
        "lifecycle": twin.lifecycle.value,
        "properties": dict(twin.properties),
        "aliases": [[a.namespace, a.value] for a in twin.aliases],
        "etag": twin.etag,
    }


def edge_json(edge: Edge | None) -> JsonValue:
    if edge is None:
        return None
    return {
        "source": edge.source,
        "name": edge.name,
        "target": edge.target,
        "properties": dict(edge.properties),
    }


def rollup_json(spec: RollupSpec | None) -> JsonValue:
    if spec is None:
        return None
    return {
        "name": spec.name,
        "signal": spec.signal,
        "aggregate": Aggregate(spec.aggregate).value,
        "scope": spec.scope,
        "of_model": spec.of_model,
        "on_model": spec.on_model,
        "weight": spec.weight,
    }
