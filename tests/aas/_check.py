"""Checks every export must pass: official JSON schema / XSD, aas-core 3.0 and 3.1, basyx."""

from __future__ import annotations

import io
import json
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import aas_core3.jsonization as core30_json
import aas_core3.verification as core30_verify
import jsonschema_rs
import orjson
from aas_core3_1 import jsonization as core31_json
from aas_core3_1 import verification as core31_verify
from aas_core3_1 import xmlization as core31_xml
from basyx.aas import model
from basyx.aas.adapter import aasx
from basyx.aas.adapter.json import read_aas_json_file
from basyx.aas.adapter.xml import read_aas_xml_file
from lxml import etree
from pyecma376_2.zip_package import ZipPackageReader

from tests._shared import shared_file

XML_CHARACTERS = (
    "^([\\x09\\x0a\\x0d\\x20-\\ud7ff\\ue000-\\ufffd]|\\ud800[\\udc00-\\udfff]|"
    "[\\ud801-\\udbfe][\\udc00-\\udfff]|\\udbff[\\udc00-\\udfff])*$"
)
"""The schemas' XML-character pattern, spelled in UTF-16 surrogate pairs."""
XML_CODE_POINTS = "^[\\x09\\x0a\\x0d\\x20-\\ud7ff\\ue000-\\ufffd\\u{10000}-\\u{10ffff}]*$"
"""The same set of strings as code points (what the Rust regex engine reads)."""


def _code_points(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: (v.replace(XML_CHARACTERS, XML_CODE_POINTS) if k == "pattern" else _code_points(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_code_points(v) for v in node]
    return node


@cache
def _json_validator(version: str) -> Any:
    """The official JSON schema in jsonschema-rs (the Python validator takes a minute per MB).

    Only the XML-character pattern is respelled (same strings, code points
    instead of surrogate pairs, which the Rust engine cannot compile).
    """
    path = shared_file(f"standards/aas/metamodel/{version}/aas.json")
    schema = json.loads(path.read_text(encoding="utf-8"))
    respelled = _code_points(schema)
    assert respelled != schema, "the schema no longer has the XML-character pattern"
    return jsonschema_rs.validator_for(respelled)


@cache
def _xsd(version: str) -> etree.XMLSchema:
    return etree.XMLSchema(
        etree.parse(str(shared_file(f"standards/aas/metamodel/{version}/AAS.xsd")))
    )


def _schemas_and_core31(document: Any) -> None:
    """Both official JSON schemas, then aas-core3.1 verification."""
    for version in ("v3.0", "v3.1"):
        errors = [
            f"{list(e.instance_path)}: {e.message[:200]}"
            for e in _json_validator(version).iter_errors(document)
        ]
        assert errors == [], f"{version} JSON schema: {errors[:5]}"
    env31 = core31_json.environment_from_jsonable(document)
    found31 = [f"{e.path}: {e.cause}" for e in core31_verify.verify(env31)]
    assert found31 == [], found31[:5]


def _core30(document: Any) -> None:
    env30 = core30_json.environment_from_jsonable(document)
    found30 = [f"{e.path}: {e.cause}" for e in core30_verify.verify(env30)]
    assert found30 == [], found30[:5]


def check_json(document: Any) -> int:
    """Every check on an environment as JSON; returns how many objects basyx read."""
    _schemas_and_core31(document)
    _core30(document)
    store = read_aas_json_file(io.StringIO(json.dumps(document)), failsafe=False)
    return len(store)


def _file_schemas_and_core31(path: str) -> tuple[int, int]:
    """In a worker: the checks of ``_schemas_and_core31``; (shells, identifiables) in the file."""
    document = orjson.loads(Path(path).read_bytes())
    _schemas_and_core31(document)
    kinds = ("assetAdministrationShells", "submodels", "conceptDescriptions")
    return len(document["assetAdministrationShells"]), sum(len(document[k]) for k in kinds)


def _file_core30(path: str) -> None:
    _core30(orjson.loads(Path(path).read_bytes()))


def _package_basyx(path: str) -> int:
    return check_aasx(Path(path), parts=False)


def _xml_schema_and_core31(path: str) -> int:
    """In a worker: the XSD, then aas-core 3.1's XML reader and verification; identifiables."""
    return _checked_xml_core31(Path(path))


def _xml_basyx(path: str) -> int:
    return len(read_aas_xml_file(path, failsafe=False))


class ExportChecks:
    """Every check on a large export's JSON file, AASX package and XML file, each started in a
    spawned process (the pytest process may run threads) as soon as its file is written, so
    that the checks of one file run while the next is exported.

    The package's environment part must be the JSON export byte for byte, so the JSON
    checks (schemas, aas-core 3.0 and 3.1) hold for it too; basyx reads the package with
    its AASX reader (which parses that JSON). The XML export passes the XSD and aas-core
    3.1, and basyx reads it. ``result`` returns (shells, identifiables), equal for every
    reader.
    """

    def __init__(self, pool: ProcessPoolExecutor) -> None:
        self._pool = pool
        self._json: Path | None = None
        self._aasx: Path | None = None
        self._futures: dict[str, Future[Any]] = {}

    def json_written(self, path: Path) -> None:
        self._json = path
        self._futures["json"] = self._pool.submit(_file_schemas_and_core31, str(path))
        self._futures["core30"] = self._pool.submit(_file_core30, str(path))

    def xml_written(self, path: Path) -> None:
        self._futures["xml"] = self._pool.submit(_xml_schema_and_core31, str(path))
        self._futures["xml basyx"] = self._pool.submit(_xml_basyx, str(path))

    def aasx_written(self, path: Path) -> None:
        self._aasx = path
        self._futures["aasx basyx"] = self._pool.submit(_package_basyx, str(path))

    def result(self) -> tuple[int, int]:
        assert self._json is not None and self._aasx is not None, "write the JSON and AASX first"
        assert set(self._futures) == {"json", "core30", "xml", "xml basyx", "aasx basyx"}
        (part,) = aasx_parts(self._aasx).values()
        assert part == self._json.read_bytes()
        shells, objects = self._futures["json"].result()
        self._futures["core30"].result()
        read = {k: self._futures[k].result() for k in ("xml", "xml basyx", "aasx basyx")}
        assert read == dict.fromkeys(read, objects), (read, objects)
        return shells, objects


@contextmanager
def export_checks() -> Iterator[ExportChecks]:
    """An ``ExportChecks`` on four spawned processes, shut down on leaving."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        yield ExportChecks(pool)


def _checked_xml_core31(path: Path) -> int:
    schema = _xsd("v3.1")
    document = etree.parse(str(path))
    assert schema.validate(document), str(schema.error_log)[:1000]
    env = core31_xml.environment_from_file(path)
    found = [f"{e.path}: {e.cause}" for e in core31_verify.verify(env)]
    assert found == [], found[:5]
    kinds = (env.asset_administration_shells, env.submodels, env.concept_descriptions)
    return sum(len(k or ()) for k in kinds)


def check_xml(path: Path) -> int:
    """Every check on an XML export: the XSD, aas-core 3.1, basyx; how many objects basyx read."""
    core31 = _checked_xml_core31(path)
    read = _xml_basyx(str(path))
    assert read == core31, (read, core31)
    return read


def aasx_parts(path: Path) -> dict[str, bytes]:
    """The environment parts of a package: the aas-spec targets of its aasx-origin part.

    Read with pyecma376_2, the OPC reader basyx's ``AASXReader`` uses.
    """
    reader = ZipPackageReader(str(path))
    try:
        origins = reader.get_related_parts_by_type()[aasx.RELATIONSHIP_TYPE_AASX_ORIGIN]
        assert len(origins) == 1, origins
        names = reader.get_related_parts_by_type(origins[0])[aasx.RELATIONSHIP_TYPE_AAS_SPEC]
        parts: dict[str, bytes] = {}
        for name in names:
            with reader.open_part(name) as stream:
                parts[name] = stream.read()
        return parts
    finally:
        reader.close()


def check_aasx(path: Path, *, parts: bool = True) -> int:
    """Every check on each environment part (unless not ``parts``), then basyx's AASX reader."""
    found = aasx_parts(path)
    assert len(found) == 1, sorted(found)
    for name, data in found.items() if parts else ():
        if name.endswith(".json"):
            check_json(json.loads(data))
        else:
            assert name.endswith(".xml"), name
            part = path.with_name(path.name + ".part.xml")
            part.write_bytes(data)
            check_xml(part)
    store: model.DictIdentifiableStore[model.Identifiable] = model.DictIdentifiableStore()
    files = aasx.DictSupplementaryFileContainer()  # type: ignore[no-untyped-call]
    with aasx.AASXReader(str(path), failsafe=False) as reader:
        reader.read_into(store, files)
    return len(store)
