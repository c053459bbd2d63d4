"""Element types: material class, co-types, tolerated unknown terms, unknown properties."""

from __future__ import annotations

from typing import Any

from dtdl import _dtmi
from dtdl._context import Context
from dtdl._extensions import V2_SEMANTIC, Cotype
from dtdl._iri import canonical_type
from dtdl._json import Path
from dtdl._node import Node
from dtdl._vocab import (
    ABSTRACT_SUPPLEMENTAL,
    CLASS_TERMS,
    CLASSES,
    COMMAND_TYPES,
    GEOSPATIAL,
    PRIMITIVES,
    PROPERTY_TERMS,
    TYPE_OPTIONAL,
    Prop,
    is_a,
)
from dtdl._walkstate import Report, WalkerState


class TypeChecks(WalkerState):
    """``@type`` resolution and the checks that depend on it."""

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
        is_dtmi = term.startswith("dtmi:")
        if is_dtmi and not _dtmi.ANY.match(term):
            rep("typeInvalidDtmi", primary=ident, value=term, path=path)
            return False
        if is_dtmi or _is_core_term(term, version, ctx):
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


def _find_cotype(term: str, ctx: Context) -> Cotype | None:
    for ext in ctx.extensions:
        cotype = ext.cotypes.get(term)
        if cotype is not None:
            return cotype
    if ctx.version == 2:
        return V2_SEMANTIC.get(term)
    return None
