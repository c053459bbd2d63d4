"""AAS V3 boundary: twins and their DTDL models as Asset Administration Shells.

``TwinMapper`` maps a twin (read with ``TwinReader`` into a ``TwinView``) to
one AssetAdministrationShell and its submodels, with ConceptDescriptions for
the models (metamodel 3.1 objects of ``aas-core3.1``; the JSON is also valid
3.0). ``Exporter`` writes one twin, a subtree or everything as JSON
(streaming), XML or AASX. See docs/aas.md for the mapping and what it loses.
"""

from aas._aasx import AasxPart, write_aasx
from aas._errors import AasError
from aas._export import XML_METAMODELS, Exporter, ExportFormat, Progress, write_xml_30
from aas._ids import IdScheme
from aas._idshort import IdShortScope, id_short
from aas._langs import lang_strings
from aas._mapper import COMPONENT, HIERARCHY, MODEL, NAMEPLATE, TIMESERIES, TwinMapper
from aas._reader import TwinReader, Visible
from aas._settings import AasSettings
from aas._view import TwinView
from aas._xs import lexical, xs_type

__all__ = [
    "COMPONENT",
    "HIERARCHY",
    "MODEL",
    "NAMEPLATE",
    "TIMESERIES",
    "XML_METAMODELS",
    "AasError",
    "AasSettings",
    "AasxPart",
    "ExportFormat",
    "Exporter",
    "IdScheme",
    "IdShortScope",
    "Progress",
    "TwinMapper",
    "TwinReader",
    "TwinView",
    "Visible",
    "id_short",
    "lang_strings",
    "lexical",
    "write_aasx",
    "write_xml_30",
    "xs_type",
]
