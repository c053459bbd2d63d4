"""The pipeline: configuration (``load_pipeline``) and the vectorised fusion kernel."""

from ingest.pipeline._config import (
    ModeRule,
    ModeSpec,
    Pipeline,
    PipelineError,
    SignalSpec,
    SignalType,
    SourceName,
    default_pipeline,
    load_pipeline,
    pipeline_from_document,
)
from ingest.pipeline._derive import Derivation
from ingest.pipeline._fusion import Fusion
from ingest.pipeline._kernel import (
    REASONS,
    Fused,
    FusionKernel,
    ModeMoves,
    RawEvent,
    SignalTable,
    commit,
)
from ingest.pipeline._schema import PIPELINE_SCHEMA
from ingest.pipeline._state import FusionState, TwinTable
from ingest.pipeline._units import KNOWN_UNITS, conversion

__all__ = [
    "KNOWN_UNITS",
    "PIPELINE_SCHEMA",
    "REASONS",
    "Derivation",
    "Fused",
    "Fusion",
    "FusionKernel",
    "FusionState",
    "ModeMoves",
    "ModeRule",
    "ModeSpec",
    "Pipeline",
    "PipelineError",
    "RawEvent",
    "SignalSpec",
    "SignalTable",
    "SignalType",
    "SourceName",
    "TwinTable",
    "commit",
    "conversion",
    "default_pipeline",
    "load_pipeline",
    "pipeline_from_document",
]
