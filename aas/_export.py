"""Exports of one twin, a subtree or everything as AAS JSON, XML or AASX.

JSON streams: twins are read and mapped in batches, shells written as they
come, submodels spooled to a temporary file and appended, then the
ConceptDescriptions of the models used; memory stays flat as the set grows.
An AASX package streams the same JSON into its environment part (see
:mod:`aas._aasx`). XML (aas-core3.1 ``xmlization``, namespace
``https://admin-shell.io/aas/3/1``) and an AASX with an XML part hold the
whole environment in memory.
"""

from __future__ import annotations

import gc
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, TextIO, TypeVar

from aas_core3_1 import jsonization, xmlization
from aas_core3_1 import types as t

from aas._aasx import AasxPart, write_aasx, write_json_package
from aas._dump import dumps
from aas._errors import AasError
from aas._jsonable import as_dict
from aas._mapper import TwinMapper
from aas._reader import TwinReader, Visible
from aas._view import TwinView
from ontology import GraphStore, OntologyError

BATCH = 500
"""Twins read and mapped per step."""

XML_METAMODELS = ("3.1", "3.0")

_S = TypeVar("_S")
_M = TypeVar("_M")

Progress = Callable[[int, int], None]
"""Called with (twins done, twins in total) after each batch."""


class ExportFormat(StrEnum):
    JSON = "json"
    XML = "xml"
    AASX = "aasx"


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch's (acyclic) objects are built."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _no_progress(done: int, total: int) -> None:
    return None


class Exporter:
    """Reads twins from a store and writes them as AAS in one of the formats."""

    def __init__(self, store: GraphStore, mapper: TwinMapper, *, visible: Visible | None = None):
        self._store = store
        self._mapper = mapper
        self._reader = TwinReader(store, mapper.ids)
        self._visible = visible

    def twin_ids(self, root: str | None = None) -> list[str]:
        """The ids an export covers: everything, or ``root`` and its descendants."""
        try:
            ids = list(self._reader.twin_ids(root))
        except OntologyError as err:
            msg = f"cannot export subtree {root!r}: {err}"
            raise AasError(msg) from err
        if self._visible is not None and ids:
            ids = [i for i, ok in zip(ids, self._visible(ids), strict=True) if ok]
        return ids

    def batches(
        self, ids: Sequence[str], progress: Progress = _no_progress
    ) -> Iterable[tuple[list[t.AssetAdministrationShell], list[t.Submodel], set[str]]]:
        """(shells, submodels, models used) per batch of twins."""
        mapper = self._mapper
        return self._batches(ids, progress, mapper.shell, mapper.submodels)

    def _batches(
        self,
        ids: Sequence[str],
        progress: Progress,
        shell: Callable[[TwinView], _S],
        submodels: Callable[[TwinView], list[_M]],
    ) -> Iterator[tuple[list[_S], list[_M], set[str]]]:
        for start in range(0, len(ids), BATCH):
            with _no_gc():
                yield self._batch(ids[start : start + BATCH], shell, submodels)
            progress(min(start + BATCH, len(ids)), len(ids))

    def _batch(
        self,
        ids: Sequence[str],
        shell: Callable[[TwinView], _S],
        submodels: Callable[[TwinView], list[_M]],
    ) -> tuple[list[_S], list[_M], set[str]]:
        mapper = self._mapper
        views = self._reader.views(ids, self._visible)
        shells: list[_S] = []
        out: list[_M] = []
        models: set[str] = set()
        for view in views:
            if view is None:
                continue
            shells.append(shell(view))
            out.extend(submodels(view))
            models.add(view.twin.model)
            models.update(c.schema for c in mapper.interface_of(view).components.values())
        return shells, out, models

    def _json_submodels(self, view: TwinView) -> list[dict[str, Any]]:
        mapper = self._mapper
        return [mapper.submodel_jsonable(view, key) for key in mapper.submodel_keys(view)]

    def _json_shell(self, view: TwinView) -> dict[str, Any]:
        return as_dict(self._mapper.shell(view))

    def environment(self, ids: Sequence[str], progress: Progress = _no_progress) -> t.Environment:
        shells: list[t.AssetAdministrationShell] = []
        submodels: list[t.Submodel] = []
        models: set[str] = set()
        for s, sm, m in self.batches(ids, progress):
            shells.extend(s)
            submodels.extend(sm)
            models |= m
        concepts = self._mapper.concepts.for_interfaces(models)
        return t.Environment(
            asset_administration_shells=shells or None,
            submodels=submodels or None,
            concept_descriptions=concepts or None,
        )

    def write_json(
        self, ids: Sequence[str], out: IO[bytes], progress: Progress = _no_progress
    ) -> None:
        """Stream the environment of ``ids`` as UTF-8 JSON to the binary stream ``out``."""
        models: set[str] = set()
        wrote = False
        with tempfile.TemporaryFile("w+b") as spool:
            spooled = False
            batches = self._batches(ids, progress, self._json_shell, self._json_submodels)
            for shells, submodels, used in batches:
                models |= used
                if shells:
                    out.write(b"," if wrote else b'{"assetAdministrationShells":[')
                    out.write(b",".join(map(dumps, shells)))
                    wrote = True
                if submodels:
                    spool.write(b"," if spooled else b"")
                    spool.write(b",".join(map(dumps, submodels)))
                    spooled = True
            out.write(b"]" if wrote else b"{")
            if spooled:
                out.write(b',"submodels":[' if wrote else b'"submodels":[')
                spool.seek(0)
                shutil.copyfileobj(spool, out)
                out.write(b"]")
            concepts = self._mapper.concepts.for_interfaces(models)
            if concepts:
                out.write(b"," if wrote or spooled else b"")
                out.write(b'"conceptDescriptions":[')
                out.write(b",".join(dumps(jsonization.to_jsonable(c)) for c in concepts))
                out.write(b"]")
            out.write(b"}")

    def write(
        self,
        ids: Sequence[str],
        path: Path,
        fmt: ExportFormat,
        progress: Progress = _no_progress,
        *,
        xml_metamodel: str = "3.1",
        aasx_part: AasxPart = AasxPart.JSON,
    ) -> None:
        """Write the export of ``ids`` to ``path`` (written whole or not at all).

        ``xml_metamodel="3.0"`` writes XML in the 3.0 namespace (for partners and
        tools that read only 3.0, such as the IDTA test engine); JSON is valid
        under both. An AASX holds the JSON (streamed into the package), or with
        ``aasx_part=AasxPart.XML`` basyx's 3.1 XML.
        """
        if xml_metamodel not in XML_METAMODELS:
            msg = f"xml_metamodel {xml_metamodel!r} is not one of {', '.join(XML_METAMODELS)}"
            raise AasError(msg)
        part = path.with_name(path.name + ".part")
        try:
            if fmt is ExportFormat.JSON:
                with part.open("wb") as stream:
                    self.write_json(ids, stream, progress)
            elif fmt is ExportFormat.XML:
                env = self.environment(ids, progress)
                with part.open("w", encoding="utf-8") as out:
                    if xml_metamodel == "3.0":
                        write_xml_30(env, out)
                    else:
                        xmlization.write(env, out)
            elif aasx_part is AasxPart.JSON:
                write_json_package(part, lambda out: self.write_json(ids, out, progress))
            else:
                write_aasx(self.environment(ids, progress), part, AasxPart.XML)
            part.replace(path)
        except OSError as err:
            part.unlink(missing_ok=True)
            msg = f"cannot write {str(path)!r}: {err.strerror or err}"
            raise AasError(msg) from err
        except BaseException:
            part.unlink(missing_ok=True)
            raise


def write_xml_30(env: t.Environment, out: TextIO) -> None:
    """``env`` as metamodel 3.0 XML (aas-core3.0 reads the JSON, valid under both; writes XML)."""
    import aas_core3.jsonization as json_30
    import aas_core3.xmlization as xml_30

    xml_30.write(json_30.environment_from_jsonable(jsonization.to_jsonable(env)), out)
