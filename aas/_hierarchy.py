"""The hierarchy below a twin as a Hierarchical Structures (IDTA 02011-1-1, BOM) submodel.

ArcheType ``OneDown``: the twin is the EntryNode (a SelfManagedEntity with its
asset id); each visible child a Node with its own asset id, linked by a
``HasPart`` RelationshipElement. A child with two parents appears in both
parents' submodels.
"""

from __future__ import annotations

from aas_core3_1 import types as t

from aas._idshort import IdShortScope
from aas._refs import global_ref, model_ref
from aas._templates import (
    HIERARCHY,
    HIERARCHY_ARCHE_TYPE,
    HIERARCHY_ENTRY_NODE,
    HIERARCHY_HAS_PART,
    HIERARCHY_NODE,
)
from aas._view import TwinView
from ontology import CONTAINS

K = t.KeyTypes
ENTRY = "EntryNode"


def children(view: TwinView) -> list[str]:
    return sorted({e.target for e in view.edges if e.name == CONTAINS})


def hierarchy_submodel(view: TwinView, asset_id: str, submodel_id: str) -> t.Submodel:
    scope = IdShortScope((ENTRY, "ArcheType"))
    entry_ref = model_ref((K.SUBMODEL, submodel_id), (K.ENTITY, ENTRY))
    statements: list[t.SubmodelElement] = []
    links: list[t.SubmodelElement] = []
    for child in children(view):
        node = scope.claim(child.rsplit("/", 1)[-1])
        statements.append(
            t.Entity(
                id_short=node,
                semantic_id=global_ref(HIERARCHY_NODE),
                entity_type=t.EntityType.SELF_MANAGED_ENTITY,
                global_asset_id=view.assets[child],
                description=[t.LangStringTextType("en", f"twin {child}"[:1023])],
            )
        )
        links.append(
            t.RelationshipElement(
                id_short=scope.claim(f"HasPart_{node}"),
                semantic_id=global_ref(HIERARCHY_HAS_PART),
                first=entry_ref,
                second=model_ref((K.SUBMODEL, submodel_id), (K.ENTITY, ENTRY), (K.ENTITY, node)),
            )
        )
    entry = t.Entity(
        id_short=ENTRY,
        semantic_id=global_ref(HIERARCHY_ENTRY_NODE),
        entity_type=t.EntityType.SELF_MANAGED_ENTITY,
        global_asset_id=asset_id,
        statements=(statements + links) or None,
    )
    arche = t.Property(
        t.DataTypeDefXSD.STRING,
        id_short="ArcheType",
        semantic_id=global_ref(HIERARCHY_ARCHE_TYPE),
        value="OneDown",
    )
    return t.Submodel(
        submodel_id,
        id_short="HierarchicalStructures",
        semantic_id=global_ref(HIERARCHY),
        kind=t.ModellingKind.INSTANCE,
        submodel_elements=[entry, arche],
    )
