"""(b) in-process, step by step: where one batch's CPU time goes on the commit path.

The records of (b) (JSON columns, or the same samples as columnar records) are
committed by ``BatchCommitter`` with no Kafka: the process CPU seconds of each
step (decode, fuse, history write, graph state, the kernel's commit) and the
rest, per sample; warm (the first batch not counted). DuckDB's own threads
count in the process's CPU time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ingest.codecs import RawRecord
from ingest.sources import SourceBatch
from ontology.history import SourceKind, SourcePosition


def _timed(name: str, spent: dict[str, float], call: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return call(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.process_time() - started

    return timed


def split_section(
    feeds: list[Any], batch_samples: int, make_committer: Callable[[], tuple[Any, Any, Any]]
) -> bool:
    print(
        "(b) the commit path in-process (no Kafka), CPU seconds per sample by step, warm (the "
        f"first batch not counted); batches of about {batch_samples:,} samples"
    )
    ok = True
    for feed in feeds:
        batch_records = max(1, batch_samples * len(feed.records) // feed.samples)
        committer, graph, history = make_committer()
        spent: dict[str, float] = {}
        committer.codec.decode = _timed("decode", spent, committer.codec.decode)
        committer.fusion.fuse = _timed("fuse", spent, committer.fusion.fuse)
        history.write_batch = _timed("history", spent, history.write_batch)
        graph.set_signals = _timed("graph state", spent, graph.set_signals)
        committer.fusion.commit = _timed("kernel commit", spent, committer.fusion.commit)
        batches = []
        for first in range(0, len(feed.records), batch_records):
            part = feed.records[first : first + batch_records]
            records = tuple(
                RawRecord(first + i, payload, twin=key, content_type=_content_type(feed))
                for i, (key, payload) in enumerate(part)
            )
            position = SourcePosition(
                kind=SourceKind.KAFKA,
                topic="split",
                partition=0,
                first_offset=records[0].position,
                last_offset=records[-1].position,
            )
            batches.append(SourceBatch(records, position, datetime.now(UTC)))
        committer.commit(batches[0])
        spent.clear()
        samples = 0
        started = time.process_time()
        for batch in batches[1:]:
            samples += committer.commit(batch).count_in
        total = time.process_time() - started
        history.close()
        if not samples:
            print(f"  {feed.name}: one batch only, nothing warm to time")
            continue
        right = all(graph.get_signals(t)[s].value == v for (t, s), v in feed.expected.items())
        ok = ok and right
        steps = ", ".join(f"{k} {v / samples * 1e9:.0f}" for k, v in spent.items())
        rest = (total - sum(spent.values())) / samples * 1e9
        print(
            f"  {feed.name}: {samples / total:,.0f} samples/CPU s; ns per sample: {steps}, "
            f"rest {rest:.0f}; state as the generator says: {'yes' if right else 'NO'}"
        )
    return ok


def _content_type(feed: Any) -> str | None:
    for name, value in feed.headers:
        if name == "content-type":
            return str(value.decode())
    return None
