"""The public surface of ``ontology``: its names, and what importing it costs."""

from __future__ import annotations

import subprocess
import sys

import ontology


def test_import_ontology_does_not_import_the_neo4j_driver() -> None:
    code = "import sys, ontology; print('neo4j' in sys.modules, ontology.MemoryStore.__name__)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "MemoryStore"]


def test_the_neo4j_store_resolves_on_first_use() -> None:
    code = (
        "import sys, ontology; store = ontology.Neo4jStore; "
        "print('neo4j' in sys.modules, store.__name__, ontology.Neo4jStoreSettings.__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["True", "Neo4jStore", "Neo4jStoreSettings"]


def test_every_public_name_is_importable() -> None:
    for name in ontology.__all__:
        assert getattr(ontology, name) is not None, name
    assert "Neo4jStore" in ontology.__all__ and "property_validator" in ontology.__all__
