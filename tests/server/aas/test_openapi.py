"""schemathesis: every served profile's OpenAPI file against the running server.

For each operation of the bundled 3.1.2 files (AAS Repository SSP-002,
Submodel Repository SSP-002, the GET operations of Concept Description
Repository SSP-001) schemathesis generates requests (bounded example counts),
half of them aimed at real shells, submodels and elements, and checks that no
response is a server error and every response conforms to the schema (status
code, content type, body, headers; 405s carry ``Allow``).

Where the files and Part 2 disagree, the check is adjusted, each for a reason:

- ``positive_data_acceptance`` is left out: the files declare ids as plain
  strings, but Part 2 requires base64url and the API refuses anything else
  with a 400 (as it must); schemathesis would count that as refusing valid data.
- ``response_schema_conformance`` runs in full, except that a body which the
  schema finds "valid under more than one of the schemas listed in the 'oneOf'
  keyword" passes: the files' ``SubmodelElementMetadata`` and
  ``SubmodelElementValue`` are ``oneOf`` lists whose members overlap (a
  collection's metadata also matches the list's), so no correct body can pass
  them. Every other schema finding still fails the test.
- For the Concept Description file, ``allow_header_conformance`` is left out:
  the file is the full profile (SSP-001, with POST/PUT/DELETE) and we serve
  its reads; our 405s list the methods we serve (``Allow: GET, HEAD``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    allow_header_conformance,
    positive_data_acceptance,
    response_schema_conformance,
)

import ontology
from loaders import load_paths, sample_plant_paths
from tests._shared import shared_file
from tests.server.aas._live import live_server
from tests.server.aas.conftest import FILLER, b64

BUNDLED = "standards/aas/api-bundled/"
PROFILES = (
    "AssetAdministrationShellRepositoryServiceSpecification_V3.1_SSP-002.yaml",
    "SubmodelRepositoryServiceSpecification_V3.1_SSP-002.yaml",
    "ConceptDescriptionRepositoryServiceSpecification_V3.1_SSP-001.yaml",
)
EXAMPLES = 12

REAL = {
    "aasIdentifier": [b64(f"urn:twinweave:aas:{FILLER}")],
    "submodelIdentifier": [
        b64(f"urn:twinweave:sm:{FILLER}#{key}")
        for key in ("model", "nameplate", "timeseries", "hierarchy", "component.nameplate")
    ],
    "idShortPath": [
        "manufacturer",
        "feeds",
        "feeds[0]",
        "AssetSpecificProperties",
        "AssetSpecificProperties.ratedVoltage",
        "EntryNode",
        "Metadata.Record",
    ],
    "cdIdentifier": [b64("dtmi:standard:unit:kilowatt"), b64("dtmi:twinweave:sample:Machine;1")],
}
_turn = itertools.count()


def _load(name: str) -> Any:
    """The bundled file, loaded as the module is collected (skips the module when absent)."""
    try:
        path = shared_file(BUNDLED + name)
    except pytest.skip.Exception as absent:
        pytest.skip(str(absent.msg), allow_module_level=True)
    return schemathesis.openapi.from_path(path).include(method="GET")


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    store = ontology.MemoryStore()
    load_paths(sample_plant_paths(), store)
    with live_server(store) as base:
        yield f"{base}/aas/api/v3.1"


AMBIGUOUS_ONE_OF = "is valid under more than one of the schemas listed in the 'oneOf' keyword"


@schemathesis.check
def schema_conformance_but_overlapping_one_of(ctx: Any, response: Any, case: Any) -> bool | None:
    """``response_schema_conformance``, passing only the files' overlapping-``oneOf`` finding."""
    try:
        return response_schema_conformance(ctx, response, case)  # type: ignore[no-any-return]
    except Exception as err:
        if AMBIGUOUS_ONE_OF in str(err):
            return None
        raise


def _check(case: Any, url: str, *, full_profile_file: bool = False) -> None:
    """Every other request names real objects (the rest stay as generated)."""
    if case.path_parameters and next(_turn) % 2 == 0:
        for key, values in REAL.items():
            if key in case.path_parameters:
                case.path_parameters[key] = values[next(_turn) % len(values)]
    excluded = [positive_data_acceptance, response_schema_conformance]
    if full_profile_file:
        excluded.append(allow_header_conformance)
    case.call_and_validate(
        base_url=url,
        excluded_checks=excluded,
        additional_checks=[schema_conformance_but_overlapping_one_of],
    )


_aas = _load(PROFILES[0])
_submodels = _load(PROFILES[1])
_concepts = _load(PROFILES[2])
_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@_aas.parametrize()  # type: ignore[untyped-decorator,unused-ignore]
@_SETTINGS
def test_aas_repository_read_profile(case: Any, url: str) -> None:
    _check(case, url)


@_submodels.parametrize()  # type: ignore[untyped-decorator,unused-ignore]
@_SETTINGS
def test_submodel_repository_read_profile(case: Any, url: str) -> None:
    _check(case, url)


@_concepts.parametrize()  # type: ignore[untyped-decorator,unused-ignore]
@_SETTINGS
def test_concept_description_reads(case: Any, url: str) -> None:
    _check(case, url, full_profile_file=True)
