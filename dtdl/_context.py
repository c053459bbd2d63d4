"""``@context`` processing: DTDL version, extension contexts in scope, context errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dtdl._dtmi import ANY
from dtdl._extensions import EXTENSIONS, KNOWN_FAMILIES, V4_ONLY, Extension

_DTDL = re.compile(r"^dtmi:dtdl:context;(\d+)$")
_BASE = re.compile(r"^dtmi:[A-Za-z0-9_]+(?::[A-Za-z0-9_]+)*$")
# affiliate contexts that imply a DTDL version when they come first
_IMPLICIT = {"dtmi:iotcentral:context;2": 2}
SUPPORTED = (2, 3)

Report = Callable[..., None]


@dataclass(frozen=True)
class Context:
    """What is in scope for an element: DTDL version and extension contexts."""

    version: int
    extensions: tuple[Extension, ...] = ()
    undefined: bool = False  # an unknown extension context is in scope

    def with_extensions(self, extensions: list[Extension], undefined: bool) -> Context:
        merged = list(self.extensions)
        for ext in extensions:
            if ext not in merged:
                merged.append(ext)
        return Context(self.version, tuple(merged), self.undefined or undefined)


def _entries(value: Any, report: Report, path: tuple[Any, ...]) -> list[tuple[Any, int | None]]:
    if isinstance(value, str):
        return [(value, None)]
    if isinstance(value, list):
        return [(v, i) for i, v in enumerate(value)]
    report("invalidContext", path=path)
    return []


def parse_context(
    value: Any,
    *,
    inherited: Context | None,
    allow_undefined: Callable[[int], bool],
    max_version: int | None,
    report: Report,
    path: tuple[Any, ...],
    primary: str | None = None,
    prop: str | None = None,
    allowed: tuple[int, ...] = (),
) -> Context | None:
    """The Context an ``@context`` value establishes (``None`` if it defines no usable version).

    ``inherited`` is the enclosing element's context (``None`` at the top level).
    """
    entries = _entries(value, report, path)
    if inherited is None and not entries and isinstance(value, list):
        report("emptyContext", path=path)
        return None
    version: int | None = inherited.version if inherited else None
    seen_affiliate = False
    explicit_dtdl = False
    extensions: list[Extension] = []
    undefined = False
    ok = True
    strings = [e for e, _ in entries if isinstance(e, str)]
    dtdl_count = sum(1 for e in strings if _DTDL.match(e))
    if len(set(strings)) < len(strings) or dtdl_count > 1:
        report("repeatedContext", severity="warning", value=strings[0], path=path)
    for entry, index in entries:
        epath = (*path, index) if index is not None else path
        if isinstance(entry, dict):
            report("disallowedLocalContext", path=epath)
            return None
        if not isinstance(entry, str):
            report("invalidContext", path=epath)
            ok = False
            continue
        if not entry.startswith("dtmi:"):
            report("nonDtmiContextSpecifier", value=entry, path=epath)
            ok = False
            continue
        base, _, ver = entry.partition(";")
        if not _BASE.match(base.partition("#")[0]):
            report("invalidContextSpecifier", value=entry, path=epath)
            ok = False
            continue
        if "#" in entry:
            report("disallowedContextFragment", value=entry, path=epath)
            ok = False
            continue
        if not ver:
            report("missingContextVersion", value=entry, path=epath)
            ok = False
            continue
        minor = re.fullmatch(r"\d+\.\d+", ver) is not None
        if minor and (base == "dtmi:dtdl:context" or version == 2):
            report("invalidContextSpecifierForVersion", value=entry, path=epath)
            ok = False
            continue
        if not ANY.match(entry):
            if version is not None and minor:
                report("invalidContextSpecifierForVersion", value=entry, path=epath)
            else:
                report("invalidContextSpecifier", value=entry, path=epath)
            ok = False
            continue
        m = _DTDL.match(entry)
        if m:
            number = int(m.group(1))
            if seen_affiliate:
                report("dtdlContextFollowsAffiliate", value=entry, path=epath)
                ok = False
                continue
            if number not in SUPPORTED and number != 4:
                report("unrecognizedContextVersion", value=entry, path=epath)
                ok = False
                continue
            if max_version is not None and number > max_version:
                report("disallowedContextVersion", value=entry, path=epath)
                ok = False
                continue
            if number not in SUPPORTED:
                report("unrecognizedContextVersion", value=entry, path=epath)
                ok = False
                continue
            if inherited is not None and number != inherited.version and number not in allowed:
                report(
                    "disallowedVersionDefinition",
                    primary=primary,
                    prop=prop,
                    value=str(number),
                    path=epath,
                )
                ok = False
                continue
            version = number
            explicit_dtdl = True
            continue
        implicit = _IMPLICIT.get(entry)
        if version is None and implicit is not None:
            version = implicit
            extensions.append(EXTENSIONS[entry])
            continue
        if version is None:
            report("missingDtdlContext", value=entry, path=epath)
            return None
        seen_affiliate = True
        ext = EXTENSIONS.get(entry)
        if ext is not None:
            extensions.append(ext)
            continue
        if entry in V4_ONLY:
            report("invalidContextSpecifierForVersion", value=entry, path=epath)
            ok = False
            continue
        if base in KNOWN_FAMILIES and not allow_undefined(version):
            report("unresolvableContextVersion", value=entry, path=epath)
            ok = False
            continue
        if not allow_undefined(version):
            report("unresolvableContextSpecifier", value=entry, path=epath)
            ok = False
            continue
        undefined = True
    if version is None:
        if ok and inherited is None:
            report("missingDtdlContext", path=path)
        return None
    if not ok or (version is not None and not explicit_dtdl and inherited is None):
        if ok:
            report("missingDtdlContext", path=path)
        return None
    if inherited is None:
        return Context(version, tuple(extensions), undefined)
    merged = inherited.with_extensions(extensions, undefined)
    if version != inherited.version:
        return Context(version, merged.extensions, merged.undefined)
    return merged
