"""Localisable strings (displayName, description): plain, language map, or tagged array."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from dtdl._json import Path
from dtdl._node import Node
from dtdl._vocab import Prop

Report = Callable[..., None]

# language (2-4 lower-case letters), optional Script (Title case), optional region
# (2 upper-case letters or 3 digits): the shape of tag the DTDL parsers accept
_LANG = re.compile(r"^[a-z]{2,4}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?$")


def is_language_tag(code: str) -> bool:
    """BCP 47 syntax: lower-case language, Title-case script, upper-case region, ..."""
    return _LANG.match(code) is not None


def check_lang_string(
    node: Node, key: str, value: Any, spec: Prop, rep: Report, path: Path
) -> None:
    result: dict[str, str] = {}
    limit = spec.max_length

    def put(code: str, text: str, ipath: Path) -> bool:
        if limit is not None and len(text) > limit:
            rep(
                "langStringValueTooLong",
                primary=node.id,
                prop=key,
                value=text,
                path=ipath,
                limit=str(limit),
            )
            return False
        result[code] = text
        return True

    if isinstance(value, str):
        put("en", value, path)
    elif isinstance(value, dict):
        for code in getattr(value, "duplicates", ()):
            rep(
                "langStringCodeNotUnique", primary=node.id, prop=key, value=code, path=(*path, code)
            )
        if set(value) == {"@value", "@language"}:
            rep("langTagValueInLangMap", primary=node.id, prop=key, path=path)
            return
        for code, text in value.items():
            cpath = (*path, code)
            if code.startswith("@"):
                rep("langMapObjKeyword", primary=node.id, prop=key, value=code, path=cpath)
                return
            if not isinstance(text, str):
                rep("langStringValueNotString", primary=node.id, prop=key, value=code, path=cpath)
                return
            if limit is not None and len(text) > limit:
                put(code, text, cpath)
                return
            if not is_language_tag(code):
                rep("langStringInvalidCode", primary=node.id, prop=key, value=code, path=cpath)
                return
            put(code, text, cpath)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            ipath = (*path, i)
            if isinstance(item, str):
                if "en" in result:
                    rep(
                        "langStringElementCodeNotUnique",
                        primary=node.id,
                        prop=key,
                        value="en",
                        path=ipath,
                    )
                    return
                if not put("en", item, ipath):
                    return
                continue
            if not isinstance(item, dict):
                rep("langStringElementNotStringOrObject", primary=node.id, prop=key, path=ipath)
                return
            for k in item:
                if k in ("@value", "@language"):
                    continue
                if (
                    node.version == 2
                    and k.startswith("@")
                    and k
                    not in (
                        "@id",
                        "@context",
                        "@graph",
                    )
                ):
                    rep(
                        "extraValueObjectKey",
                        severity="warning",
                        primary=node.id,
                        prop=key,
                        value=k,
                        path=(*ipath, k),
                    )
                    continue
                code = {
                    "@id": "langStringElementId",
                    "@context": "langStringElementContext",
                    "@graph": "langStringElementGraph",
                    "@type": "langStringElementType",
                }.get(
                    k,
                    "langStringElementKeyword"
                    if k.startswith("@")
                    else "langStringElementInvalidProp",
                )
                rep(code, primary=node.id, prop=key, value=k, path=(*ipath, k))
                return
            if "@value" not in item:
                rep("langStringElementNoValue", primary=node.id, prop=key, path=ipath)
                return
            text = item["@value"]
            if not isinstance(text, str):
                rep("langStringElementValueNotString", primary=node.id, prop=key, path=ipath)
                return
            if "@language" not in item:
                rep("missingLanguage", severity="warning", primary=node.id, prop=key, path=ipath)
            lang = item.get("@language", "en")
            if not isinstance(lang, str) or not lang:
                rep("langStringElementCodeNotString", primary=node.id, prop=key, path=ipath)
                return
            if not is_language_tag(lang):
                rep(
                    "langStringElementInvalidCode",
                    primary=node.id,
                    prop=key,
                    value=lang,
                    path=ipath,
                )
                return
            if lang in result:
                rep(
                    "langStringElementCodeNotUnique",
                    primary=node.id,
                    prop=key,
                    value=lang,
                    path=ipath,
                )
                return
            if not put(lang, text, ipath):
                return
    else:
        rep(
            "langStringNotLangString" if value is not None else "langStringValueNotString",
            primary=node.id,
            prop=key,
            path=path,
        )
        return
    node.lang[key] = result
