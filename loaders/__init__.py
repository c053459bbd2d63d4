"""Structure in: hierarchies and twin graphs from files into the graph store.

``load_paths`` reads DTDL models (JSON files and folders), hierarchies (YAML,
JSON, CSV) and twin graphs in the Azure Digital Twins import shape (NDJSON),
harmonises identities through aliases and writes through the ``GraphStore``
protocol in batches. See ``docs/loading.md``.
"""

from loaders._adt_write import write_adt_ndjson
from loaders._errors import LoaderError
from loaders._limits import LoadLimits
from loaders._load import load_paths
from loaders._progress import NoProgress, Progress
from loaders._report import Counts, LoadReport, RowRejection
from loaders._sample import sample_plant_paths
from loaders._synthetic import SyntheticPlant, generate_plant

__all__ = [
    "Counts",
    "LoadLimits",
    "LoadReport",
    "LoaderError",
    "NoProgress",
    "Progress",
    "RowRejection",
    "SyntheticPlant",
    "generate_plant",
    "load_paths",
    "sample_plant_paths",
    "write_adt_ndjson",
]
