"""(f) Peak memory per million keys: the fusion kernel's state against a dict per key.

Both ingest the same batches covering about ``twins x signals`` (twin, signal)
keys; tracemalloc (which sees numpy's buffers too) gives the memory the state
holds after the last batch and the peak while ingesting (state, batches'
intermediates and results), each per million keys that hold a value. The compiled
kernel writes a batch's columns into blocks of mapped memory, which tracemalloc does
not see: its peak adds the blocks' bytes (``FusionKernel.mapped_bytes``), as if all
were in use at the traced peak (an upper bound). The
kernel's state is arrays sized by twins x signals; the baseline's is the
plain-Python loop's dicts.
"""

from __future__ import annotations

import gc
import statistics
import tracemalloc
from collections.abc import Callable
from typing import Any

from ingest.pipeline import Pipeline

Runner = Callable[[list[object]], Any]


def measure(run: Runner) -> tuple[int, int, Any, list[object]]:
    """(bytes the state holds after ``run``, peak bytes while it ran, its answer, the state)."""
    gc.collect()
    keep: list[object] = []
    tracemalloc.start()
    try:
        answer = run(keep)[1]
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()  # the batches were made before: not traced
    finally:
        tracemalloc.stop()
    return held, peak, answer, keep


def memory_section(
    pipeline: Pipeline,
    run_kernel: Callable[..., Any],
    kernel_state: Callable[[Any], dict[tuple[int, int], float]],
    python_baseline: Callable[..., Any],
    make_batches: Callable[..., Any],
    twins: int,
    signals: int,
    runs: int,
) -> bool:
    samples = twins * signals * 2  # two samples per key on average: nearly every key is met
    print(
        f"(f) memory: {twins:,} twins x {signals} signals, {samples:,} samples in 6 batches; "
        f"tracemalloc (+ the kernel's mapped blocks), cold (a fresh state each run), "
        f"{runs} runs, median (min)"
    )
    figures: dict[str, list[tuple[float, float]]] = {"kernel": [], "baseline": []}
    same = True
    for run in range(runs):
        batches = make_batches(samples, twins, 6, seed=run + 11)

        def kernel(keep: list[object], batches: Any = batches) -> Any:
            return run_kernel(pipeline, batches, twins, keep=keep)

        def baseline(keep: list[object], batches: Any = batches) -> Any:
            return python_baseline(pipeline, batches, keep=keep)

        answers = {}
        for name, runner in (("kernel", kernel), ("baseline", baseline)):
            held, peak, answer, kept = measure(runner)
            if name == "kernel":
                answer.state = kernel_state(kept[0])
                peak += int(kept[1])  # type: ignore[call-overload]  # the mapped blocks
            else:
                answer.state = {key: v for key, (_, v) in kept[0].items()}  # type: ignore[attr-defined]
            answers[name] = answer
            keys = max(1, len(answer.state))
            figures[name].append((held / keys * 1e6 / 2**20, peak / keys * 1e6 / 2**20))
        same = same and answers["kernel"] == answers["baseline"]
        del batches
    for name, pairs in figures.items():
        held_mib = [h for h, _ in pairs]
        peak_mib = [p for _, p in pairs]
        what = "FusionState arrays" if name == "kernel" else "plain-Python dicts, same rules"
        print(
            f"  {name + ':':9} {statistics.median(held_mib):7.1f} MiB held per million keys "
            f"({min(held_mib):.1f} min), peak {statistics.median(peak_mib):7.1f} MiB "
            f"({min(peak_mib):.1f} min)   ({what})"
        )
    print(f"  same answer (history rows, rejects, events, state): {'yes' if same else 'NO'}")
    return same
