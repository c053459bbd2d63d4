"""The raw vibration of rotating machines at a high rate: an accelerometer's samples per tick.

Each rotating machine turns at ``speed`` rpm; its acceleration is a sine at
the turning frequency whose RMS is the machine's vibration RMS, plus noise,
plus impacts (a worn bearing knocks: short spikes, more of them as wear grows
and during a fault), which raise the crest factor and the kurtosis the
pipeline's windowed features measure. All machines at once, per tick (numpy).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

SIGNAL = "acceleration"
"""The raw signal's name (m/s²); the default pipeline derives ``acceleration.rms`` etc."""


def waveform(
    rng: np.random.Generator,
    rms: npt.NDArray[np.float64],
    speed_rpm: npt.NDArray[np.float64],
    wear: npt.NDArray[np.float64],
    faulted: npt.NDArray[np.bool_],
    start_s: float,
    samples: int,
    rate_hz: float,
) -> npt.NDArray[np.float64]:
    """``(machines, samples)`` accelerations over one tick starting at ``start_s``."""
    n = rms.shape[0]
    t = start_s + np.arange(samples) / rate_hz
    turning = (speed_rpm / 60.0)[:, None]
    amplitude = (np.sqrt(2.0) * rms)[:, None]
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    signal = amplitude * np.sin(2 * np.pi * turning * t[None, :] + phase)
    signal += 0.1 * amplitude * rng.standard_normal((n, samples))
    knock = (0.002 + 0.2 * wear + 0.05 * faulted)[:, None]
    impacts = rng.random((n, samples)) < knock
    signal += impacts * amplitude * rng.uniform(3.0, 8.0, (n, samples))
    out: npt.NDArray[np.float64] = np.round(signal, 4)
    return out
