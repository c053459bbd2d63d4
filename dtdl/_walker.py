"""Reading documents into :class:`Node` records, checking each element on its own.

Cross-element rules (extends, uniqueness, depth, cycles, references) live in
:mod:`dtdl._rules`; this module checks what one element says about itself:
context, ``@id``, ``@type``, property names, counts and literal values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dtdl import _dtmi
from dtdl._context import Context, parse_context
from dtdl._dtmi import valid_name
from dtdl._extensions import QT_ENUM, V2_SEMANTIC, Cotype
from dtdl._iri import canonical_property, canonical_type, canonical_value
from dtdl._json import DupDict, Path
from dtdl._literals import check_literal
from dtdl._node import Node
from dtdl._options import ParseOptions
from dtdl._rules import BUILTIN
from dtdl._units import UNIT_TYPES
from dtdl._vocab import (
    ABSTRACT_SUPPLEMENTAL,
    CLASS_TERMS,
    CLASSES,
    COMMAND_TYPES,
    GEOSPATIAL,
    PLURAL,
    PRIMITIVES,
    PROPERTY_TERMS,
    REQUIRED,
    TYPE_OPTIONAL,
    Prop,
    is_a,
    term_id,
)

Report = Callable[..., None]
_KEYWORDS = ("@context", "@id", "@type")
# properties of a v3 element whose values may be defined in DTDL v2
MIXED_VERSION = frozenset(
    {"contents", "elementSchema", "extends", "properties", "schema", "valueSchema"}
)
MAX_ELEMENT_DEPTH = 64


class Walker:
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
                if key[:1] == "@" and key not in _KEYWORDS and (version >= 3 or key == "@graph"):
                    code = "graphDisallowed" if key == "@graph" else "keywordDisallowed"
                    rep(code, primary=parent_id, prop=prop, value=key, path=(*path, key))
                elif key[:1] == "@" and key not in _KEYWORDS:
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
            name = obj.get("name")
            if isinstance(name, list) and len(name) == 1:
                name = name[0]
            if isinstance(name, dict) and isinstance(name.get("@value"), str):
                name = name["@value"]
            if prop in PLURAL:
                if not isinstance(name, str) or not valid_name(name):
                    if not isinstance(name, str):
                        rep(
                            "missingDtmiSegPropertyValue",
                            primary=parent_id,
                            prop=prop,
                            value="name",
                            path=path,
                        )
                        return None
                    name = _safe_segment(name)
                ident = _dtmi.child_id(parent.id, prop, name)
            else:
                ident = _dtmi.child_id(parent.id, prop or "value")
        if explicit and not self._check_id(ident, None, version, rep, (*path, "@id")):
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
                rep("duplicateDefinition", primary=ident, path=path)
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
        self._cotype_checks(node, ctx, rep)
        # ---- properties
        props = CLASSES[version][cls]
        extension_props: dict[str, tuple[Prop, Cotype]] = {}
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

    def _check_id(self, ident: str, cls: str | None, version: int, rep: Report, path: Path) -> bool:
        if "#" in ident and _dtmi.ANY.match(ident.partition("#")[0]):
            rep("invalidId", value=ident, path=path, version=str(version))
            return False
        if not _dtmi.is_user_dtmi(ident, version):
            if _dtmi.is_reserved(ident) and _dtmi.ANY.match(ident):
                rep("reservedId", value=ident, path=path)
            else:
                rep("invalidId", value=ident, path=path, version=str(version))
            return False
        if _dtmi.is_reserved(ident):
            rep("reservedId", value=ident, path=path)
            return False
        if len(ident) > _dtmi.MAX_LENGTH:
            rep("idTooLong", value=ident, path=path, limit=str(_dtmi.MAX_LENGTH))
            return False
        if cls == "Interface" and len(ident) > _dtmi.MAX_INTERFACE_LENGTH:
            rep("idTooLongForType", value=ident, path=path, limit=str(_dtmi.MAX_INTERFACE_LENGTH))
            return False
        return True

    def _types(
        self,
        obj: dict[str, Any],
        ctx: Context,
        parent: Node | None,
        prop: str | None,
        spec: Prop | None,
        ident: str,
        doc: int,
        path: Path,
    ) -> tuple[str | None, bool, list[Cotype], list[str]]:
        rep = self._rep
        version = ctx.version
        parent_id = parent.id if parent else None
        expected = "Interface" if spec is None else spec.range
        raw = obj.get("@type")
        self.unknown_type = False
        if (
            type(raw) is str
            and raw in CLASSES[version]
            and (
                (spec is None and raw == "Interface")
                or (spec is not None and spec.range is not None and is_a(raw, spec.range))
            )
        ):
            return raw, False, [], []
        if raw is None and "@type" in obj:
            rep(
                "badType",
                primary=parent_id,
                prop=prop,
                secondary=ident,
                path=path,
                expected=expected,
            )
            return None, False, [], []
        if raw is None:
            if spec is not None and spec.range in TYPE_OPTIONAL[version]:
                return spec.range, True, [], []
            if parent is None:
                rep("typeNotRootable", value=ident, path=path, expected="Interface")
            else:
                rep(
                    "badType",
                    primary=parent_id,
                    prop=prop,
                    secondary=ident,
                    path=path,
                    expected=expected,
                )
            return None, False, [], []
        terms = raw if isinstance(raw, list) else [raw]
        self.unknown_type = False
        tpath = (*path, "@type")
        materials: list[str] = []
        cotypes: list[Cotype] = []
        extra: list[str] = []
        ok = True
        for term in terms:
            if not isinstance(term, str):
                rep(
                    "badType",
                    primary=parent_id,
                    prop=prop,
                    secondary=ident,
                    path=tpath,
                    expected=expected,
                )
                ok = False
                continue
            if term in CLASS_TERMS[version]:
                materials.append(term)
                continue
            if term.startswith("dtmi:"):
                iri, term = term, canonical_type(term, ctx)
                if term != iri:
                    rep(
                        "preferTerm",
                        severity="warning",
                        primary=ident,
                        value=iri,
                        expected=term,
                        path=tpath,
                    )
                if term in CLASS_TERMS[version]:
                    materials.append(term)
                    continue
            if term in ABSTRACT_SUPPLEMENTAL[version] or (
                term == "QuantitativeType" and any(e.value_terms for e in ctx.extensions)
            ):
                rep("abstractSupplementalType", primary=ident, value=term, path=tpath)
                self.unknown_type = True
                continue
            cotype = _find_cotype(term, ctx)
            if cotype is not None:
                if cotype in cotypes:
                    rep(
                        "duplicateType",
                        severity="warning",
                        primary=ident,
                        value=cotype.name,
                        path=tpath,
                    )
                else:
                    cotypes.append(cotype)
                continue
            self.unknown_type = True
            if self._tolerated_type(term, ctx, ident, rep, tpath):
                extra.append(term)
        if len(set(materials)) < len(materials):
            rep("duplicateType", severity="warning", primary=ident, value=materials[0], path=tpath)
        materials = list(dict.fromkeys(materials))
        if len(materials) > 1:
            rep("multipleMaterialTypes", primary=ident, value=", ".join(materials), path=tpath)
            return None, False, cotypes, extra
        if not materials:
            if parent is None:
                rep("typeNotRootable", value=ident, path=path, expected="Interface")
            rep(
                "badType",
                primary=parent_id,
                prop=prop,
                secondary=ident,
                path=path,
                expected=expected,
            )
            return None, False, cotypes, extra
        cls = materials[0]
        if parent is None:
            if cls != "Interface":
                rep("typeNotRootable", value=ident, path=path, expected="Interface")
                return None, False, cotypes, extra
        elif (
            spec is None
            or spec.range is None
            or not is_a(cls, spec.range)
            or cls not in CLASSES[version]
        ):
            rep(
                "badType",
                primary=parent_id,
                prop=prop,
                secondary=ident,
                path=path,
                expected=expected,
            )
            return None, False, cotypes, extra
        if cls not in CLASSES[version]:
            rep(
                "badType",
                primary=parent_id,
                prop=prop,
                secondary=ident,
                path=path,
                expected=expected,
            )
            return None, False, cotypes, extra
        if not ok:
            return None, False, cotypes, extra
        return cls, False, cotypes, extra

    def _cotype_checks(self, node: Node, ctx: Context, rep: Report) -> None:
        if not node.cotypes:
            return
        names = node.cotype_names()
        semantic = [c for c in node.cotypes if c.unit_type is not None]
        for cotype in node.cotypes:
            if node.cls not in cotype.on:
                rep("invalidCotype", primary=node.id, value=cotype.name, path=(*node.path, "@type"))
            elif node.version not in cotype.versions:
                rep(
                    "invalidCotypeVersion",
                    primary=node.id,
                    value=cotype.name,
                    version=str(node.version),
                    path=(*node.path, "@type"),
                )
            for needed in cotype.cocotypes:
                if needed not in names:
                    rep(
                        "missingCocotype",
                        primary=node.id,
                        value=cotype.name,
                        expected=needed,
                        path=(*node.path, "@type"),
                    )
        if len(semantic) > 1:
            rep(
                "conflictingSupplementalTypes",
                primary=node.id,
                prop="unit",
                path=(*node.path, "@type"),
            )

    def _tolerated_type(self, term: str, ctx: Context, ident: str, rep: Report, path: Path) -> bool:
        """Whether an unrecognised @type term is tolerated (an undefined extension's type)."""
        version = ctx.version
        allow = self.options.allows_undefined(version)
        tenable = allow and ctx.undefined
        if term.startswith("dtmi:"):
            if not _dtmi.ANY.match(term):
                rep("typeInvalidDtmi", primary=ident, value=term, path=path)
                return False
            if tenable:
                return True
            rep(
                "typeIrrelevantDtmiOrTerm",
                primary=ident,
                value=term,
                path=path,
                version=str(version),
            )
            return False
        if _is_core_term(term, version, ctx):
            if tenable:
                return True
            rep(
                "typeIrrelevantDtmiOrTerm",
                primary=ident,
                value=term,
                path=path,
                version=str(version),
            )
            return False
        if _dtmi.is_iri(term):
            if version == 2:
                return True
            rep("typeNotDtmiNorTerm", primary=ident, value=term, path=path)
            return False
        if version == 2 or tenable:
            return True
        rep("typeUndefinedTerm", primary=ident, value=term, path=path, version=str(version))
        return False

    def _unknown_property(
        self, node: Node, term: str, key: str, ctx: Context, rep: Report, path: Path
    ) -> None:
        version = node.version
        if not node.has_unknown_type:
            code = "inferredTypeDoesNotAllow" if node.inferred else "noTypeThatAllows"
            rep(code, primary=node.id, prop=key, path=path)
            return
        key = term if not term.startswith("dtmi:") else key
        allow = self.options.allows_undefined(version)
        tenable = allow and ctx.undefined
        if key.startswith("dtmi:"):
            if not _dtmi.ANY.match(key):
                if version >= 3:
                    rep("propertyInvalidDtmi", primary=node.id, prop=key, path=path)
            elif not (tenable or version == 2):
                rep("propertyIrrelevantDtmiOrTerm", primary=node.id, prop=key, path=path)
        elif _is_core_term(key, version, ctx):
            if not (tenable or version == 2):
                rep("propertyIrrelevantDtmiOrTerm", primary=node.id, prop=key, path=path)
        elif _dtmi.is_iri(key):
            if version >= 3:
                rep("propertyNotDtmiNorTerm", primary=node.id, prop=key, path=path)
        elif not (tenable or version == 2):
            rep("propertyUndefinedTerm", primary=node.id, prop=key, path=path, version=str(version))

    # ------------------------------------------------------------------ object values
    def _object_property(
        self,
        node: Node,
        key: str,
        value: Any,
        spec: Prop,
        ctx: Context,
        doc: int,
        path: Path,
        depth: int,
    ) -> None:
        rep = self._rep
        items = value if isinstance(value, list) else [value]
        ids: list[str] = []
        children: list[Node] = []
        valid = 0
        for i, item in enumerate(items):
            ipath = (*path, i) if isinstance(value, list) else path
            if isinstance(item, str):
                target = self._reference(node, key, item, spec, ctx, rep, ipath)
                valid += 1
                if target is not None:
                    ids.append(target)
                    if target in BUILTIN or not item.startswith("dtmi:"):  # a term
                        self.refs.append((node, key, target, ipath))
            elif isinstance(item, dict):
                if "@id" in item and all(k == "@id" for k in item):
                    rep("idReference", primary=node.id, prop=key, path=ipath)
                    continue
                if spec.id_required and "@id" not in item:
                    rep("missingRequiredId", primary=node.id, prop=key, path=ipath)
                    continue
                self.id_failed = False
                child = self.element(item, ctx, node, key, spec, doc, ipath, depth + 1)
                if child is None and self.id_failed:
                    valid += 1
                if child is not None:
                    ids.append(child.id)
                    children.append(child)
                    valid += 1
                    if spec.values and not _value_term_ok(child, spec):
                        rep(
                            "incorrectPropertyValue",
                            primary=node.id,
                            prop=key,
                            value=child.id,
                            path=ipath,
                        )
            else:
                rep("refNotStringOrObject", primary=node.id, prop=key, path=ipath)
        if spec.max is not None and len(items) > spec.max:
            if spec.max == 1:
                rep("objectMultipleValues", primary=node.id, prop=key, path=path)
            else:
                rep(
                    "objectCountAboveMax", primary=node.id, prop=key, path=path, limit=str(spec.max)
                )
        if valid < spec.min and (len(items) >= spec.min or spec.min > 0):
            rep("objectCountBelowMin", primary=node.id, prop=key, path=path, limit=str(spec.min))
        node.objects[key] = ids
        node.children[key] = children

    def _reference(
        self,
        node: Node,
        key: str,
        item: str,
        spec: Prop,
        ctx: Context,
        rep: Report,
        path: Path,
    ) -> str | None:
        version = node.version
        rng = spec.range or ""
        if item.startswith("dtmi:") and item in BUILTIN:
            term = canonical_value(item, version)
            if term != item:
                rep(
                    "preferTerm",
                    severity="warning",
                    primary=node.id,
                    prop=key,
                    value=item,
                    expected=term,
                    path=path,
                )
        if spec.values:
            item = canonical_value(item, version)
            if item in spec.values:
                return term_id(item, version)
            if item in PRIMITIVES or item in COMMAND_TYPES or _dtmi.is_reserved(item):
                cls = PRIMITIVES.get(item, "CommandType")
                code = "incorrectPropertyValue" if is_a(cls, rng) else "badType"
                rep(code, primary=node.id, prop=key, value=item, path=path, expected=rng)
                return None
        if is_a(rng, "Schema") or rng == "Schema":
            if item in PRIMITIVES or item in GEOSPATIAL:
                return term_id(item, version)
            for ext in ctx.extensions:
                if item in ext.value_terms and ext.context.startswith("dtmi:iotcentral:"):
                    return f"dtmi:iotcentral:schema:{item};2"
                if item in ext.value_terms and item in UNIT_TYPES[3]:
                    return f"{QT_ENUM}{item}"
        if item in CLASS_TERMS[version]:
            rep("badType", primary=node.id, prop=key, value=item, path=path, expected=rng)
            return None
        if item.startswith("dtmi:") and _dtmi.ANY.match(item):
            if not _dtmi.is_user_dtmi(item, version) and not _dtmi.is_reserved(item):
                rep(
                    "badDtmiOrTerm",
                    primary=node.id,
                    prop=key,
                    value=item,
                    path=path,
                    version=str(version),
                )
                return None
            self.refs.append((node, key, item, path))
            return item
        rep("badDtmiOrTerm", primary=node.id, prop=key, value=item, path=path, version=str(version))
        return None


def _plain_string_ok(value: str, spec: Prop) -> bool:
    if spec.max_length is not None and len(value) > spec.max_length:
        return False
    if spec.pattern is None:
        return True
    if spec.pattern is _dtmi.NAME:
        return valid_name(value)
    return spec.pattern.match(value) is not None


def _is_core_term(term: str, version: int, ctx: Context) -> bool:
    """A term some active context defines (class, property or value), though not usable here."""
    if term in CLASS_TERMS[version] or term in PROPERTY_TERMS[version]:
        return True
    if term in PRIMITIVES or term in GEOSPATIAL or term in COMMAND_TYPES:
        return True
    return any(
        term in ext.cotypes or term in ext.property_terms or term in ext.value_terms
        for ext in ctx.extensions
    )


def _value_term_ok(child: Node, spec: Prop) -> bool:
    return child.cls in {PRIMITIVES.get(v, v) for v in spec.values}


def _find_cotype(term: str, ctx: Context) -> Cotype | None:
    for ext in ctx.extensions:
        cotype = ext.cotypes.get(term)
        if cotype is not None:
            return cotype
    if ctx.version == 2:
        return V2_SEMANTIC.get(term)
    return None


def _safe_segment(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name) or "x"


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array that is empty or holds a non-object"
    return type(value).__name__
