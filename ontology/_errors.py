"""Exceptions of the ``ontology`` package.

OntologyError       base of every error this package raises
"""


class OntologyError(Exception):
    """Base of every error raised by the ``ontology`` package."""
