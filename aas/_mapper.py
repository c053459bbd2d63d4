"""Twins to shells and submodels: the mapping's entry point.

Each twin becomes one AssetAdministrationShell and these submodels:

- ``model``: its Interface (flattened over ``extends``), semanticId = the DTMI;
- ``component.<name>``: one per Component, semanticId = the component's DTMI;
- ``nameplate``: a Digital Nameplate where the model provides nameplate data;
- ``hierarchy``: a Hierarchical Structures (BOM) submodel when it has children;
- ``timeseries``: a Time Series Data submodel pointing at history when the
  model has Telemetry.

What is planned per Interface (idShorts, which submodels, the nameplate) is
computed once and cached; per twin only values and neighbours change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from aas_core3_1 import types as t

import dtdl
from aas._concepts import ConceptCatalog, Described
from aas._elements import data_element, display, operation, relationships
from aas._errors import AasError
from aas._hierarchy import children, hierarchy_submodel
from aas._ids import IdScheme
from aas._idshort import IdShortScope, id_short
from aas._jsonable import JsonTemplates, as_dict, replaced
from aas._langs import NAME_LIMIT, TEXT_LIMIT, lang_strings
from aas._nameplate import NameplatePlan, nameplate_jsonable, nameplate_submodel, plan_nameplate
from aas._refs import global_ref, submodel_ref
from aas._settings import AasSettings
from aas._timeseries import NAME_PATH, QUERY_PATH, name_text, query_text, timeseries_submodel
from aas._view import TwinView
from ontology import CONTAINS, Edge, JsonValue

_E = TypeVar("_E")

MODEL = "model"
COMPONENT = "component."
NAMEPLATE = "nameplate"
HIERARCHY = "hierarchy"
TIMESERIES = "timeseries"
SPECIFIC_NAME_LIMIT = 64
TWIN_ID_NAME = "twinId"


@dataclass(frozen=True, slots=True)
class _Plan:
    iface: dtdl.Interface
    contents: tuple[tuple[str, dtdl.Content], ...]
    """(idShort, content) of the model submodel, sorted by name."""
    components: tuple[tuple[str, dtdl.Component, dtdl.Interface], ...]
    nameplate: NameplatePlan | None
    telemetries: tuple[dtdl.Telemetry, ...]
    static_keys: tuple[str, ...]


def _dtmi_name(dtmi: str) -> str:
    return dtmi.split(";", 1)[0].rsplit(":", 1)[-1]


def _administration(dtmi: str) -> t.AdministrativeInformation | None:
    _, _, version = dtmi.partition(";")
    major, _, minor = version.partition(".")
    if not major.isdigit():
        return None
    return t.AdministrativeInformation(version=major, revision=minor if minor.isdigit() else None)


def _model_short(iface: dtdl.Interface) -> str:
    return id_short(_dtmi_name(iface.id))


def _same(element: t.SubmodelElementList) -> t.SubmodelElement:
    return element


def _model_contents(view: TwinView, plan: _Plan) -> Iterator[tuple[str, dtdl.Content, JsonValue]]:
    """(idShort, content, current value) of the model submodel's contents."""
    for short, content in plan.contents:
        data = isinstance(content, dtdl.Property | dtdl.Telemetry)
        yield short, content, view.value(content.name) if data else None


def _component_contents(
    view: TwinView, comp: dtdl.Component, iface: dtdl.Interface
) -> Iterator[tuple[str, dtdl.Content, JsonValue]]:
    """(idShort, content, current value) of a component's data elements and commands."""
    data = view.twin.properties.get(comp.name)
    values = data if isinstance(data, dict) else {}
    scope = IdShortScope()
    for name in sorted(iface.contents):
        content = iface.contents[name]
        if isinstance(content, dtdl.Property | dtdl.Telemetry):
            signal = view.signals.get(f"{comp.name}.{name}")
            value = signal.value if signal is not None else values.get(name)
            yield scope.claim(name), content, value
        elif isinstance(content, dtdl.Command):
            yield scope.claim(name), content, None


def _submodel(
    submodel_id: str,
    iface: dtdl.Interface,
    short: str,
    described: Described,
    elements: list[t.SubmodelElement],
) -> t.Submodel:
    """The model or a component submodel (semanticId = the Interface's DTMI)."""
    return t.Submodel(
        submodel_id,
        id_short=short,
        semantic_id=global_ref(iface.id),
        kind=t.ModellingKind.INSTANCE,
        administration=_administration(iface.id),
        submodel_elements=elements or None,
        display_name=display(described, None)[0],
        description=display(described, None)[1],
    )


class TwinMapper:
    """Maps twins (as :class:`TwinView`) of one model set to AAS objects (aas-core3.1 types)."""

    def __init__(self, models: dtdl.ModelSet, settings: AasSettings | None = None) -> None:
        self.models = models
        self.settings = settings or AasSettings()
        self.ids = IdScheme(self.settings)
        self.concepts = ConceptCatalog(models)
        self._plans: dict[str, _Plan] = {}
        self._json = JsonTemplates()

    # ------------------------------------------------------------------ plans
    def _plan(self, dtmi: str) -> _Plan:
        plan = self._plans.get(dtmi)
        if plan is not None:
            return plan
        iface = self.models.interfaces.get(dtmi)
        if iface is None:
            msg = f"twin model {dtmi!r} is not in the model set; expected a DTMI of a held model"
            raise AasError(msg)
        scope = IdShortScope()
        contents = tuple(
            (scope.claim(name), iface.contents[name])
            for name in sorted(iface.contents)
            if not isinstance(iface.contents[name], dtdl.Component)
            and not (isinstance(iface.contents[name], dtdl.Relationship) and name == CONTAINS)
        )
        components = tuple(
            (name, comp, self.models.interfaces[comp.schema])
            for name, comp in sorted(iface.components.items())
            if comp.schema in self.models.interfaces
        )
        telemetries = tuple(iface.telemetries[n] for n in sorted(iface.telemetries))
        nameplate = plan_nameplate(iface, self.models)
        keys = [MODEL] + [COMPONENT + name for name, _, _ in components]
        if nameplate is not None:
            keys.append(NAMEPLATE)
        if telemetries:
            keys.append(TIMESERIES)
        plan = _Plan(iface, contents, components, nameplate, telemetries, tuple(keys))
        self._plans[dtmi] = plan
        return plan

    def interface_of(self, view: TwinView) -> dtdl.Interface:
        return self._plan(view.twin.model).iface

    # -------------------------------------------------------------- the shell
    def submodel_keys(self, view: TwinView) -> tuple[str, ...]:
        """The keys of the twin's submodels, in the order the shell lists them."""
        keys = self._plan(view.twin.model).static_keys
        return (*keys, HIERARCHY) if children(view) else keys

    def shell(self, view: TwinView) -> t.AssetAdministrationShell:
        twin = view.twin
        iface = self._plan(twin.model).iface
        specific = [
            t.SpecificAssetID(a.namespace, a.value)
            for a in twin.aliases
            if a.namespace != self.settings.global_asset_namespace
            and 0 < len(a.namespace) <= SPECIFIC_NAME_LIMIT
            and a.namespace.casefold() != "globalassetid"
            and 0 < len(a.value) <= 2000
        ]
        if len(twin.id) <= 2000:
            specific.append(t.SpecificAssetID(TWIN_ID_NAME, twin.id))
        info = t.AssetInformation(
            t.AssetKind.INSTANCE,
            global_asset_id=self.ids.asset(twin),
            specific_asset_ids=specific or None,
            asset_type=twin.model,
        )
        return t.AssetAdministrationShell(
            self.ids.shell(twin.id),
            info,
            id_short=id_short(twin.id.rsplit("/", 1)[-1]),
            display_name=lang_strings({"en": twin.id}, NAME_LIMIT, t.LangStringNameType),
            description=lang_strings(iface.description, TEXT_LIMIT, t.LangStringTextType),
            submodels=[
                submodel_ref(self.ids.submodel(twin.id, k)) for k in self.submodel_keys(view)
            ],
        )

    # ------------------------------------------------------------- submodels
    def submodels(self, view: TwinView) -> list[t.Submodel]:
        return [self.submodel(view, key) for key in self.submodel_keys(view)]

    def submodel(self, view: TwinView, key: str) -> t.Submodel:
        """The twin's submodel ``key``; ``AasError`` when it has none by that key."""
        plan = self._plan(view.twin.model)
        submodel_id = self.ids.submodel(view.twin.id, key)
        if key == MODEL:
            return self._model_submodel(view, plan, submodel_id)
        if key.startswith(COMPONENT):
            name = key[len(COMPONENT) :]
            for comp_name, comp, iface in plan.components:
                if comp_name == name:
                    return self._component_submodel(view, comp, iface, submodel_id)
        elif key == NAMEPLATE and plan.nameplate is not None:
            return nameplate_submodel(view, plan.nameplate, submodel_id)
        elif key == TIMESERIES and plan.telemetries:
            return timeseries_submodel(
                view.twin.id, list(plan.telemetries), self.settings.history_endpoint, submodel_id
            )
        elif key == HIERARCHY and children(view):
            return hierarchy_submodel(view, self.ids.asset(view.twin), submodel_id)
        keys = self.submodel_keys(view)
        msg = f"twin {view.twin.id!r} has no submodel {key!r}; expected one of {keys}"
        raise AasError(msg)

    # ------------------------------------------------- JSON-ready (the export)
    def submodel_jsonable(self, view: TwinView, key: str) -> dict[str, Any]:
        """``to_jsonable(self.submodel(view, key))``, the unchanging parts from templates.

        The model and component submodels reuse per-model dicts (see
        :mod:`aas._jsonable`); the others are built and converted.
        """
        plan = self._plan(view.twin.model)
        submodel_id = self.ids.submodel(view.twin.id, key)
        templates = self._json
        if key == MODEL:
            iface = plan.iface
            header = templates.static(
                ("model", iface.id),
                partial(_submodel, submodel_id, iface, _model_short(iface), iface, []),
            )
            elements = self._elements(
                view,
                _model_contents(view, plan),
                templates.data_element,
                templates.operation,
                as_dict,
            )
            return templates.submodel(header, submodel_id, elements)
        for comp_name, comp, comp_iface in plan.components:
            if key == COMPONENT + comp_name:
                header = templates.static(
                    ("component", comp_iface.id, comp.id),
                    partial(_submodel, submodel_id, comp_iface, id_short(comp.name), comp, []),
                )
                elements = self._elements(
                    view,
                    _component_contents(view, comp, comp_iface),
                    templates.data_element,
                    templates.operation,
                    as_dict,
                )
                return templates.submodel(header, submodel_id, elements)
        if key == NAMEPLATE and plan.nameplate is not None:
            return nameplate_jsonable(view, plan.nameplate, submodel_id, templates)
        if key == TIMESERIES and plan.telemetries:
            return self._timeseries_jsonable(view.twin.id, plan, submodel_id)
        return as_dict(self.submodel(view, key))

    def _timeseries_jsonable(self, twin_id: str, plan: _Plan, submodel_id: str) -> dict[str, Any]:
        telemetries = list(plan.telemetries)
        endpoint = self.settings.history_endpoint
        template = self._json.static(
            ("timeseries", plan.iface.id),
            partial(timeseries_submodel, "-", telemetries, endpoint, "-"),
        )
        filled = replaced(template, ("id",), submodel_id)
        filled = replaced(filled, NAME_PATH, name_text(twin_id))
        found: dict[str, Any] = replaced(filled, QUERY_PATH, query_text(twin_id, telemetries))
        return found

    def _elements(
        self,
        view: TwinView,
        contents: Iterable[tuple[str, dtdl.Content, JsonValue]],
        data: Callable[..., _E],
        command: Callable[[dtdl.Command, str], _E],
        related: Callable[[t.SubmodelElementList], _E],
    ) -> list[_E]:
        """The elements of (idShort, content, value) in one form (objects or dicts)."""
        by_name: dict[str, list[Edge]] = {}
        for edge in view.edges:
            by_name.setdefault(edge.name, []).append(edge)
        elements: list[_E] = []
        for short, content, value in contents:
            if isinstance(content, dtdl.Property | dtdl.Telemetry):
                elements.append(
                    data(content.schema, short, value, semantic=content.id, meta=content)
                )
            elif isinstance(content, dtdl.Command):
                elements.append(command(content, short))
            elif isinstance(content, dtdl.Relationship):
                edges = by_name.get(content.name, [])
                source = self.ids.shell(view.twin.id)
                elements.append(related(relationships(content, short, source, edges, view.shells)))
        return elements

    def _model_submodel(self, view: TwinView, plan: _Plan, submodel_id: str) -> t.Submodel:
        iface = plan.iface
        elements = self._elements(view, _model_contents(view, plan), data_element, operation, _same)
        return _submodel(submodel_id, iface, _model_short(iface), iface, elements)

    def _component_submodel(
        self, view: TwinView, comp: dtdl.Component, iface: dtdl.Interface, submodel_id: str
    ) -> t.Submodel:
        elements = self._elements(
            view, _component_contents(view, comp, iface), data_element, operation, _same
        )
        return _submodel(submodel_id, iface, id_short(comp.name), comp, elements)
