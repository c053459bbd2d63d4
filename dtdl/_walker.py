"""Reading documents into :class:`Node` records, checking each element on its own.

Cross-element rules (extends, uniqueness, depth, cycles, references) live in
:mod:`dtdl._rules`; this module checks what one element says about itself:
context, ``@id``, ``@type``, property names, counts and literal values.
"""

from __future__ import annotations

from typing import Any

from dtdl import _dtmi
from dtdl._context import Context, parse_context
from dtdl._dtmi import valid_name
from dtdl._extensions import Cotype
from dtdl._iri import canonical_property
from dtdl._json import DupDict, Path
from dtdl._literals import check_literal
from dtdl._node import Node
from dtdl._objects import ObjectValues
from dtdl._options import ParseOptions
from dtdl._typing import TypeChecks
from dtdl._vocab import (
    CLASSES,
    PLURAL,
    REQUIRED,
    Prop,
)
from dtdl._walkstate import Report

_KEYWORDS = ("@context", "@id", "@type")
# properties of a v3 element whose values may be defined in DTDL v2
MIXED_VERSION = frozenset(
    {"contents", "elementSchema", "extends", "properties", "schema", "valueSchema"}
)
MAX_ELEMENT_DEPTH = 64
_NO_EXTENSION_PROPS: dict[str, tuple[Prop, Cotype]] = {}  # shared, never written


class Walker(TypeChecks, ObjectValues):
    """Turns parsed JSON documents into Nodes, reporting per-element errors."""

    def __init__(self, options: ParseOptions, report: Report) -> None:
        self.options = options
        self.report = report
        self.nodes: dict[str, Node] = {}
        self.order: list[Node] = []
        self.tops: list[Node] = []
        self.duplicates: set[str] = set()
        # (node, property, target id, path) of every DTMI reference
        self.refs: list[tuple[Node, str, str, Path]] = []
        self.unknown_type = False
        self.id_failed = False
        self.lenient = False
        self._reporters: dict[int, Report] = {}
        self._rep: Report = self._reporter(0)

    # ------------------------------------------------------------------ documents
    def document(self, value: Any, doc: int) -> None:
        self._rep = self._reporter(doc)
        if isinstance(value, dict):
            self.top(value, doc, ())
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                self.top(item, doc, (i,))
        else:
            self.report("notJsonObject", doc=doc, path=(), value=_kind(value))

    def top(self, obj: dict[str, Any], doc: int, path: Path) -> None:
        rep = self._rep
        if "@context" not in obj:
            rep("missingContext", path=path)
            return
        ctx = parse_context(
            obj["@context"],
            inherited=None,
            allow_undefined=self.options.allows_undefined,
            max_version=self.options.max_dtdl_version,
            report=rep,
            path=(*path, "@context"),
        )
        if ctx is None:
            return
        for key in obj:
            if (
                key.startswith("@")
                and key not in _KEYWORDS
                and (ctx.version >= 3 or key == "@graph")
            ):
                if key == "@graph":
                    rep("topLevelGraphDisallowed", value=key, path=(*path, key))
                else:
                    rep("topLevelKeywordDisallowed", value=key, path=(*path, key))
        if "@graph" in obj:
            return
        if "@id" not in obj:
            rep("missingTopLevelId", path=path)
            return
        if ctx.version == 2:
            for key in obj:
                if key[:1] == "@" and key not in _KEYWORDS and key != "@graph":
                    rep(
                        "ignoredKeyword",
                        severity="warning",
                        primary=obj["@id"],
                        value=key,
                        path=(*path, key),
                    )
        node = self.element(obj, ctx, None, None, None, doc, path, 0)
        if node is not None:
            self.tops.append(node)

    def _reporter(self, doc: int) -> Report:
        cached = self._reporters.get(doc)
        if cached is not None:
            return cached

        def rep(code: str, **kw: Any) -> None:
            kw.setdefault("doc", doc)
            self.report(code, **kw)

        self._reporters[doc] = rep
        return rep

    # ------------------------------------------------------------------ elements
    def element(
        self,
        obj: dict[str, Any],
        ctx: Context,
        parent: Node | None,
        prop: str | None,
        spec: Prop | None,
        doc: int,
        path: Path,
        depth: int,
    ) -> Node | None:
        rep = self._rep
        parent_id = parent.id if parent else None
        # solecisms are tolerated by the version of the context the element appears in
        tolerant = self.lenient and ctx.version < 3
        if depth > MAX_ELEMENT_DEPTH:
            rep(
                "excessiveDepthWide",
                primary=parent_id,
                prop=prop,
                path=path,
                limit=str(MAX_ELEMENT_DEPTH),
            )
            return None
        if parent is not None and "@context" in obj:
            nested = parse_context(
                obj["@context"],
                inherited=ctx,
                allow_undefined=self.options.allows_undefined,
                max_version=self.options.max_dtdl_version,
                report=rep,
                path=(*path, "@context"),
                primary=parent_id,
                prop=prop,
                allowed=(3, 2) if ctx.version == 3 and prop in MIXED_VERSION else (ctx.version,),
            )
            if nested is None:
                return None
            ctx = nested
        version = ctx.version
        obj, keymap, dup_keys = self._canonical_keys(obj, ctx)
        if parent is not None:
            for key in obj:
                if key[:1] != "@" or key in _KEYWORDS:
                    continue
                if version >= 3 or key == "@graph":
                    code = "graphDisallowed" if key == "@graph" else "keywordDisallowed"
                    rep(code, primary=parent_id, prop=prop, value=key, path=(*path, key))
                else:
                    rep(
                        "ignoredKeyword",
                        severity="warning",
                        primary=parent_id,
                        prop=prop,
                        value=key,
                        path=(*path, key),
                    )
        # ---- identifier
        explicit = "@id" in obj
        if explicit:
            raw_id = obj["@id"]
            if not isinstance(raw_id, str) or not raw_id:
                rep("idNotString", path=(*path, "@id"))
                return None
            ident = raw_id
        elif parent is None:
            rep("missingTopLevelId", path=path)
            return None
        else:
            if prop in PLURAL:
                if "name" not in obj:
                    rep(
                        "missingDtmiSegPropertyValue",
                        primary=parent_id,
                        prop=prop,
                        value="name",
                        path=path,
                    )
                    return None
                name = _segment(obj["name"])
                if name is None:
                    rep(
                        "dtmiSegPropertyNotStringOrNumber",
                        primary=parent_id,
                        prop=prop,
                        value="name",
                        path=(*path, "name"),
                    )
                    return None
                ident = _dtmi.child_id(parent.id, prop, name)
            else:
                ident = _dtmi.child_id(parent.id, prop or "value")
            if tolerant and ident in self.nodes:
                return None  # a solecism: a later sibling whose automatic id repeats is ignored
        if explicit and not self._check_id(ident, ctx, rep, (*path, "@id"), reserved_ok=tolerant):
            self.id_failed = True
            return None
        # ---- types
        cls, inferred, cotypes, extra = self._types(obj, ctx, parent, prop, spec, ident, doc, path)
        unknown_type = self.unknown_type
        if explicit and cls == "Interface" and len(ident) > _dtmi.MAX_INTERFACE_LENGTH:
            rep(
                "idTooLongForType",
                value=ident,
                path=(*path, "@id"),
                limit=str(_dtmi.MAX_INTERFACE_LENGTH),
            )
            return None
        if cls is None:
            return None
        node = Node(
            ident,
            cls,
            version,
            doc,
            path,
            parent,
            prop,
            explicit,
            inferred=inferred,
            has_unknown_type=unknown_type,
            cotypes=cotypes,
            extra_types=extra,
            obj=obj,
        )
        if ident in self.nodes:
            if explicit:
                self.duplicates.add(ident)
                first = self.nodes[ident]
                rep(
                    "duplicateDefinition",
                    primary=ident,
                    path=(*path, "@id"),
                    related_doc=first.doc,
                    related_path=(*first.path, "@id") if first.explicit_id else first.path,
                )
        else:
            self.nodes[ident] = node
        for term, key in keymap.items():
            if term != key:
                rep(
                    "preferTerm",
                    severity="warning",
                    primary=ident,
                    value=key,
                    expected=term,
                    path=(*path, key),
                )
        for key in dup_keys:
            rep(
                "duplicatePropertyName", primary=ident, prop=key, path=(*path, keymap.get(key, key))
            )
        self.order.append(node)
        if isinstance(obj, DupDict):
            for key in obj.duplicates:
                rep("duplicatePropertyName", primary=ident, prop=key, path=(*path, key))
        # ---- properties
        props = CLASSES[version][cls]
        extension_props: dict[str, tuple[Prop, Cotype]] = _NO_EXTENSION_PROPS
        if cotypes:
            self._cotype_checks(node, ctx, rep)
            extension_props = {}
            for cotype in cotypes:
                for pname, pspec in cotype.props.items():
                    extension_props.setdefault(pname, (pspec, cotype))
        literals = node.literals
        for key, value in obj.items():
            if key[:1] == "@":
                continue
            found = props.get(key)
            label = key
            if found is not None:
                kind = found.kind
                if kind == "string" and type(value) is str and _plain_string_ok(value, found):
                    literals[key] = value
                    if key == "name":
                        node.name = value
                    continue
                if kind == "boolean" and type(value) is bool:
                    literals[key] = value
                    continue
            elif key in extension_props:
                found, owner = extension_props[key]
                label = owner.prefix + key
            kpath = (*path, keymap[key]) if keymap else (*path, key)
            if found is None:
                self._unknown_property(node, key, keymap.get(key, key), ctx, rep, kpath)
                continue
            pspec = found
            if value is None:
                rep("propertyValueNull", primary=ident, prop=label, path=kpath)
            if pspec.kind == "object":
                self._object_property(node, key, value, pspec, ctx, doc, kpath, depth)
            else:
                check_literal(node, key, value, pspec, ctx, rep, kpath, label)
        for key, code in REQUIRED[version][cls]:
            if key not in obj:
                rep(code, primary=ident, prop=key, path=path)
        for key, (pspec, cotype) in extension_props.items():
            if pspec.min and key not in obj:
                code = {
                    "unit": "missingSupplementalObjectProperty",
                    "term": "missingSupplementalIdentifierProperty",
                }.get(pspec.kind, "missingSupplementalLiteralProperty")
                rep(code, primary=ident, prop=key, value=cotype.name, path=path)
        return node

    def _canonical_keys(
        self, obj: dict[str, Any], ctx: Context
    ) -> tuple[dict[str, Any], dict[str, str], list[str]]:
        """``obj`` with property IRIs replaced by their terms (``dtmi:dtdl:property:name;3``)."""
        for key in obj:
            if key[:5] == "dtmi:":
                break
        else:
            return obj, {}, []
        result: dict[str, Any] = {}
        keymap: dict[str, str] = {}
        duplicates: list[str] = []
        for key, value in obj.items():
            term = canonical_property(key, ctx) if key.startswith("dtmi:") else key
            if term in result:
                duplicates.append(term)
                continue
            result[term] = value
            keymap[term] = key
        if isinstance(obj, DupDict):
            dup = DupDict(result)
            dup.duplicates = list(obj.duplicates)
            result = dup
        return result, keymap, duplicates

    def _check_id(
        self, ident: str, ctx: Context, rep: Report, path: Path, *, reserved_ok: bool
    ) -> bool:
        """An explicit ``@id``: length, then DTMI syntax, then reserved prefixes.

        ``reserved_ok`` tolerates a core reserved prefix (a solecism some v2 models have).
        An extension context in scope may reserve prefixes of its own: a document using
        IoT Central's context may not define ids under ``dtmi:iotcentral:``.
        """
        version = ctx.version
        if len(ident) > _dtmi.MAX_LENGTH:
            rep(
                "idTooLong",
                value=ident,
                path=path,
                limit=str(_dtmi.MAX_LENGTH),
                version=str(version),
            )
            return False
        if not _dtmi.is_user_dtmi(ident, version):
            rep("invalidId", value=ident, path=path, version=str(version))
            return False
        if _dtmi.is_reserved(ident) and not reserved_ok:
            rep(
                "reservedId",
                value=ident,
                path=path,
                expected=" or ".join(_dtmi.RESERVED_PREFIXES),
                reserved_by="DTDL",
            )
            return False
        for ext in ctx.extensions:
            for prefix in ext.reserved_prefixes:
                if ident.startswith(prefix):
                    rep(
                        "reservedId",
                        value=ident,
                        path=path,
                        expected=prefix,
                        reserved_by=f"the context {ext.context}, for its own definitions",
                    )
                    return False
        return True


def _plain_string_ok(value: str, spec: Prop) -> bool:
    if spec.max_length is not None and len(value) > spec.max_length:
        return False
    if spec.pattern is None:
        return True
    if spec.pattern is _dtmi.NAME:
        return valid_name(value)
    return spec.pattern.match(value) is not None


def _segment(value: Any) -> str | None:
    """The ``:__<name>`` segment of an automatic id: a string, or a number written out."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, dict) and "@value" in value:
        value = value["@value"]
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace(".", "_")


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array that is empty or holds a non-object"
    return type(value).__name__
