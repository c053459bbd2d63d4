"""Exceptions of the ``aas`` package.

AasError            base of every error this package raises
"""


class AasError(Exception):
    """Base of every error raised by the ``aas`` package."""
