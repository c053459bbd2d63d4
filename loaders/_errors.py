"""Exceptions of the ``loaders`` package.

LoaderError         base of every error this package raises
"""


class LoaderError(Exception):
    """Base of every error raised by the ``loaders`` package."""
