"""The machines' physics, all assets at once per tick (numpy), and their faults and drift.

Packaging machines run at a line speed, count good and rejected units, warm
up with load, hold a pressure, change product and batch now and then.
Rotating machines (motors, spindles, gearboxes) turn, draw current, warm their
windings, bearings and oil. Every machine wears: its temperatures and
vibration RMS creep up with ``drift``. A fault stops it for a few ticks with a
fault code; an idle spell stops it without one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ingest.sim._plant import AssetKind, SimAsset
from ingest.sim._settings import SimSettings
from ingest.sim._waveform import waveform

PRODUCTS = ("SKU-7724", "SKU-7725", "SKU-8810", "SKU-9002")
PRODUCT_TICKS = 3600
"""About how often a packaging machine changes product (a new batch code too)."""


@dataclass(frozen=True, slots=True)
class Readings:
    """One tick: per asset, each signal's value (NaN where the asset has no such signal)."""

    numbers: dict[str, npt.NDArray[np.float64]]
    product: list[str]
    batch: list[str]
    faults_started: int
    wave: npt.NDArray[np.float64]
    """Raw acceleration per rotating machine (rows: ``Machines.rotating``) over the tick."""


class Machines:
    def __init__(self, assets: tuple[SimAsset, ...], settings: SimSettings) -> None:
        self.assets = assets
        self.settings = settings
        n = len(assets)
        self.rng = np.random.default_rng(settings.seed)
        self.packaging = np.array([a.kind == AssetKind.PACKAGING for a in assets], dtype=bool)
        self.rotating = np.flatnonzero(~self.packaging)
        rng = self.rng
        self.target = np.where(self.packaging, rng.uniform(300, 600, n), rng.uniform(1400, 3000, n))
        self.wear = np.zeros(n)
        self.fault_left = np.zeros(n, dtype=np.int64)
        self.fault_code = np.zeros(n)
        self.idle_left = np.zeros(n, dtype=np.int64)
        self.temperature = np.full(n, 25.0)
        self.good = np.zeros(n)
        self.rejected = np.zeros(n)
        self.product = rng.integers(0, len(PRODUCTS), n)
        self.batch = np.zeros(n, dtype=np.int64)
        self.ticks = 0

    def step(self) -> Readings:
        s, rng, n = self.settings, self.rng, len(self.assets)
        self.ticks += 1
        starting = (self.fault_left == 0) & (rng.random(n) < s.fault_rate)
        self.fault_left[starting] = rng.integers(3, 20, int(starting.sum()))
        self.fault_code[starting] = rng.integers(1, 100, int(starting.sum()))
        resting = (self.idle_left == 0) & (rng.random(n) < 0.003)
        self.idle_left[resting] = rng.integers(5, 60, int(resting.sum()))
        faulted = self.fault_left > 0
        running = ~faulted & (self.idle_left == 0)
        self.fault_left[faulted] -= 1
        self.fault_code[~faulted] = 0.0
        self.idle_left[self.idle_left > 0] -= 1
        self.wear += s.drift * rng.random(n)

        load = np.where(running, 1.0, 0.0)
        speed = self.target * load * (1 + 0.01 * rng.standard_normal(n))
        ambient = 25.0 + 35.0 * load + 60.0 * self.wear
        self.temperature += 0.1 * (ambient - self.temperature)
        temperature = self.temperature + 0.2 * rng.standard_normal(n)
        vibration = (0.5 + 0.002 * speed) * (1 + 5 * self.wear) + faulted * rng.uniform(2, 8, n)
        vibration = np.abs(vibration + 0.05 * rng.standard_normal(n))
        power = np.where(self.packaging, 7.5, 15.0) * load * (0.9 + 0.2 * rng.random(n))
        per_tick = speed / 60.0 * (s.tick_ms / 1000.0)
        made = np.floor(per_tick + rng.random(n))
        bad = rng.binomial(made.astype(np.int64), 0.01)
        self.good += made - bad
        self.rejected += bad
        changing = self.packaging & (rng.random(n) < 1.0 / PRODUCT_TICKS)
        self.product[changing] = rng.integers(0, len(PRODUCTS), int(changing.sum()))
        self.batch[changing] += 1
        nan = np.full(n, np.nan)
        pack = self.packaging
        numbers = {
            "speed": speed,
            "faultCode": self.fault_code.copy(),
            "vibration": vibration,
            "power": power,
            "temperature": np.where(pack, temperature, nan),
            "pressure": np.where(
                pack, np.abs(1.0 + 5.0 * load + 0.05 * rng.standard_normal(n)), nan
            ),
            "goodCount": np.where(pack, self.good, nan),
            "rejectCount": np.where(pack, self.rejected, nan),
            "current": np.where(pack, nan, np.abs(power / 0.4 + 0.5 * rng.standard_normal(n))),
            "windingTemperature": np.where(pack, nan, temperature + 10.0),
            "bearingTemperature": np.where(pack, nan, temperature + 5.0 * self.wear * 10),
        }
        product = [PRODUCTS[p] for p in self.product.tolist()]
        batch = [f"B{self.batch[i]:05d}-{i:04d}" for i in range(n)]
        r = self.rotating
        wave = waveform(
            rng,
            vibration[r],
            speed[r],
            self.wear[r],
            faulted[r],
            (self.ticks - 1) * s.tick_ms / 1000.0,
            self.wave_samples,
            s.vibration_hz,
        )
        return Readings(numbers, product, batch, int(starting.sum()), wave)

    @property
    def wave_samples(self) -> int:
        """Raw acceleration samples per rotating machine and tick: a burst of at most one
        second at the tick's start (a condition-monitoring sensor's capture)."""
        return self.settings.vibration_hz * min(self.settings.tick_ms, 1000) // 1000
