"""Chromium timings of the twin explorer, each beside the same data fetched with no rendering.

    python -m benchmarks.explorer [--runs 5]

Starts two plant servers (``benchmarks.explorer_plant``): the sample plant for the first
page, and the sample plant with a line of 10,000 machines, one machine with 20 live
signals and 7 days of 1 Hz history for the other views. ``benchmarks/explorer.mjs`` drives
headless Chromium (``/usr/bin/chromium`` via playwright-core, from ``explorer/node_modules``:
run ``scripts/build-explorer`` first) and times, ``--runs`` times each:

- the first page ready on the sample plant (target < 1 s), cold browser cache;
- opening a twin with 20 live signals (target < 300 ms);
- a 7-day plot of 1 Hz data at the page's resolution, 1,200 s buckets (target < 500 ms);
- expanding a level with 10,000 children, first page of 25 (target < 500 ms).

Each figure's baseline is the same GraphQL requests made by ``fetch`` from the same page
(the API's share of the figure). The page and the baseline must give the same answer
(roots, signals, buckets, children); the command exits 1 if they do not.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.explorer_plant import running_plant

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "explorer.mjs"
TWIN = "acme/jkt1/machining/cell1/cmm1"  # the first machine: 20 signals and the 7-day backfill
BIG_PLANT = [
    "--wide", "10000", "--signals", "16", "--backfill-hours", "168",
    "--backfill-step", "1", "--backfill-twins", "1",
]  # fmt: skip
TIMEOUT_S = 900
ANSWER = re.compile(r"page=(\S+) api=(\S+)")


@dataclass(frozen=True)
class Figure:
    name: str
    page: list[float]
    baseline: list[float]
    answers: list[str]
    note: str

    def agrees(self) -> bool:
        """Every run's page and API answers are the same."""
        pairs = [ANSWER.search(a) for a in self.answers]
        return bool(pairs) and all(p is not None and p[1] == p[2] for p in pairs)

    def row(self) -> str:
        def spread(values: list[float]) -> str:
            return f"min {min(values):7.0f} ms, median {statistics.median(values):7.0f} ms"

        return (
            f"{self.name:58} page {spread(self.page)} | baseline (API fetch only) "
            f"{spread(self.baseline)} | {'; '.join(self.answers)} | {self.note}"
        )


def parse(output: str) -> list[Figure]:
    return [Figure(**json.loads(line)) for line in output.splitlines() if line.startswith("{")]


def measure(base: str, which: str, runs: int) -> list[Figure]:
    done = subprocess.run(
        ["node", str(SCRIPT), base, which, TWIN, str(runs)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        msg = f"benchmarks/explorer.mjs {which} failed (exit {done.returncode}):\n{done.stderr}"
        raise RuntimeError(msg)
    return parse(done.stdout)


def report(figures: Sequence[Figure]) -> int:
    """Print the rows; 1 if any page disagreed with its baseline (or nothing was measured)."""
    for figure in figures:
        print(figure.row())
    wrong = [f.name for f in figures if not f.agrees()]
    if wrong or not figures:
        print(f"MISMATCH between page and baseline: {wrong or 'no figures'}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (3 to 50)")
    args = parser.parse_args(argv)
    if not 3 <= args.runs <= 50:
        parser.error(f"--runs {args.runs}: expected 3 to 50")
    print(f"headless Chromium, {args.runs} runs each; times in ms, min and median")
    with running_plant([]) as base:
        figures = measure(base, "first-page", args.runs)
    with running_plant(BIG_PLANT, timeout=300) as base:
        figures += measure(base, "views", args.runs)
    return report(figures)


if __name__ == "__main__":
    raise SystemExit(main())
