"""The JSON Schema of the pipeline's derived signals: windowed features, the day's uptime and OEE,
active fault codes (merged into ``PIPELINE_SCHEMA``)."""

from __future__ import annotations

from typing import Any

FEATURE_NAMES = ("rms", "peak", "crestFactor", "kurtosis")
_NAME = {"type": "string", "minLength": 1, "maxLength": 256}
_STATES = {"type": "array", "items": _NAME, "minItems": 1, "maxItems": 64, "uniqueItems": True}
_PREFIXES = {
    "description": "Twin id prefix (a site, a line) -> value; the longest matching prefix wins.",
    "type": "object",
    "maxProperties": 4096,
    "propertyNames": _NAME,
}

FEATURES_SCHEMA: dict[str, Any] = {
    "description": "Windowed features of high-rate signals, per signal: tumbling windows by "
    "event time; each feature becomes the derived signal <signal>.<feature>.",
    "type": "object",
    "maxProperties": 256,
    "propertyNames": _NAME,
    "additionalProperties": {
        "type": "object",
        "additionalProperties": False,
        "required": ["window"],
        "properties": {
            "window": {
                "description": "Window length in seconds (windows start at multiples of it).",
                "type": "number",
                "minimum": 0.001,
                "maximum": 86400,
            },
            "emit": {
                "type": "array",
                "items": {"enum": list(FEATURE_NAMES)},
                "minItems": 1,
                "uniqueItems": True,
            },
        },
    },
}

DERIVED_SCHEMA: dict[str, Any] = {
    "description": "Signals derived per twin from the mode machine and other signals.",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "day": {
            "description": "Where a day starts: local midnight of a time zone (IANA name).",
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "timezone": _NAME,
                "sites": {**_PREFIXES, "additionalProperties": _NAME},
            },
        },
        "uptime": {
            "description": "Seconds since the day started in the given modes (default RUNNING).",
            "type": "object",
            "additionalProperties": False,
            "properties": {"signal": _NAME, "states": _STATES},
        },
        "oee": {
            "description": "OEE since the day started: availability x performance x quality; "
            "running time is the uptime's (its states, default RUNNING).",
            "type": "object",
            "additionalProperties": False,
            "required": ["good", "ideal_rate"],
            "properties": {
                "signal": _NAME,
                "good": {**_NAME, "description": "Counter signal of good units."},
                "reject": {**_NAME, "description": "Counter signal of rejected units."},
                "ideal_rate": {
                    "description": "Units per minute at the ideal cycle time.",
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "maximum": 1e9,
                },
                "ideal_rates": {
                    **_PREFIXES,
                    "additionalProperties": {"type": "number", "exclusiveMinimum": 0},
                },
                "planned": _STATES,
            },
        },
        "faults": {
            "description": "The set of active fault codes: a code raised, cleared, or all cleared.",
            "type": "object",
            "additionalProperties": False,
            "required": ["raise"],
            "properties": {
                "signal": _NAME,
                "raise": {
                    **_NAME,
                    "description": "Signal whose value c != 0 raises code c; 0 clears every code.",
                },
                "clear": {**_NAME, "description": "Signal whose value c clears code c."},
            },
        },
    },
}
