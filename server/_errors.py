"""Exceptions of the ``server`` package.

ServerError         base of every error this package raises
"""


class ServerError(Exception):
    """Base of every error raised by the ``server`` package."""
