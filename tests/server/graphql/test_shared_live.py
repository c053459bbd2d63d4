"""Twins' live states read for concurrent requests in one store call per round
(``SharedLive``): calls made in one event-loop step share one ``twins_with_signals``
call; each call sees every write made before it was asked; a failed shared call
leaves each caller its own answer or error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import pytest

import ontology
from server.graphql._shared_live import LIVE_ROUND_IDS, SharedLive
from tests.server.graphql.conftest import MACHINE_MODEL, SITE, WHO, Counting, some_machines

GONE = "no/such/twin"
BAD = "bad/id"
TwinLive = tuple[ontology.Twin, Mapping[str, ontology.SignalValue]]


class Refusing(Counting):
    """Counting, and ``twins_with_signals`` of :data:`BAD` fails."""

    def twins_with_signals(self, twin_ids: Sequence[str]) -> tuple[TwinLive | None, ...]:
        self.calls["twins_with_signals"] += 1
        if BAD in twin_ids:
            msg = "refused"
            raise RuntimeError(msg)
        return self.store.twins_with_signals(twin_ids)


def _ids(found: list[TwinLive | None]) -> list[str | None]:
    return [pair[0].id if pair is not None else None for pair in found]


def test_calls_of_one_step_go_in_one_store_call(plant: ontology.GraphStore) -> None:
    counting = Counting(plant)
    shared = SharedLive(cast(ontology.GraphStore, counting))
    machines = some_machines(plant)

    async def ask() -> list[Any]:
        calls = [shared.read([m, GONE]) for m in machines] + [shared.read([SITE])]
        return await asyncio.gather(*calls)

    got = asyncio.run(ask())
    assert [_ids(found) for found, _ in got] == [[m, None] for m in machines] + [[SITE]]
    for (found, models), machine in zip(got, machines, strict=False):
        pair = found[0]
        assert pair is not None
        assert dict(pair[1]) == dict(plant.get_signals(machine))
        assert sorted(models.interfaces) == sorted(plant.model_set().interfaces)
    assert counting.calls["twins_with_signals"] == 1
    assert counting.calls["model_set"] == 1


def test_each_call_sees_the_writes_made_before_it(plant: ontology.GraphStore) -> None:
    shared = SharedLive(cast(ontology.GraphStore, Counting(plant)))
    twin_id = SITE + "/shared-live-probe"
    when = datetime(2031, 1, 1, tzinfo=UTC)

    async def ask() -> TwinLive | None:
        (pair,), _ = await shared.read([twin_id])
        return pair

    assert asyncio.run(ask()) is None
    plant.create_twin(ontology.TwinSpec(twin_id, MACHINE_MODEL), principal=WHO)
    try:
        pair = asyncio.run(ask())
        assert pair is not None
        assert dict(pair[1]) == {}
        plant.set_signals([ontology.SignalUpdate(twin_id, "power", 7.0, when, "probe")])
        pair = asyncio.run(ask())
        assert pair is not None
        assert pair[1]["power"].value == 7.0
    finally:
        plant.delete_twin(twin_id, etag=None, principal=WHO)
    assert asyncio.run(ask()) is None


def test_a_failed_round_leaves_each_caller_its_own_answer(plant: ontology.GraphStore) -> None:
    refusing = Refusing(plant)
    shared = SharedLive(cast(ontology.GraphStore, refusing))

    async def ask() -> list[Any]:
        calls = [shared.read([SITE]), shared.read([BAD]), shared.read([GONE])]
        return await asyncio.gather(*calls, return_exceptions=True)

    ok, refused, gone = asyncio.run(ask())
    assert _ids(ok[0]) == [SITE]
    assert isinstance(refused, RuntimeError)
    assert _ids(gone[0]) == [None]
    assert refusing.calls["twins_with_signals"] == 4  # the shared call, then each alone


def test_a_call_of_too_many_ids_is_refused(plant: ontology.GraphStore) -> None:
    shared = SharedLive(plant)
    with pytest.raises(ValueError, match="at most"):
        asyncio.run(shared.read([f"t{i}" for i in range(LIVE_ROUND_IDS + 1)]))
