"""Exceptions of the ``ingest`` package.

IngestError         base of every error this package raises
"""


class IngestError(Exception):
    """Base of every error raised by the ``ingest`` package."""
