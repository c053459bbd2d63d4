"""The Part 2 read routes (AAS Repository, Submodel Repository, Concept Descriptions).

One catch-all GET route parses the path itself: ids are base64url segments,
``$metadata``/``$value``/``$reference``/``$path`` are suffixes, and an
idShortPath is one segment. Anything else is a 404 (unknown path) or 405
(another method) with the official error body.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aas_core3_1 import jsonization, xmlization
from aas_core3_1 import types as t
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

import aas
from ontology import OntologyError
from ontology.access import Principal
from server.aas._codec import decode_id, encode_cursor
from server.aas._content import core, find, metadata, paths, value_only
from server.aas._errors import ApiError, error_response
from server.aas._params import Content, Modifiers, modifiers, paging
from server.aas._service import AasService, Page

Json = Any
PrincipalOf = Callable[[HTTPConnection], Principal]
"""Who a request is: ``create_app`` passes the same function as to GraphQL."""
AASX = "application/asset-administration-shell-package+xml"
_SUFFIXES = {c.value: c for c in Content if c.value}
_CONTAINERS = frozenset({"SubmodelElementCollection", "SubmodelElementList", "Entity"})
_PROFILES = (
    "AssetAdministrationShellRepositoryServiceSpecification/SSP-002",
    "SubmodelRepositoryServiceSpecification/SSP-002",
)


def _json(body: Json) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        media_type="application/json",
    )


def _paged(page: Page) -> Json:
    meta = {"cursor": encode_cursor(page.cursor)} if page.cursor is not None else {}
    return {"paging_metadata": meta, "result": page.items}


_PAGING = frozenset({"limit", "cursor"})
_MODIFIERS = frozenset({"level", "extent"})


_UNBOUNDED = "serialization"


def _only(query: Any, allowed: frozenset[str]) -> None:
    """Refuse query parameters the operation does not define (400, naming them)."""
    unknown = sorted(set(query.keys()) - allowed)
    if unknown:
        expected = ", ".join(sorted(allowed)) or "none"
        msg = f"query parameter {unknown[0][:64]!r} is not defined here; expected: {expected}"
        raise ApiError(400, msg)


def _suffix(parts: list[str]) -> tuple[list[str], Content]:
    if parts and parts[-1] in _SUFFIXES:
        return parts[:-1], _SUFFIXES[parts[-1]]
    return parts, Content.NORMAL


class AasApi:
    """Answers one request at a time against an :class:`AasService`."""

    def __init__(
        self, service: AasService, principal_of: PrincipalOf, version: str, *, inline: bool = False
    ) -> None:
        """``inline``: the store is the in-process one, whose reads are dictionary lookups
        under the GIL: a worker thread runs them no faster, while the hop there and back
        costs as much as a small answer. Those answers run on the event loop, except
        ``/serialization``, the one answer not bounded by a page limit."""
        self.service = service
        self.principal_of = principal_of
        self.version = version
        self.inline = inline

    async def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return error_response(405, f"{request.method} is not served: this is a read profile")
        try:
            if self.inline and not request.path_params.get("path", "").startswith(_UNBOUNDED):
                return self._answer(request)
            return await run_in_threadpool(self._answer, request)
        except ApiError as err:
            return error_response(err.status, err.text)
        except (aas.AasError, OntologyError) as err:
            return error_response(400, str(err)[:1000])

    # ------------------------------------------------------------- dispatch
    def _answer(self, request: Request) -> Response:
        raw = request.path_params.get("path", "")
        parts = [p for p in raw.split("/") if p] if raw else []
        principal = self.principal_of(request)
        query = request.query_params
        head = parts[0] if parts else ""
        if parts == ["description"]:
            _only(query, frozenset())
            profiles = [f"https://admin-shell.io/aas/API/{self.version}/{p}" for p in _PROFILES]
            return _json({"profiles": profiles})
        if parts == ["serialization"]:
            return self._serialization(request, principal)
        if head == "shells":
            return self._shells(parts[1:], query, principal)
        if head == "submodels":
            return self._submodels(parts[1:], query, principal)
        if head == "concept-descriptions" and len(parts) <= 2:
            return self._concepts(parts[1:], query)
        raise ApiError(404, f"no such path: /{raw[:200]}")

    # ---------------------------------------------------------------- shells
    def _shells(self, parts: list[str], query: Any, principal: Principal) -> Response:
        service = self.service
        if not parts or parts == ["$reference"]:
            _only(query, _PAGING | {"idShort", "assetIds"})
            page_of = paging(query)
            id_short = query.get("idShort")
            wanted = [_asset_id(v) for v in query.getlist("assetIds")]
            reference = bool(parts)

            def items(mapper: aas.TwinMapper, view: aas.TwinView) -> list[Json]:
                shell = _jsonable(mapper.shell(view))
                if id_short is not None and shell.get("idShort") != id_short:
                    return []
                if wanted and not _has_assets(shell, wanted):
                    return []
                return [_shell_ref(shell["id"]) if reference else shell]

            return _json(_paged(service.page(principal, page_of.cursor, page_of.limit, items)))
        shell_id = decode_id(parts[0], "aasIdentifier")
        rest = parts[1:]
        if rest == ["submodel-refs"]:
            _only(query, _PAGING)
        elif not rest or rest[0] != "submodels":
            _only(query, frozenset())
        if not rest:
            return _json(service.shell(principal, shell_id))
        if rest == ["$reference"]:
            service.shell(principal, shell_id)
            return _json(_shell_ref(shell_id))
        if rest == ["asset-information"]:
            return _json(service.shell(principal, shell_id)["assetInformation"])
        if rest == ["asset-information", "thumbnail"]:
            service.shell(principal, shell_id)
            raise ApiError(404, f"shell {shell_id[:300]!r} has no thumbnail")
        if rest == ["submodel-refs"]:
            page_of = paging(query)
            refs = service.shell(principal, shell_id).get("submodels", [])
            return _json(_paged(_index_page(refs, page_of.cursor, page_of.limit)))
        if rest[0] == "submodels" and len(rest) >= 2:
            submodel_id = decode_id(rest[1], "submodelIdentifier")
            submodel = service.submodel_of_shell(principal, shell_id, submodel_id)
            return self._inside_submodel(submodel, rest[2:], query)
        raise ApiError(404, f"no such path below shell {shell_id[:300]!r}")

    # ------------------------------------------------------------- submodels
    def _submodels(self, parts: list[str], query: Any, principal: Principal) -> Response:
        service = self.service
        if not parts or (len(parts) == 1 and parts[0] in _SUFFIXES):
            content = _SUFFIXES[parts[0]] if parts else Content.NORMAL
            _only(query, _PAGING | _MODIFIERS | {"semanticId", "idShort"})
            mods = modifiers(query, content)
            page_of = paging(query)
            semantic = query.get("semanticId")
            semantic_id = decode_id(semantic, "semanticId") if semantic is not None else None
            id_short = query.get("idShort")

            def items(mapper: aas.TwinMapper, view: aas.TwinView) -> list[Json]:
                out = []
                for key in mapper.submodel_keys(view):
                    submodel = mapper.submodel_jsonable(view, key)
                    keys = submodel.get("semanticId", {}).get("keys", [])
                    if semantic_id is not None and (not keys or keys[0]["value"] != semantic_id):
                        continue
                    if id_short is not None and submodel.get("idShort") != id_short:
                        continue
                    out.append((submodel["id"], _render_submodel(submodel, mods)))
                return out

            def plain(mapper: aas.TwinMapper, view: aas.TwinView) -> list[Json]:
                return [rendered for _, rendered in items(mapper, view)]

            def paths_of(mapper: aas.TwinMapper, view: aas.TwinView) -> list[Json]:
                return [p for _, item in items(mapper, view) for p in item]  # each path an item

            def values_of(mapper: aas.TwinMapper, view: aas.TwinView) -> list[Json]:
                return [{i: v} for i, v in items(mapper, view)]

            by_content = {Content.PATH: paths_of, Content.VALUE: values_of}
            page = service.page(
                principal, page_of.cursor, page_of.limit, by_content.get(content, plain)
            )
            return self._values_page(page, content)
        submodel_id = decode_id(parts[0], "submodelIdentifier")
        return self._inside_submodel(service.submodel(principal, submodel_id), parts[1:], query)

    def _inside_submodel(self, submodel: Json, parts: list[str], query: Any) -> Response:
        parts, content = _suffix(parts)
        _only(query, _MODIFIERS | (_PAGING if parts == ["submodel-elements"] else frozenset()))
        if not parts:
            return _json(_render_submodel(submodel, modifiers(query, content)))
        if parts[0] != "submodel-elements" or len(parts) > 3:
            raise ApiError(404, "no such path below the submodel")
        if len(parts) == 1:
            mods = modifiers(query, content)
            page_of = paging(query)
            if content is Content.PATH:
                items: list[Json] = paths(submodel, "", deep=mods.deep)
            else:
                items = [
                    _render_element(
                        e, [_element_key(e)], mods, submodel["id"], e.get("idShort", "")
                    )
                    for e in submodel.get("submodelElements", [])
                ]
            return self._values_page(_index_page(items, page_of.cursor, page_of.limit), content)
        element, keys = find(submodel, parts[1])
        if len(parts) == 3:
            if parts[2] != "attachment" or content is not Content.NORMAL:
                raise ApiError(404, "no such path below the submodel element")
            raise ApiError(404, f"submodel element {parts[1][:200]!r} has no attachment")
        mods = modifiers(query, content)
        return _json(_render_element(element, keys, mods, submodel["id"], parts[1]))

    def _values_page(self, page: Page, content: Content) -> Response:
        """A page; a ``$value`` page's result is a list in 3.0 and one object in 3.1.

        The 3.1.2 OpenAPI files make ``result`` of a Value-Only page one object
        (``ValueOnly``); API 3.0 (and the IDTA test engine) a list of them. Each
        version gets its own: in 3.1 the items' keys are merged into one object.
        """
        if content is not Content.VALUE or self.version == "3/0":
            return _json(_paged(page))
        merged = {k: v for item in page.items if isinstance(item, dict) for k, v in item.items()}
        return _json({**_paged(page), "result": merged})

    # ------------------------------------------------------ concept descriptions
    def _concepts(self, parts: list[str], query: Any) -> Response:
        if parts:
            _only(query, frozenset())
            return _json(self.service.concept(decode_id(parts[0], "cdIdentifier")))
        _only(query, _PAGING | {"idShort", "isCaseOf", "dataSpecificationRef"})
        page_of = paging(query)
        case_of = query.get("isCaseOf")
        wanted_case = decode_id(case_of, "isCaseOf") if case_of is not None else None
        spec = query.get("dataSpecificationRef")
        wanted_spec = decode_id(spec, "dataSpecificationRef") if spec is not None else None
        id_short = query.get("idShort")
        concepts = self.service.mapper().concepts
        start = 0
        if page_of.cursor is not None:
            start = _index(page_of.cursor)
        out: list[Json] = []
        ids = concepts.ids()
        for position in range(start, len(ids)):
            found = concepts.get(ids[position])
            if found is None:
                continue
            concept = _jsonable(found)
            if id_short is not None and concept.get("idShort") != id_short:
                continue
            if wanted_case is not None and not _refers(concept.get("isCaseOf", []), wanted_case):
                continue
            specs = [s["dataSpecification"] for s in concept.get("embeddedDataSpecifications", [])]
            if wanted_spec is not None and not _refers(specs, wanted_spec):
                continue
            if len(out) == page_of.limit:
                return _json(_paged(Page(out, ["", position])))
            out.append(concept)
        return _json(_paged(Page(out, None)))

    # ---------------------------------------------------------- serialization
    def _serialization(self, request: Request, principal: Principal) -> Response:
        service = self.service
        query = request.query_params
        _only(query, frozenset({"aasIds", "submodelIds", "includeConceptDescriptions"}))
        shell_ids = [decode_id(v, "aasIds") for v in query.getlist("aasIds")]
        submodel_ids = [decode_id(v, "submodelIds") for v in query.getlist("submodelIds")]
        include = query.get("includeConceptDescriptions", "true").lower()
        if include not in ("true", "false"):
            raise ApiError(400, f"includeConceptDescriptions {include[:32]!r} is not true or false")
        mapper = service.mapper()
        shells: list[t.AssetAdministrationShell] = []
        submodels: list[t.Submodel] = []
        models: set[str] = set()
        if not shell_ids and not submodel_ids:
            for view in service.views(principal, service.environment_ids(principal)):
                shells.append(mapper.shell(view))
                submodels.extend(mapper.submodels(view))
                models.add(view.twin.model)
        for shell_id in shell_ids:
            twin_id = service.ids.twin_of_shell(shell_id)
            if twin_id is None:
                raise ApiError(404, f"no shell with id {shell_id[:300]!r}")
            view = service.view(principal, twin_id, "shell", shell_id)
            shells.append(mapper.shell(view))
            models.add(view.twin.model)
        for submodel_id in submodel_ids:
            parsed = service.ids.twin_of_submodel(submodel_id)
            if parsed is None:
                raise ApiError(404, f"no submodel with id {submodel_id[:300]!r}")
            view = service.view(principal, parsed[0], "submodel", submodel_id)
            if parsed[1] not in mapper.submodel_keys(view):
                raise ApiError(404, f"no submodel with id {submodel_id[:300]!r}")
            submodels.append(mapper.submodel(view, parsed[1]))
            models.add(view.twin.model)
        concepts = mapper.concepts.for_interfaces(models) if include == "true" else []
        env = t.Environment(
            asset_administration_shells=shells or None,
            submodels=submodels or None,
            concept_descriptions=concepts or None,
        )
        accept = request.headers.get("accept", "application/json")
        if AASX in accept:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "env.aasx"
                aas.write_aasx(env, path)
                return Response(path.read_bytes(), media_type=AASX)
        if "application/xml" in accept and "application/json" not in accept:
            out = io.StringIO()
            xmlization.write(env, out)
            return Response(out.getvalue(), media_type="application/xml")
        return _json(_jsonable(env))


# ----------------------------------------------------------------- rendering
def _jsonable(obj: t.Class) -> Json:
    return jsonization.to_jsonable(obj)


def _shell_ref(shell_id: str) -> Json:
    return {
        "type": "ModelReference",
        "keys": [{"type": "AssetAdministrationShell", "value": shell_id}],
    }


def _element_key(element: Json) -> Json:
    return {"type": element["modelType"], "value": element.get("idShort", "")}


def _render_submodel(submodel: Json, mods: Modifiers) -> Json:
    content = mods.content
    if content is Content.METADATA:
        return metadata(submodel)
    if content is Content.REFERENCE:
        return {"type": "ModelReference", "keys": [{"type": "Submodel", "value": submodel["id"]}]}
    if content is Content.PATH:
        return paths(submodel, "", deep=mods.deep)
    shaped = submodel if mods.deep else core(submodel)
    return value_only(shaped) if content is Content.VALUE else shaped


def _render_element(
    element: Json, keys: list[Json], mods: Modifiers, submodel_id: str, path: str
) -> Json:
    content = mods.content
    if content is Content.METADATA:
        return metadata(element)
    if content is Content.REFERENCE:
        return {
            "type": "ModelReference",
            "keys": [{"type": "Submodel", "value": submodel_id}, *keys],
        }
    if content is Content.PATH:
        if element.get("modelType") not in _CONTAINERS:
            kind = element.get("modelType")
            msg = f"$path is for collections, lists and entities; {path[:200]!r} is a {kind}"
            raise ApiError(400, msg)
        return [path, *paths(element, path, deep=mods.deep)]
    shaped = element if mods.deep else core(element)
    if content is Content.VALUE:
        value = value_only(shaped)
        return {element["idShort"]: value} if "idShort" in element and value is not None else value
    return shaped


def _index(cursor: list[object]) -> int:
    if len(cursor) != 2 or not isinstance(cursor[1], int) or cursor[1] < 0:
        raise ApiError(400, "cursor is not one this server gave out")
    return cursor[1]


def _index_page(items: list[Json], cursor: list[object] | None, limit: int) -> Page:
    start = _index(cursor) if cursor is not None else 0
    end = start + limit
    return Page(items[start:end], ["", end] if end < len(items) else None)


def _asset_id(text: str) -> tuple[str, str]:
    raw = decode_id(text, "assetIds")
    try:
        pair = json.loads(raw)
    except ValueError:
        pair = None
    if not isinstance(pair, dict) or not isinstance(pair.get("name"), str):
        msg = 'assetIds: each value is base64url of {"name": ..., "value": ...}'
        raise ApiError(400, msg)
    return pair["name"], str(pair.get("value", ""))


def _has_assets(shell: Json, wanted: list[tuple[str, str]]) -> bool:
    info = shell["assetInformation"]
    have = {(s["name"], s["value"]) for s in info.get("specificAssetIds", [])}
    if "globalAssetId" in info:
        have.add(("globalAssetId", info["globalAssetId"]))
    return all(w in have for w in wanted)


def _refers(references: list[Json], value: str) -> bool:
    return any(k.get("value") == value for r in references for k in r.get("keys", []))
