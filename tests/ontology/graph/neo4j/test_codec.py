"""The Neo4j store's value codec: JSON text exactly as the canonical encoder writes it."""

from __future__ import annotations

import json

import pytest

from ontology.graph.neo4j._codec import dumps

CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False).encode


SCALARS = [0.1, -0.0, 1e300, 5e-324, 7, -(10**30), True, False, None, 'a\u00e9"\\\n', ""]


@pytest.mark.parametrize("value", [*SCALARS, [1, 2.5], {"b": 1, "a": [None, "x"]}])
def test_dumps_writes_what_the_canonical_encoder_writes(value: object) -> None:
    assert dumps(value) == CANONICAL(value)
    assert json.loads(dumps(value)) == value


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), [float("nan")]])
def test_dumps_refuses_what_json_cannot_hold(value: object) -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        dumps(value)
