"""The simulator: machine readings -> JSON records, delivered as badly as a real plant does.

Each tick makes one record per machine, ``{"twin", "time", "signals"}`` (or the
same as a columnar record, ``SimSettings.format``), keyed by twin. Then
delivery goes wrong on purpose: records dropped, carrying impossible physics,
sent out of order, sent late, sent twice. ``truth`` counts what was done, so
a test can check the worker noticed each of it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import orjson

from ingest.codecs import columnar_record
from ingest.sim._machines import Machines, Readings
from ingest.sim._plant import SimAsset
from ingest.sim._settings import SimSettings
from ingest.sim._waveform import SIGNAL as WAVE_SIGNAL

Record = tuple[str, bytes]
"""(key: the twin id, payload)."""

IMPOSSIBLE = (("temperature", 5000.0), ("speed", -500.0), ("vibration", 1.0e6))
"""A packaging machine's impossible readings (each out of every sane range)."""
IMPOSSIBLE_ROTATING = (("windingTemperature", 5000.0), ("speed", -500.0), ("vibration", 1.0e6))


@dataclass
class SimTruth:
    """What the simulator did, for checking the worker against."""

    ticks: int = 0
    generated: int = 0
    """Records made (one per machine and tick)."""
    dropped: int = 0
    impossible: int = 0
    """Records carrying one impossible sample each."""
    out_of_order: int = 0
    late: int = 0
    duplicated: int = 0
    """Extra copies sent."""
    duplicated_samples: int = 0
    """Samples in those copies."""
    impossible_copies: int = 0
    """Copies of records carrying impossible physics (their bad sample is refused as such)."""
    faults: int = 0
    sent: int = 0
    wave_records: int = 0
    """Records of raw acceleration (one per rotating machine and tick; never corrupted)."""
    wave_samples: int = 0


class Simulator:
    def __init__(self, assets: tuple[SimAsset, ...], settings: SimSettings | None = None) -> None:
        self.settings = settings or SimSettings()
        self.assets = assets
        self.machines = Machines(assets, self.settings)
        self.truth = SimTruth()
        self._rng = self.machines.rng
        self._next_tick: list[Record] = []
        self._late: deque[tuple[int, Record]] = deque()

    def tick(self) -> list[Record]:
        """The records sent during the next tick (in the order they are sent)."""
        s, truth, rng = self.settings, self.truth, self._rng
        at = s.start_ms + truth.ticks * s.tick_ms
        readings = self.machines.step()
        truth.ticks += 1
        truth.faults += readings.faults_started
        out: list[Record] = self._next_tick
        self._next_tick = []
        while self._late and self._late[0][0] <= truth.ticks:
            out.append(self._late.popleft()[1])
        n = len(self.assets)
        draws = rng.random((n, 5))
        for i, asset in enumerate(self.assets):
            truth.generated += 1
            drop, impossible, disorder, late, twice = draws[i].tolist()
            if drop < s.dropout_rate:
                truth.dropped += 1
                continue
            signals = self._signals(readings, i, impossible < s.impossible_rate)
            record = (asset.twin, self._encode(asset.twin, at, signals))
            if late < s.late_rate:
                truth.late += 1
                self._late.append((truth.ticks + s.late_ticks, record))
            elif disorder < s.out_of_order_rate:
                truth.out_of_order += 1
                self._next_tick.append(record)
            else:
                out.append(record)
            if twice < s.duplicate_rate:
                truth.duplicated += 1
                truth.duplicated_samples += len(signals)
                truth.impossible_copies += impossible < s.impossible_rate
                out.append(record)
        out.extend(self._waves(readings, at))
        truth.sent += len(out)
        return out

    def _waves(self, readings: Readings, at_ms: int) -> list[Record]:
        """One columns record per rotating machine: its raw acceleration over the tick."""
        samples = self.machines.wave_samples
        if not samples:
            return []
        step = min(self.settings.tick_ms, 1000) / samples
        times = [at_ms + round(k * step) for k in range(samples)]
        out = []
        for row, i in enumerate(self.machines.rotating.tolist()):
            twin = self.assets[i].twin
            values = readings.wave[row].tolist()
            if self.settings.format == "json":
                columns = {"twin": twin, "signal": WAVE_SIGNAL, "time": times, "value": values}
                out.append((twin, orjson.dumps({"columns": columns})))
            else:
                body = columnar_record(
                    twin=twin, signal=[WAVE_SIGNAL] * samples, time_ms=times, value=values
                )
                out.append((twin, body))
        self.truth.wave_records += len(out)
        self.truth.wave_samples += samples * len(out)
        return out

    def drain(self) -> list[Record]:
        """Everything still held back (out of order, late): the end of a finite run."""
        out = self._next_tick + [record for _, record in self._late]
        self._next_tick, self._late = [], deque()
        self.truth.sent += len(out)
        return out

    def _encode(self, twin: str, at: int, signals: dict[str, object]) -> bytes:
        if self.settings.format == "json":
            return orjson.dumps({"twin": twin, "time": at, "signals": signals})
        names = list(signals)
        values = [None if isinstance(v, str) else v for v in signals.values()]
        texts = [v if isinstance(v, str) else None for v in signals.values()]
        return columnar_record(
            twin=twin,
            signal=names,
            time_ms=[at] * len(names),
            value=values,  # type: ignore[arg-type]
            text=texts if any(t is not None for t in texts) else None,
        )

    def _signals(self, readings: Readings, i: int, impossible: bool) -> dict[str, object]:
        signals: dict[str, object] = {}
        for name, column in readings.numbers.items():
            value = float(column[i])
            if not math.isnan(value):
                signals[name] = round(value, 3)
        if self.machines.packaging[i]:
            signals["product"] = readings.product[i]
            signals["batchCode"] = readings.batch[i]
        if impossible:
            self.truth.impossible += 1
            choices = IMPOSSIBLE if self.machines.packaging[i] else IMPOSSIBLE_ROTATING
            name, value = choices[int(self._rng.integers(0, len(choices)))]
            signals[name] = value
        return signals
