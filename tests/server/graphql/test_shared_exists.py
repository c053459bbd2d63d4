"""Existence reads of concurrent requests share one store call per round (``SharedExists``).

Calls made in one event-loop step go in one ``twins_exist`` call; calls made while a
round is in flight go in the next one, each seeing every write made before it was
asked; a failed shared call leaves each caller its own answer or error.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any, cast

import pytest

import ontology
from server.graphql._shared_exists import ROUND_IDS, SharedExists
from tests.server.graphql.conftest import MACHINE_MODEL, SITE, WHO, Counting, some_machines

GONE = "no/such/twin"
BAD = "bad/id"


class Gated(Counting):
    """Counting, and the first ``twins_exist`` call waits until ``gate`` is set."""

    def __init__(self, store: ontology.GraphStore) -> None:
        super().__init__(store)
        self.started = threading.Event()
        self.gate = threading.Event()
        self.asked: list[list[str]] = []

    def twins_exist(self, twin_ids: Sequence[str]) -> tuple[bool, ...]:
        self.calls["twins_exist"] += 1
        self.asked.append(list(twin_ids))
        if not self.started.is_set():
            self.started.set()
            self.gate.wait(10)
        if BAD in twin_ids:
            msg = "refused"
            raise RuntimeError(msg)
        return self.store.twins_exist(twin_ids)


def test_calls_of_one_step_go_in_one_store_call(plant: ontology.GraphStore) -> None:
    counting = Counting(plant)
    shared = SharedExists(cast(ontology.GraphStore, counting))
    machines = some_machines(plant)

    async def ask() -> list[list[bool]]:
        calls = [shared.exist([m, GONE]) for m in machines] + [shared.exist([SITE])]
        return await asyncio.gather(*calls)

    got = asyncio.run(ask())
    assert got == [[True, False]] * len(machines) + [[True]]
    assert counting.calls["twins_exist"] == 1


def test_calls_made_while_a_round_runs_share_the_next(plant: ontology.GraphStore) -> None:
    gated = Gated(plant)
    shared = SharedExists(cast(ontology.GraphStore, gated))
    machines = some_machines(plant)

    async def ask() -> tuple[list[bool], list[list[bool]]]:
        first = asyncio.ensure_future(shared.exist([SITE]))
        await asyncio.to_thread(gated.started.wait, 10)  # the first round is in flight
        later = [asyncio.ensure_future(shared.exist([m, GONE])) for m in machines]
        await asyncio.sleep(0)
        gated.gate.set()
        return await first, await asyncio.gather(*later)

    first, later = asyncio.run(ask())
    assert first == [True]
    assert later == [[True, False]] * len(machines)
    assert gated.calls["twins_exist"] == 2
    assert sorted(gated.asked[1]) == sorted([*machines, GONE])


def test_each_call_sees_the_writes_made_before_it(plant: ontology.GraphStore) -> None:
    shared = SharedExists(cast(ontology.GraphStore, Counting(plant)))
    twin_id = SITE + "/shared-exists-probe"

    async def ask() -> list[bool]:
        return await shared.exist([twin_id])

    assert asyncio.run(ask()) == [False]
    plant.create_twin(ontology.TwinSpec(twin_id, MACHINE_MODEL), principal=WHO)
    try:
        assert asyncio.run(ask()) == [True]
    finally:
        plant.delete_twin(twin_id, etag=None, principal=WHO)
    assert asyncio.run(ask()) == [False]


def test_a_failed_round_leaves_each_caller_its_own_answer(plant: ontology.GraphStore) -> None:
    gated = Gated(plant)
    gated.started.set()  # no gate
    shared = SharedExists(cast(ontology.GraphStore, gated))

    async def ask() -> list[Any]:
        calls = [shared.exist([SITE]), shared.exist([BAD]), shared.exist([GONE])]
        return await asyncio.gather(*calls, return_exceptions=True)

    ok, refused, gone = asyncio.run(ask())
    assert ok == [True]
    assert isinstance(refused, RuntimeError)
    assert gone == [False]
    assert gated.calls["twins_exist"] == 4  # the shared call, then each caller alone


def test_one_caller_alone_gets_its_error(plant: ontology.GraphStore) -> None:
    gated = Gated(plant)
    gated.started.set()
    shared = SharedExists(cast(ontology.GraphStore, gated))
    with pytest.raises(RuntimeError, match="refused"):
        asyncio.run(shared.exist([BAD]))
    assert gated.calls["twins_exist"] == 1


def test_a_call_of_too_many_ids_is_refused(plant: ontology.GraphStore) -> None:
    shared = SharedExists(plant)
    with pytest.raises(ValueError, match="at most"):
        asyncio.run(shared.exist([f"t{i}" for i in range(ROUND_IDS + 1)]))


def test_calls_asking_for_one_long_list_share_a_round(plant: ontology.GraphStore) -> None:
    # a round counts distinct ids: clients polling the same list of ROUND_IDS twins
    # (signalsAt's) share one store call, where each made its own before
    counting = Counting(plant)
    shared = SharedExists(cast(ontology.GraphStore, counting))
    machines = some_machines(plant)
    listed = [*machines, *(f"{GONE}/{i}" for i in range(ROUND_IDS - len(machines)))]

    async def ask() -> list[list[bool]]:
        return await asyncio.gather(*(shared.exist(listed) for _ in range(4)))

    got = asyncio.run(ask())
    want = [True] * len(machines) + [False] * (ROUND_IDS - len(machines))
    assert got == [want] * 4
    assert counting.calls["twins_exist"] == 1


def test_a_call_that_does_not_fit_goes_in_the_next_round(plant: ontology.GraphStore) -> None:
    counting = Counting(plant)
    shared = SharedExists(cast(ontology.GraphStore, counting))
    first = [f"{GONE}/a{i}" for i in range(ROUND_IDS)]
    other = [SITE, f"{GONE}/b"]

    async def ask() -> tuple[list[bool], list[bool]]:
        return await asyncio.gather(shared.exist(first), shared.exist(other))

    got = asyncio.run(ask())
    assert list(got) == [[False] * ROUND_IDS, [True, False]]
    assert counting.calls["twins_exist"] == 2
