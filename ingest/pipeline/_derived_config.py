"""The pipeline's derived signals as configuration: windowed features, day (uptime, OEE), faults.

Parsed after the JSON Schema check; each derived signal becomes a ``SignalSpec``
of its own (the kernel keeps its state like any signal's), but no raw name
feeds it: a sample sent under a derived signal's name is refused as unknown.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from ingest.pipeline._derived_schema import FEATURE_NAMES

DEFAULT_UPTIME_SIGNAL = "uptimeToday"
DEFAULT_OEE_SIGNAL = "oee"
DEFAULT_FAULTS_SIGNAL = "activeFaults"
OEE_PARTS = ("availability", "performance", "quality")
"""``oee.availability`` etc. are emitted beside ``oee``; so are ``oee.good`` and ``oee.total``
(units made since the day started) and ``oee.planned`` (seconds of planned time)."""
OEE_COUNTS = ("good", "total", "planned")

Fail = Callable[[str, str], NoReturn]


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """Windowed features of one signal: RMS, peak, crest factor, kurtosis per tumbling window."""

    signal: str
    window_s: float
    emit: tuple[str, ...] = FEATURE_NAMES

    def derived(self, feature: str) -> str:
        return f"{self.signal}.{feature}"


@dataclass(frozen=True, slots=True)
class DaySpec:
    """Where a twin's day starts: local midnight of its site's zone (longest id prefix) or the
    default zone."""

    timezone: str = "UTC"
    sites: tuple[tuple[str, str], ...] = ()
    """(twin id prefix, zone), longest prefix first."""


@dataclass(frozen=True, slots=True)
class UptimeSpec:
    signal: str = DEFAULT_UPTIME_SIGNAL
    states: tuple[str, ...] = ("RUNNING",)


@dataclass(frozen=True, slots=True)
class OeeSpec:
    good: str
    ideal_rate: float
    """Units per minute."""
    signal: str = DEFAULT_OEE_SIGNAL
    reject: str | None = None
    ideal_rates: tuple[tuple[str, float], ...] = ()
    """(twin id prefix, units per minute), longest prefix first."""
    planned: tuple[str, ...] = ("IDLE", "RUNNING", "FAULT")

    def names(self) -> tuple[str, ...]:
        """Every signal this OEE writes, ``oee`` first."""
        parts = (*OEE_PARTS, *OEE_COUNTS)
        return (self.signal, *(f"{self.signal}.{p}" for p in parts))


@dataclass(frozen=True, slots=True)
class FaultSpec:
    raise_signal: str
    clear_signal: str | None = None
    signal: str = DEFAULT_FAULTS_SIGNAL


@dataclass(frozen=True, slots=True)
class DerivedSpec:
    """With ``oee``, ``uptime`` is always set: OEE's running time is the uptime's."""

    day: DaySpec = DaySpec()
    uptime: UptimeSpec | None = None
    oee: OeeSpec | None = None
    faults: FaultSpec | None = None


def parse_features(
    doc: Mapping[str, Any], signals: Mapping[str, str], fail: Fail
) -> tuple[FeatureSpec, ...]:
    """``signals``: name -> type of every listed signal."""
    specs = []
    for name, spec in doc.items():
        if signals.get(name) != "number":
            fail(f"features/{name}", f"{name!r} is not a number signal of the pipeline")
        specs.append(
            FeatureSpec(name, float(spec["window"]), tuple(spec.get("emit", FEATURE_NAMES)))
        )
    return tuple(specs)


def parse_derived(
    doc: Mapping[str, Any], signals: Mapping[str, str], states: tuple[str, ...], fail: Fail
) -> DerivedSpec:
    """``states``: the mode machine's states (empty: no mode machine)."""
    day_doc = doc.get("day", {})
    zones = [("derived/day/timezone", day_doc.get("timezone", "UTC"))]
    sites = sorted(day_doc.get("sites", {}).items(), key=lambda p: -len(p[0]))
    zones += [(f"derived/day/sites/{prefix}", zone) for prefix, zone in sites]
    for at, zone in zones:
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            fail(at, f"time zone {zone!r} is unknown; expected an IANA name like Asia/Jakarta")
    day = DaySpec(day_doc.get("timezone", "UTC"), tuple(sites))

    def mode_states(at: str, given: list[str] | None, default: tuple[str, ...]) -> tuple[str, ...]:
        if not states:
            fail(at, "needs the mode machine; expected a `mode` section")
        chosen = tuple(given) if given is not None else default
        for state in chosen:
            if state not in states:
                fail(at, f"state {state!r}; expected one of {states}")
        return chosen

    def number_signal(at: str, name: str) -> str:
        if signals.get(name) != "number":
            fail(at, f"{name!r} is not a number signal of the pipeline")
        return name

    uptime = oee = faults = None
    if "uptime" in doc:
        u = doc["uptime"]
        uptime = UptimeSpec(
            u.get("signal", DEFAULT_UPTIME_SIGNAL),
            mode_states("derived/uptime/states", u.get("states"), ("RUNNING",)),
        )
    if "oee" in doc:
        o = doc["oee"]
        defaults = OeeSpec("", 1.0)
        reject = o.get("reject")
        oee = OeeSpec(
            good=number_signal("derived/oee/good", o["good"]),
            ideal_rate=float(o["ideal_rate"]),
            signal=o.get("signal", DEFAULT_OEE_SIGNAL),
            reject=None if reject is None else number_signal("derived/oee/reject", reject),
            ideal_rates=tuple(
                sorted(
                    ((p, float(r)) for p, r in o.get("ideal_rates", {}).items()),
                    key=lambda p: -len(p[0]),
                )
            ),
            planned=mode_states(
                "derived/oee/planned",
                o.get("planned"),
                tuple(s for s in defaults.planned if s in states),
            ),
        )
        if uptime is None:  # OEE's running time is the uptime's
            uptime = UptimeSpec(states=mode_states("derived/oee", None, ("RUNNING",)))
    if "faults" in doc:
        f = doc["faults"]
        clear = f.get("clear")
        faults = FaultSpec(
            number_signal("derived/faults/raise", f["raise"]),
            None if clear is None else number_signal("derived/faults/clear", clear),
            f.get("signal", DEFAULT_FAULTS_SIGNAL),
        )
    return DerivedSpec(day, uptime, oee, faults)


def derived_signals(
    features: tuple[FeatureSpec, ...], derived: DerivedSpec | None
) -> list[tuple[str, str]]:
    """(name, type) of every derived signal, in a fixed order."""
    out = [(f.derived(name), "number") for f in features for name in f.emit]
    if derived is not None:
        if derived.uptime is not None:
            out.append((derived.uptime.signal, "number"))
        if derived.oee is not None:
            out.extend((name, "number") for name in derived.oee.names())
        if derived.faults is not None:
            out.append((derived.faults.signal, "text"))
    return out


def longest_prefix(twin: str, table: tuple[tuple[str, Any], ...], default: Any) -> Any:
    """The value of the longest prefix of ``twin`` (whole id levels) in ``table``, else default."""
    for prefix, value in table:
        if twin == prefix or twin.startswith(prefix.rstrip("/") + "/"):
            return value
    return default
