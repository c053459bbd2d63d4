"""``SharedRounds`` with more than one round in flight (``in_flight``, live state's rounds).

With ``in_flight`` 1 a call made while a round runs waits for that round's answer before
its own round starts; with 2 its round starts after the loop step it was made in, beside
the one in flight. Either way a round's read starts after its calls were made.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import Any, cast

import ontology
from server.graphql._shared_live import SharedLive
from server.graphql._shared_rounds import SharedRounds

WAIT_S = 10.0  # a guard against hanging, not a timing assertion


class Blocking:
    """A read that records its ids and waits for ``gate`` before answering."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.asked: list[list[str]] = []
        self._guard = threading.Lock()

    def __call__(self, ids: list[str]) -> dict[str, str]:
        with self._guard:
            self.asked.append(list(ids))
        self.gate.wait(3 * WAIT_S)  # longer than any wait below: held until the test lets go
        return {t: t.upper() for t in ids}


async def _until(check: Blocking, reads: int, within: float) -> bool:
    """Whether ``reads`` reads have started within ``within`` seconds."""
    end = time.monotonic() + within
    while len(check.asked) < reads:
        if time.monotonic() > end:
            return False
        await asyncio.sleep(0.005)
    return True


def _two_calls(in_flight: int) -> tuple[bool, list[list[str]], list[dict[str, str]]]:
    """A call, then once its read runs a second call: whether the second's read started
    while the first was held, the reads' ids, and both answers."""
    read = Blocking()
    rounds = SharedRounds(read, most=8, in_flight=in_flight)

    async def main() -> tuple[bool, list[dict[str, str]]]:
        first = asyncio.ensure_future(rounds.get(["a"]))
        assert await _until(read, 1, WAIT_S)
        second = asyncio.ensure_future(rounds.get(["b", "a"]))
        # with two in flight the second read must start (waited for as long as it takes);
        # with one, no round can start it while the first is held (half a second to show it)
        beside = await _until(read, 2, WAIT_S if in_flight > 1 else 0.5)
        read.gate.set()
        answers = await asyncio.wait_for(asyncio.gather(first, second), WAIT_S)
        return beside, [dict(a) for a in answers]

    beside, answers = asyncio.run(main())
    return beside, read.asked, answers


def test_with_two_in_flight_a_call_made_during_a_round_starts_its_own() -> None:
    beside, asked, answers = _two_calls(2)
    assert beside
    assert asked == [["a"], ["b", "a"]]  # the second read is its own, made after its call
    assert answers[0]["a"] == "A"
    assert (answers[1]["a"], answers[1]["b"]) == ("A", "B")


def test_with_one_in_flight_it_waits_for_the_round_running() -> None:
    beside, asked, answers = _two_calls(1)
    assert not beside
    assert asked == [["a"], ["b", "a"]]
    assert (answers[1]["a"], answers[1]["b"]) == ("A", "B")


class GatedLive:
    """The two store calls ``SharedLive`` makes; ``twins_with_signals`` held by ``read``."""

    def __init__(self) -> None:
        self.read = Blocking()

    def twins_with_signals(self, ids: Sequence[str]) -> tuple[str, ...]:
        return tuple(self.read(list(ids)).values())

    def model_set(self) -> str:
        return "models"


def test_live_state_starts_a_second_round_while_one_is_in_flight() -> None:
    store = GatedLive()
    shared = SharedLive(cast(ontology.GraphStore, store))

    async def main() -> tuple[bool, list[Any]]:
        first = asyncio.ensure_future(shared.read(["a"]))
        assert await _until(store.read, 1, WAIT_S)
        second = asyncio.ensure_future(shared.read(["b"]))
        beside = await _until(store.read, 2, WAIT_S)
        store.read.gate.set()
        return beside, list(await asyncio.wait_for(asyncio.gather(first, second), WAIT_S))

    beside, answers = asyncio.run(main())
    assert beside  # fails with one round in flight: the second waits for the first's answer
    assert answers == [(["A"], "models"), (["B"], "models")]
