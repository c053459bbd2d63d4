"""Structure in: hierarchies and twin graphs from files into the graph store."""

from loaders._errors import LoaderError
from loaders._sample import sample_plant_paths
from loaders._synthetic import SyntheticPlant, generate_plant

__all__ = ["LoaderError", "SyntheticPlant", "generate_plant", "sample_plant_paths"]
