"""Reserved fields shared by the formats: aliases, lifecycle, parents, relationships."""

from __future__ import annotations

from collections.abc import Mapping

from ontology import Alias, Lifecycle

ALIAS_PREFIX = "alias:"
REL_PREFIX = "rel:"
LIST_SEPARATOR = ";"


def lifecycle(value: object) -> tuple[Lifecycle | None, str | None]:
    """A lifecycle name, or the reason it is not one."""
    if value is None or value == "":
        return None, None
    try:
        return Lifecycle(str(value).strip().lower()), None
    except ValueError:
        allowed = ", ".join(s.value for s in Lifecycle)
        return None, f"lifecycle {value!r} is not known; expected one of {allowed}"


def aliases(value: object) -> tuple[tuple[Alias, ...], str | None]:
    """``{namespace: value | [values]}`` as aliases, or the reason it is not that shape."""
    if value is None:
        return (), None
    if type(value) is not dict and not isinstance(value, Mapping):
        return (), (
            f"aliases {value!r} are not a mapping; expected namespace: value "
            "(e.g. erp: EQ-10023) or namespace: [values]"
        )
    out: list[Alias] = []
    for namespace, raw in value.items():
        if type(raw) is str and raw and type(namespace) is str:  # the common case, checked fast
            out.append(Alias(namespace, raw))
            continue
        values = raw if isinstance(raw, list) else [raw]
        for item in values:
            if not isinstance(item, str | int) or isinstance(item, bool) or item == "":
                return (), (f"alias {namespace}={item!r} is not valid; expected a non-empty string")
            out.append(Alias(str(namespace), str(item)))
    return tuple(out), None


def id_list(value: object, what: str) -> tuple[tuple[str, ...], str | None]:
    """One twin id or a list of them (a CSV cell separates them with ``;``)."""
    if value is None or value == "":
        return (), None
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(LIST_SEPARATOR) if v.strip()), None
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return tuple(value), None
    return (), f"{what} {value!r} is not valid; expected a twin id or a list of twin ids"
