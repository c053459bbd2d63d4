"""Exceptions of the ``dtdl`` package.

DtdlError           base of every error this package raises
"""


class DtdlError(Exception):
    """Base of every error raised by the ``dtdl`` package."""
