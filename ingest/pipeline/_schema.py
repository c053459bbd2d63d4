"""The JSON Schema of a pipeline file (YAML or JSON); see docs/ingest.md for an example."""

from __future__ import annotations

from typing import Any

from ingest.pipeline._derived_schema import DERIVED_SCHEMA, FEATURES_SCHEMA

NAME = {"type": "string", "minLength": 1, "maxLength": 256}
SECONDS = {"type": "number", "exclusiveMinimum": 0, "maximum": 10 * 365 * 86400}
OPS = ["gt", "ge", "lt", "le", "eq", "ne", "in"]

PIPELINE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Twinweave ingest pipeline",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "signals"],
    "properties": {
        "version": {
            "description": "This pipeline's version; it is written into every ingest batch.",
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
        },
        "identity": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "twin_ids": {
                    "description": "Try a raw name as a twin id before the alias namespaces.",
                    "type": "boolean",
                },
                "namespaces": {
                    "description": "Alias namespaces tried in order (e.g. erp, mac, sparkplug).",
                    "type": "array",
                    "items": NAME,
                    "maxItems": 32,
                    "uniqueItems": True,
                },
            },
        },
        "time": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "max_future": {**SECONDS, "description": "Seconds ahead of the clock accepted."},
                "allowed_lateness": {
                    **SECONDS,
                    "description": "Seconds behind the newest event time seen that are accepted.",
                },
            },
        },
        "unknown_signals": {
            "description": "Refuse samples of signals not listed (default), or let them through.",
            "enum": ["reject", "accept"],
        },
        "signals": {
            "type": "object",
            "maxProperties": 4096,
            "propertyNames": NAME,
            "additionalProperties": {"$ref": "#/$defs/signal"},
        },
        "mode": {"$ref": "#/$defs/mode"},
        "features": FEATURES_SCHEMA,
        "derived": DERIVED_SCHEMA,
        "feeds": {
            "type": "object",
            "maxProperties": 4096,
            "propertyNames": NAME,
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"freshness": SECONDS},
            },
        },
    },
    "$defs": {
        "signal": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "type": {"enum": ["number", "boolean", "text"]},
                "unit": NAME,
                "range": {
                    "type": "array",
                    "prefixItems": [{"type": ["number", "null"]}, {"type": ["number", "null"]}],
                    "minItems": 2,
                    "maxItems": 2,
                },
                "deadband": {"type": "number", "minimum": 0},
                "sources": {
                    "type": "array",
                    "maxItems": 256,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["name"],
                        "properties": {
                            "name": NAME,
                            "unit": NAME,
                            "scale": {"type": "number"},
                            "offset": {"type": "number"},
                        },
                    },
                },
            },
        },
        "mode": {
            "type": "object",
            "additionalProperties": False,
            "required": ["signal", "states", "initial", "rules", "transitions"],
            "properties": {
                "signal": NAME,
                "states": {
                    "type": "array",
                    "items": NAME,
                    "minItems": 1,
                    "maxItems": 64,
                    "uniqueItems": True,
                },
                "initial": NAME,
                "rules": {
                    "description": "Per sample of `when`, the first matching rule gives a symbol.",
                    "type": "array",
                    "maxItems": 256,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["when", "op", "value", "symbol"],
                        "properties": {
                            "when": NAME,
                            "op": {"enum": OPS},
                            "value": {
                                "oneOf": [
                                    {"type": ["number", "string", "boolean"]},
                                    {"type": "array", "maxItems": 256},
                                ]
                            },
                            "symbol": NAME,
                        },
                    },
                },
                "transitions": {
                    "type": "array",
                    "maxItems": 4096,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["from", "symbol", "to"],
                        "properties": {
                            "from": {"oneOf": [NAME, {"type": "array", "items": NAME}]},
                            "symbol": NAME,
                            "to": NAME,
                        },
                    },
                },
            },
        },
    },
}
