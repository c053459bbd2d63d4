"""References: global (external) ones for semantic ids, model references to our identifiables."""

from __future__ import annotations

from functools import lru_cache

from aas_core3_1 import types as t


@lru_cache(maxsize=65_536)
def global_ref(value: str) -> t.Reference:
    """An ExternalReference with one GlobalReference key (semantic ids, unit ids).

    Shared between the elements that use it: the objects are never changed
    after they are built.
    """
    return t.Reference(
        t.ReferenceTypes.EXTERNAL_REFERENCE, [t.Key(t.KeyTypes.GLOBAL_REFERENCE, value)]
    )


def model_ref(*keys: tuple[t.KeyTypes, str]) -> t.Reference:
    """A ModelReference; the first key names an identifiable, the rest fragments of it."""
    return t.Reference(t.ReferenceTypes.MODEL_REFERENCE, [t.Key(k, v) for k, v in keys])


def shell_ref(shell_id: str) -> t.Reference:
    return model_ref((t.KeyTypes.ASSET_ADMINISTRATION_SHELL, shell_id))


def submodel_ref(submodel_id: str) -> t.Reference:
    return model_ref((t.KeyTypes.SUBMODEL, submodel_id))
