"""A twin asked for by id reads its record and live signals in one store call.

With the allow-everything policy, ``twin(id)`` selecting live ``signals`` or
``rollups`` gets the twin's record and its live signals (rollups are derived
signals) from one ``twins_with_signals`` call, not ``get_twins`` then
``signals_of``; a restricting policy still reads through the authorizer and
recomputes rollups over what it may see.
"""

from __future__ import annotations

import math
from typing import cast

import ontology
from tests.server.graphql.conftest import (
    SITE,
    TOTAL_POWER,
    Counting,
    HideSubtree,
    data,
    make_client,
)

ROOT = """query($id: ID!) { twin(id: $id) { id rollups { name value recomputed }
  signals { name value } descendants { totalCount } } }"""


def test_record_and_live_signals_come_in_one_call(plant: ontology.GraphStore) -> None:
    counting = Counting(plant)
    got = data(make_client(cast(ontology.GraphStore, counting)), ROOT, {"id": SITE})["twin"]
    held = plant.get_signals(SITE)
    assert got["rollups"] == [
        {"name": TOTAL_POWER.name, "value": held[TOTAL_POWER.name].value, "recomputed": False}
    ]
    assert got["signals"] == [{"name": n, "value": held[n].value} for n in sorted(held)]
    total = len(plant.descendants(SITE, first=ontology.MAX_PAGE).items)
    assert got["descendants"]["totalCount"] == total
    assert counting.calls["twins_with_signals"] == 1
    assert "get_twins" not in counting.calls
    assert "signals_of" not in counting.calls


def test_an_unknown_twin_is_null(plant: ontology.GraphStore) -> None:
    assert data(make_client(plant), ROOT, {"id": "no/such/twin"}) == {"twin": None}


def test_a_restricting_policy_recomputes_over_what_it_may_see(
    plant: ontology.GraphStore,
) -> None:
    policy = HideSubtree(plant, SITE + "/machining")
    counting = Counting(plant)
    client = make_client(cast(ontology.GraphStore, counting), authorizer=policy)
    got = data(client, ROOT, {"id": SITE})["twin"]
    (rollup,) = got["rollups"]
    visible = [
        t for t in plant.descendants(SITE, first=ontology.MAX_PAGE).items if t not in policy.hidden
    ]
    powers = [plant.get_signals(t).get("power") for t in visible]
    assert rollup["recomputed"] is True
    assert rollup["value"] == math.fsum(cast(float, p.value) for p in powers if p is not None)
    assert got["descendants"]["totalCount"] == len(visible)
    assert "twins_with_signals" not in counting.calls
    assert data(client, ROOT, {"id": SITE + "/machining"}) == {"twin": None}
