"""``SimSettings``: how many machines tick how often, and how much goes wrong."""

from __future__ import annotations

from dataclasses import dataclass

from ingest._errors import IngestError

RATES = (
    "fault_rate",
    "dropout_rate",
    "impossible_rate",
    "out_of_order_rate",
    "late_rate",
    "duplicate_rate",
)

FORMATS = ("json", "arrow")


@dataclass(frozen=True, slots=True)
class SimSettings:
    """The simulator's knobs; every rate is a probability per record (per machine and tick)."""

    seed: int = 0
    start_ms: int = 1_767_225_600_000
    """Event time of the first tick (ms since the epoch); the CLI uses the clock."""
    tick_ms: int = 1000
    """Event time between ticks."""
    fault_rate: float = 0.002
    """A machine starts a fault (faultCode != 0, speed 0) lasting a few ticks."""
    drift: float = 0.0005
    """Per tick, how far a machine's bearing wear (temperature, vibration) creeps up."""
    dropout_rate: float = 0.01
    """A record that is never sent."""
    impossible_rate: float = 0.002
    """A record carrying impossible physics (e.g. 5000 °C, negative speed)."""
    out_of_order_rate: float = 0.02
    """A record sent after the next tick's records."""
    late_rate: float = 0.005
    """A record held back and sent ``late_ticks`` later."""
    late_ticks: int = 30
    duplicate_rate: float = 0.005
    """A record sent twice."""
    vibration_hz: int = 50
    """Raw acceleration samples per second of each rotating machine (0: none), one columns
    record per machine and tick, over at most the tick's first second (a burst)."""
    format: str = "json"
    """The records' format: ``json`` (``{"twin", "time", "signals"}``) or ``arrow`` (the
    columnar codec's Arrow IPC stream, one row per signal)."""

    def __post_init__(self) -> None:
        for name in RATES:
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
                msg = f"SimSettings.{name}={value!r}; expected a probability from 0 to 1"
                raise IngestError(msg)
        for name in ("tick_ms", "late_ticks"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 1 <= value <= 86_400_000:
                msg = f"SimSettings.{name}={value!r}; expected a whole number >= 1"
                raise IngestError(msg)
        if not isinstance(self.vibration_hz, int) or not 0 <= self.vibration_hz <= 100_000:
            msg = f"SimSettings.vibration_hz={self.vibration_hz!r}; expected 0 to 100000"
            raise IngestError(msg)
        if self.format not in FORMATS:
            msg = f"SimSettings.format={self.format!r}; expected one of {', '.join(FORMATS)}"
            raise IngestError(msg)
        if not 0.0 <= self.drift <= 0.1:
            msg = f"SimSettings.drift={self.drift!r}; expected 0 to 0.1 per tick"
            raise IngestError(msg)
