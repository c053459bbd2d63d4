"""AASX packages (IDTA-01005): basyx-python-sdk's ``AASXWriter`` does the OPC packaging.

The environment part is JSON by default: the export's own JSON
(aas-core3.1 ``jsonization``), valid under metamodel 3.0 and 3.1, so 3.0-only
readers (the IDTA test engine) and 3.1 readers (basyx 2.x) both accept the
package. basyx's own JSON serializer is not used for it: it writes
``"specificAssetIds": []`` for every Entity, which the official schema forbids
(``minItems: 1``). ``AasxPart.XML`` writes basyx's XML part instead
(namespace ``https://admin-shell.io/aas/3/1``; basyx 2.x writes no other),
for readers that take only XML parts.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from aas_core3_1 import jsonization
from aas_core3_1 import types as t
from basyx.aas.adapter import aasx

from aas._dump import dumps

JSON_PART = "/aasx/data.json"
XML_PART = "/aasx/data.xml"


class AasxPart(StrEnum):
    """The format of the environment part inside an AASX package."""

    JSON = "json"
    XML = "xml"


class _Writer(aasx.AASXWriter):
    """basyx's AASX writer, plus an environment part whose JSON the caller writes."""

    @contextmanager
    def json_part(self, name: str) -> Iterator[IO[bytes]]:
        """A binary stream for the part ``name``; it gets the aas-spec relationship on close.

        ``_aas_part_names`` is the list basyx's own ``write_all_aas_objects``
        appends to; ``close`` writes the aasx-origin relationships from it.
        """
        self._aas_part_names.append(name)
        with self.writer.open_part(name, "application/json") as part:
            yield part
        self.writer.write_relationships((), name)


def write_json_package(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """An AASX package at ``path`` whose UTF-8 JSON environment part ``write`` streams."""
    writer = _Writer(str(path), failsafe=False)
    with writer, writer.json_part(JSON_PART) as out:
        write(out)


def write_aasx(env: t.Environment, path: Path, part: AasxPart = AasxPart.JSON) -> None:
    """An AASX package of ``env`` with its environment part in ``part`` format."""
    jsonable = jsonization.to_jsonable(env)
    if part is AasxPart.JSON:
        data = dumps(jsonable)

        def write(out: IO[bytes]) -> None:
            out.write(data)

        write_json_package(path, write)
        return
    from basyx.aas.adapter.json import read_aas_json_file

    objects: Any = read_aas_json_file(io.StringIO(json.dumps(jsonable)), failsafe=False)
    files = aasx.DictSupplementaryFileContainer()  # type: ignore[no-untyped-call]
    with aasx.AASXWriter(str(path), failsafe=False) as writer:
        writer.write_all_aas_objects(XML_PART, objects, files)
