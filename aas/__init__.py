"""AAS V3 boundary: twins and their DTDL models as Asset Administration Shells.

Exports (JSON, XML, AASX) and the Part 2 REST read profiles are not built yet;
this package holds only its exception base so far.
"""

from aas._errors import AasError

__all__ = ["AasError"]
