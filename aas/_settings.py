"""Typed settings of the mapping: how ids are minted and where history lives."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aas._errors import AasError

_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[!-~]*$")


@dataclass(frozen=True, slots=True)
class AasSettings:
    """How twins become AAS identifiables.

    ``id_prefix`` starts every id this mapping mints (shells, submodels, assets);
    ``history_endpoint`` is what the Time Series Data submodel's LinkedSegment
    points at (where a partner fetches a signal's history);
    ``global_asset_namespace`` is the alias namespace whose value, when a twin
    has one, is its ``globalAssetId`` (otherwise one is minted from the twin id).
    """

    id_prefix: str = "urn:twinweave:"
    history_endpoint: str = "/graphql"
    global_asset_namespace: str = "aas"

    def __post_init__(self) -> None:
        if not _PREFIX.match(self.id_prefix) or len(self.id_prefix) > 200:
            msg = (
                f"AasSettings.id_prefix {self.id_prefix!r} is not a URI scheme and path of at "
                "most 200 printable ASCII characters without spaces (e.g. 'urn:acme:')"
            )
            raise AasError(msg)
        if not self.history_endpoint or len(self.history_endpoint) > 2000:
            msg = (
                f"AasSettings.history_endpoint {self.history_endpoint!r}: expected 1 to 2000 "
                "characters"
            )
            raise AasError(msg)
