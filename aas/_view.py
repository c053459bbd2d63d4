"""What the mapping needs to know about one twin, read from the graph store beforehand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ontology import Edge, JsonValue, SignalValue, Twin


@dataclass(frozen=True, slots=True)
class TwinView:
    """A twin with its live values and its visible neighbours.

    ``edges`` are the outgoing edges whose targets the reader may see
    (``contains`` edges included: they are the hierarchy); ``assets`` holds
    the asset id of each such target, ``shells`` its shell id.
    """

    twin: Twin
    signals: Mapping[str, SignalValue]
    edges: tuple[Edge, ...]
    assets: Mapping[str, str]
    shells: Mapping[str, str]

    def value(self, name: str) -> JsonValue:
        """A live signal when there is one, else the twin's property value (or None)."""
        signal = self.signals.get(name)
        if signal is not None:
            return signal.value
        return self.twin.properties.get(name)
