"""What a twin's model says of its signals: their names and units."""

from __future__ import annotations

import dtdl

_KINDS = (dtdl.Telemetry, dtdl.Property)


def units_of(model_set: dtdl.ModelSet, dtmi: str) -> dict[str, str]:
    """Each content's unit, by name, of the model ``dtmi`` (empty for an unknown model)."""
    interface = model_set.interfaces.get(dtmi)
    if interface is None:
        return {}
    return {
        name: unit
        for name, item in interface.contents.items()
        if (unit := getattr(item, "unit", None)) is not None
    }


def signal_names(model_set: dtdl.ModelSet, dtmi: str) -> list[str]:
    """The Telemetry and Property names of the model ``dtmi``, sorted."""
    interface = model_set.interfaces.get(dtmi)
    if interface is None:
        return []
    return sorted(n for n, item in interface.contents.items() if isinstance(item, _KINDS))
