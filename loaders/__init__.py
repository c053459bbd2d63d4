"""Structure in: hierarchies and twin graphs from files into the graph store."""

from loaders._errors import LoaderError

__all__ = ["LoaderError"]
