"""How a write combines with what is stored: merges, idempotence, lifecycle, signal order."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from ontology._errors import InvalidError, LifecycleError
from ontology.graph._limits import show
from ontology.graph._values import LIFECYCLE_TRANSITIONS, Alias, JsonValue, Lifecycle, TwinSpec


def require_transition(twin_id: str, current: Lifecycle, to: object) -> Lifecycle:
    if not isinstance(to, Lifecycle):
        try:
            to = Lifecycle(to if isinstance(to, str) else "")
        except ValueError:
            msg = (
                f"lifecycle {show(to)} for twin {twin_id!r} is not known; expected one of "
                + ", ".join(s.value for s in Lifecycle)
            )
            raise InvalidError(msg) from None
    allowed = LIFECYCLE_TRANSITIONS[current]
    if to not in allowed:
        names = sorted(s.value for s in allowed)
        raise LifecycleError(twin_id, current.value, to.value, names)
    return to


def merge_properties(
    current: Mapping[str, JsonValue], changes: Mapping[str, JsonValue]
) -> dict[str, JsonValue]:
    """``update_twin``'s merge: changes win, a ``None`` value removes the property."""
    merged = dict(current)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


class TwinFields(Protocol):
    """What the rules read of a stored twin (a ``Twin`` or a store's own row)."""

    @property
    def id(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def lifecycle(self) -> Lifecycle: ...
    @property
    def etag(self) -> str: ...
    @property
    def aliases(self) -> tuple[Alias, ...]: ...
    @property
    def properties(self) -> Mapping[str, JsonValue]: ...


def upsert_unchanged(twin: TwinFields, spec: TwinSpec) -> bool:
    """Whether upserting ``spec`` over ``twin`` changes nothing (lifecycle is kept)."""
    return (
        twin.model == spec.model
        and twin.aliases == tuple(spec.aliases)
        and twin.properties == spec.properties
    )


def signal_wins(stored: datetime | None, new: datetime) -> bool:
    """A signal update is applied when its event time is not older than the stored one."""
    return stored is None or new >= stored
