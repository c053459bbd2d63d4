"""DTDL v2/v3: parse, resolve and validate Digital Twins Definition Language models.

Standard library only.
"""

from dtdl._errors import DtdlError

__all__ = ["DtdlError"]
