"""The pipeline as configuration: a YAML or JSON file, checked against a JSON Schema.

It says which raw names map to which signal (and how to convert their unit),
each signal's type, valid range and deadband, the mode machine (rules that
turn samples into symbols, and a transition table), time limits, and each
feed's freshness limit. Its ``version`` goes into every batch's lineage.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from typing import Any, NoReturn

import jsonschema
import numpy as np
import numpy.typing as npt
import yaml

from ingest._errors import IngestError
from ingest.pipeline._derived_config import (
    DerivedSpec,
    FeatureSpec,
    derived_signals,
    parse_derived,
    parse_features,
)
from ingest.pipeline._schema import PIPELINE_SCHEMA
from ingest.pipeline._units import conversion

MAX_PIPELINE_BYTES = 1 << 20
DEFAULT_MAX_FUTURE_S = 300.0
DEFAULT_LATENESS_S = 7 * 86400.0
ANY_STATE = "*"
_VALIDATOR = jsonschema.Draft202012Validator(PIPELINE_SCHEMA)


class PipelineError(IngestError):
    """A pipeline file that cannot be used; the message names the place and what was expected."""


class SignalType(StrEnum):
    NUMBER = "number"
    BOOLEAN = "boolean"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """A model signal the pipeline accepts."""

    name: str
    type: SignalType = SignalType.NUMBER
    unit: str | None = None
    low: float = -math.inf
    high: float = math.inf
    deadband: float = 0.0
    """A new state value closer than this to the current one is not written to state."""


@dataclass(frozen=True, slots=True)
class SourceName:
    """A raw name (tag, metric name) and the signal it feeds, with its unit conversion."""

    name: str
    signal: str
    scale: float = 1.0
    offset: float = 0.0


@dataclass(frozen=True, slots=True)
class ModeRule:
    """For a sample of ``when``: if ``value op rule.value`` holds, the machine gets ``symbol``."""

    when: str
    op: str
    value: Any
    symbol: str


@dataclass(frozen=True, slots=True)
class ModeSpec:
    """The mode machine: states, rules that make symbols, and the transition table as data."""

    signal: str
    states: tuple[str, ...]
    initial: str
    rules: tuple[ModeRule, ...]
    symbols: tuple[str, ...]
    next_state: tuple[tuple[int, ...], ...]
    """``next_state[state][symbol]`` is the next state's index (unlisted pairs stay put)."""
    table: npt.NDArray[np.int16] = field(compare=False, repr=False)
    """The same as an array, for the kernel."""


@dataclass(frozen=True, slots=True)
class Pipeline:
    version: str
    signals: tuple[SignalSpec, ...]
    sources: Mapping[str, SourceName]
    """Every raw name accepted (each signal's own name included) -> its signal."""
    twin_ids: bool = True
    namespaces: tuple[str, ...] = ()
    max_future_s: float = DEFAULT_MAX_FUTURE_S
    allowed_lateness_s: float = DEFAULT_LATENESS_S
    accept_unknown: bool = False
    mode: ModeSpec | None = None
    freshness_s: Mapping[str, float] = field(default_factory=dict)
    features: tuple[FeatureSpec, ...] = ()
    """Windowed features of high-rate signals (``_features``)."""
    derived: DerivedSpec | None = None
    """Uptime, OEE and active fault codes (``_day``, ``_faults``)."""

    def signal_index(self) -> dict[str, int]:
        return {s.name: i for i, s in enumerate(self.signals)}


def default_pipeline() -> Pipeline:
    """The pipeline shipped with the package (the sample plant's and the simulator's signals)."""
    text = resources.files("ingest.pipeline").joinpath("default.yaml").read_text(encoding="utf-8")
    return load_pipeline(text, where="ingest/pipeline/default.yaml")


def load_pipeline(text: str | bytes, *, where: str = "pipeline") -> Pipeline:
    """Parse a YAML (or JSON, which is YAML) pipeline and check it; ``PipelineError`` if bad."""
    if len(text) > MAX_PIPELINE_BYTES:
        msg = f"{where}: {len(text)} bytes; expected at most {MAX_PIPELINE_BYTES}"
        raise PipelineError(msg)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        msg = f"{where}: not YAML or JSON: {error}"
        raise PipelineError(msg) from None
    return pipeline_from_document(document, where=where)


def pipeline_from_document(document: Any, *, where: str = "pipeline") -> Pipeline:
    errors = sorted(_VALIDATOR.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        path = "/".join(str(p) for p in first.absolute_path) or "(top)"
        msg = f"{where}: at {path}: {first.message}"
        if len(errors) > 1:
            msg += f" (and {len(errors) - 1} more problem(s))"
        raise PipelineError(msg)
    return _Build(document, where).pipeline()


class _Build:
    def __init__(self, document: Mapping[str, Any], where: str) -> None:
        self.doc = document
        self.where = where

    def fail(self, at: str, problem: str) -> NoReturn:
        msg = f"{self.where}: at {at}: {problem}"
        raise PipelineError(msg)

    def pipeline(self) -> Pipeline:
        doc = self.doc
        signals = [self.signal(name, spec) for name, spec in doc["signals"].items()]
        mode_doc = doc.get("mode")
        if mode_doc is not None and mode_doc["signal"] not in doc["signals"]:
            signals.append(SignalSpec(mode_doc["signal"], SignalType.TEXT))
        by_name = {s.name: s for s in signals}
        sources = self.sources(by_name)
        features, derived = self.derived(signals)
        for name, kind in derived_signals(features, derived):
            if name in by_name:
                self.fail(f"signals/{name}", f"{name!r} is a derived signal; expected it unlisted")
            signals.append(SignalSpec(name, SignalType(kind)))
        identity = doc.get("identity", {})
        time = doc.get("time", {})
        return Pipeline(
            version=doc["version"],
            signals=tuple(signals),
            sources=sources,
            twin_ids=identity.get("twin_ids", True),
            namespaces=tuple(identity.get("namespaces", ())),
            max_future_s=float(time.get("max_future", DEFAULT_MAX_FUTURE_S)),
            allowed_lateness_s=float(time.get("allowed_lateness", DEFAULT_LATENESS_S)),
            accept_unknown=doc.get("unknown_signals", "reject") == "accept",
            mode=None if mode_doc is None else self.mode(mode_doc, by_name),
            freshness_s={
                name: float(feed["freshness"])
                for name, feed in doc.get("feeds", {}).items()
                if "freshness" in feed
            },
            features=features,
            derived=derived,
        )

    def derived(
        self, signals: list[SignalSpec]
    ) -> tuple[tuple[FeatureSpec, ...], DerivedSpec | None]:
        types = {s.name: str(s.type) for s in signals}
        features = parse_features(self.doc.get("features", {}), types, self.fail)
        mode = self.doc.get("mode")
        states = tuple(mode["states"]) if mode is not None else ()
        derived_doc = self.doc.get("derived")
        derived = (
            None if derived_doc is None else parse_derived(derived_doc, types, states, self.fail)
        )
        return features, derived

    def signal(self, name: str, spec: Mapping[str, Any]) -> SignalSpec:
        low, high = spec.get("range", [None, None])
        low = -math.inf if low is None else float(low)
        high = math.inf if high is None else float(high)
        if low > high:
            self.fail(f"signals/{name}/range", f"[{low}, {high}]; expected low <= high")
        return SignalSpec(
            name=name,
            type=SignalType(spec.get("type", "number")),
            unit=spec.get("unit"),
            low=low,
            high=high,
            deadband=float(spec.get("deadband", 0.0)),
        )

    def sources(self, signals: Mapping[str, SignalSpec]) -> dict[str, SourceName]:
        sources = {name: SourceName(name, name) for name in signals}
        for name, spec in self.doc["signals"].items():
            for i, source in enumerate(spec.get("sources", ())):
                at = f"signals/{name}/sources/{i}"
                raw = source["name"]
                if raw in sources and sources[raw].signal != name:
                    problem = f"raw name {raw!r} feeds {sources[raw].signal!r} already"
                    self.fail(at, f"{problem}; expected each raw name once")
                scale, offset = self.unit(at, source, signals[name])
                sources[raw] = SourceName(raw, name, scale, offset)
        return sources

    def unit(self, at: str, source: Mapping[str, Any], signal: SignalSpec) -> tuple[float, float]:
        if "scale" in source or "offset" in source:
            return float(source.get("scale", 1.0)), float(source.get("offset", 0.0))
        unit = source.get("unit")
        if unit is None:
            return 1.0, 0.0
        if signal.unit is None:
            problem = f"unit {unit!r} given, but signal {signal.name!r} has no unit"
            self.fail(at, f"{problem}; expected a unit on the signal, or scale/offset")
        found = conversion(unit, signal.unit)
        if found is None:
            problem = f"no conversion from {unit!r} to {signal.unit!r}"
            self.fail(at, f"{problem}; expected units of one quantity, or scale/offset")
        return found

    def mode(self, doc: Mapping[str, Any], signals: Mapping[str, SignalSpec]) -> ModeSpec:
        states = tuple(doc["states"])
        index = {s: i for i, s in enumerate(states)}
        if doc["initial"] not in index:
            self.fail("mode/initial", f"{doc['initial']!r}; expected one of {states}")
        if signals[doc["signal"]].type != SignalType.TEXT:
            self.fail("mode/signal", f"{doc['signal']!r} is not a text signal")
        rules = []
        for i, rule in enumerate(doc["rules"]):
            if rule["when"] not in signals:
                self.fail(f"mode/rules/{i}/when", f"{rule['when']!r} is not a signal")
            if (rule["op"] == "in") != isinstance(rule["value"], list):
                self.fail(f"mode/rules/{i}", "op 'in' takes a list, the others one value")
            rules.append(ModeRule(rule["when"], rule["op"], rule["value"], rule["symbol"]))
        symbols = tuple(dict.fromkeys(r.symbol for r in rules))
        symbol_index = {s: i for i, s in enumerate(symbols)}
        table = np.tile(np.arange(len(states), dtype=np.int16)[:, None], (1, len(symbols)))
        for i, transition in enumerate(doc["transitions"]):
            at = f"mode/transitions/{i}"
            sources = transition["from"]
            sources = states if sources == ANY_STATE else sources
            sources = [sources] if isinstance(sources, str) else sources
            for state in [*sources, transition["to"]]:
                if state not in index:
                    self.fail(at, f"state {state!r}; expected one of {states} or '*'")
            if transition["symbol"] not in symbol_index:
                self.fail(at, f"symbol {transition['symbol']!r}; expected one of {symbols}")
            for state in sources:
                table[index[state], symbol_index[transition["symbol"]]] = index[transition["to"]]
        next_state = tuple(tuple(int(x) for x in row) for row in table)
        return ModeSpec(
            doc["signal"], states, doc["initial"], tuple(rules), symbols, next_state, table
        )
