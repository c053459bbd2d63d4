"""Twinweave: a federated twin knowledge-graph server.

This package is the composition root: the ``twinweave`` command line, the one
place that reads the environment and wires settings and stores into the
packages below it (``server``, ``aas``, ``loaders``, ``ingest``, ``ontology``,
``dtdl``).
"""

from twinweave._version import __version__

__all__ = ["__version__"]
