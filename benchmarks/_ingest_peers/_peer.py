"""What both peer processes share: their command line, the result file, a store-call clock.

A peer runs in the peers' own venv (``.venv-peers``, see ``_venv``) as
``python -m benchmarks._ingest_peers.<peer> --job JOB.json``; the job names
the broker, topic, workload and stores. It ingests the topic into its stores,
then writes ``{"seconds", "samples", "store_seconds", "digest"}`` to the
job's ``result`` path and exits.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from benchmarks._ingest_peers._stores import StoreSpec
from benchmarks._ingest_peers._workload import Digest, Workload


@dataclass(frozen=True, slots=True)
class Job:
    bootstrap: str
    topic: str
    workload: Workload
    stores: StoreSpec
    result: Path
    run_id: str

    def to_json(self) -> dict[str, Any]:
        w = self.workload
        return {
            "bootstrap": self.bootstrap,
            "topic": self.topic,
            "workload": [w.records, w.per_record, w.twins, w.seed],
            "stores": self.stores.to_json(),
            "result": str(self.result),
            "run_id": self.run_id,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Job:
        records, per_record, twins, seed = doc["workload"]
        return cls(
            str(doc["bootstrap"]),
            str(doc["topic"]),
            Workload(int(records), int(per_record), int(twins), int(seed)),
            StoreSpec.from_json(doc["stores"]),
            Path(doc["result"]),
            str(doc["run_id"]),
        )


def read_job(argv: list[str] | None, prog: str) -> Job:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--job", required=True, type=Path, help="the job file (JSON)")
    args = parser.parse_args(argv)
    return Job.from_json(orjson.loads(args.job.read_bytes()))


def write_result(job: Job, seconds: float, store_seconds: float, digest: Digest) -> None:
    doc = {
        "seconds": seconds,
        "samples": job.workload.samples,
        "store_seconds": store_seconds,
        "digest": digest.to_json(),
    }
    job.result.write_bytes(orjson.dumps(doc))


class StoreClock:
    """Seconds spent inside store calls (to say where a peer's time goes): ``with clock: ...``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __enter__(self) -> None:
        self._started = time.perf_counter()

    def __exit__(self, *_: object) -> None:
        self.seconds += time.perf_counter() - self._started
