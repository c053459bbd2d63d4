"""What every benchmark shares: repeated timings (min and median) and answer checks.

A figure counts only beside a baseline that gave the same answer: the
benchmarks compare the two with :func:`same` (or :func:`same_numbers`), which
raise :class:`AnswerMismatchError`; each script's ``main`` turns that into exit
status 1 (see :func:`checked`).
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

R = TypeVar("R")

DEFAULT_REPEAT = 3
"""Runs of each timed operation unless ``--repeat`` says otherwise."""


class AnswerMismatchError(Exception):
    """The measured operation and its baseline gave different answers."""


@dataclass(frozen=True, slots=True)
class Runs:
    """Wall seconds of several runs of one operation."""

    seconds: tuple[float, ...]

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def ms(self) -> str:
        """``min / median ms (n runs)``."""
        return f"{self.best * 1e3:,.2f} / {self.median * 1e3:,.2f} ms"

    def rate(self, items: int, unit: str = "twins/s") -> str:
        """Items per second of the best and the median run."""
        return f"{items / self.best:,.0f} / {items / self.median:,.0f} {unit}"


def timed(work: Callable[[], R]) -> tuple[float, R]:
    """Wall seconds of one run of ``work``, and its result."""
    start = time.perf_counter()
    out = work()
    return time.perf_counter() - start, out


def repeated(
    repeat: int, work: Callable[[], R], before: Callable[[], object] | None = None
) -> tuple[Runs, R]:
    """Run ``work`` ``repeat`` times (``before`` each, untimed): the runs and the last result."""
    if repeat < 1:
        msg = f"repeat is {repeat}; expected at least 1"
        raise ValueError(msg)
    seconds: list[float] = []
    out: R | None = None
    for _ in range(repeat):
        if before is not None:
            before()
        spent, out = timed(work)
        seconds.append(spent)
    return Runs(tuple(seconds)), out  # type: ignore[return-value]  # repeat >= 1: set


def same(what: str, got: object, want: object) -> None:
    """Raise :class:`AnswerMismatchError` unless ``got == want``, naming the first difference."""
    if got == want:
        return
    detail = _first_difference(got, want)
    raise AnswerMismatchError(f"{what}: the measured operation and its baseline differ: {detail}")


def same_numbers(
    what: str,
    got: Mapping[K, float],
    want: Mapping[K, float],
    *,
    keys: Collection[K] | None = None,
    rel: float = 1e-9,
) -> None:
    """Like :func:`same` for numbers by key, equal within ``rel`` (NaN equals NaN).

    ``keys``: compare only these keys (each must be in both); default every key of either.
    """
    wanted = keys if keys is not None else got.keys() | want.keys()
    bad = [
        key
        for key in wanted
        if key not in got
        or key not in want
        or not (
            (math.isnan(got[key]) and math.isnan(want[key]))
            or math.isclose(got[key], want[key], rel_tol=rel, abs_tol=1e-9)
        )
    ]
    if bad:
        shown = ", ".join(f"{k!r}: {got.get(k)!r} vs {want.get(k)!r}" for k in bad[:3])
        msg = (
            f"{what}: the measured operation and its baseline differ at {len(bad):,} of "
            f"{len(wanted):,} keys, e.g. {shown}"
        )
        raise AnswerMismatchError(msg)


def _first_difference(got: object, want: object) -> str:
    if isinstance(got, Sequence) and isinstance(want, Sequence) and not isinstance(got, str):
        if len(got) != len(want):
            return f"{len(got):,} items vs {len(want):,}"
        for index, (a, b) in enumerate(zip(got, want, strict=True)):
            if a != b:
                return f"item {index}: {_show(a)} vs {_show(b)}"
    if isinstance(got, Mapping) and isinstance(want, Mapping):
        only_got = got.keys() - want.keys()
        only_want = want.keys() - got.keys()
        if only_got or only_want:
            return (
                f"{len(only_got):,} keys only measured "
                f"(e.g. {_show(sorted(map(str, only_got))[:2])}), {len(only_want):,} only "
                f"baseline (e.g. {_show(sorted(map(str, only_want))[:2])})"
            )
        for key in got:
            if got[key] != want[key]:
                return f"at {_show(key)}: {_show(got[key])} vs {_show(want[key])}"
    return f"{_show(got)} vs {_show(want)}"


def _show(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def checked(main: Callable[[], int]) -> int:
    """Run a benchmark's body; an :class:`AnswerMismatchError` prints and exits 1."""
    try:
        return main()
    except AnswerMismatchError as err:
        print(f"ANSWER CHECK FAILED: {err}", file=sys.stderr)
        return 1


def row(label: str, figure: str, baseline: str, width: int = 44) -> None:
    """One figure beside its baseline."""
    print(f"  {label:<{width}} {figure:>30}   baseline {baseline}")
