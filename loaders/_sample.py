"""The sample plant shipped as package data under ``loaders/samples/plant/``.

Two sites, their areas, four production lines, twenty machines with
sub-assemblies (one motor shared by two conveyors, so the hierarchy is a DAG),
described by DTDL v3 models and spread over three files that name machines in
different ways: a YAML hierarchy (twin ids and ERP numbers), a CSV keyed by
ERP AssetID (nameplate data, MAC addresses) and a CSV keyed by MAC address
(firmware, Sparkplug names). Loading all of them harmonises each machine into
one twin.
"""

from __future__ import annotations

from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parent / "samples" / "plant"
"""Where the sample plant's files live (package data)."""

MODEL_NAMESPACE = "dtmi:twinweave:sample:"

SITE = "dtmi:twinweave:sample:Site;1"
AREA = "dtmi:twinweave:sample:Area;1"
LINE = "dtmi:twinweave:sample:ProductionLine;1"
ASSET = "dtmi:twinweave:sample:Asset;1"
MACHINE = "dtmi:twinweave:sample:Machine;1"
SPINDLE = "dtmi:twinweave:sample:Spindle;1"
GEARBOX = "dtmi:twinweave:sample:Gearbox;1"
MOTOR = "dtmi:twinweave:sample:Motor;1"
NAMEPLATE = "dtmi:twinweave:sample:Nameplate;1"


def sample_plant_paths() -> tuple[Path, ...]:
    """The sample plant's inputs, in the order ``twinweave load`` takes them.

    The models folder first, then the hierarchy, the ERP CSV and the network CSV.
    """
    return (
        SAMPLE_DIR / "models",
        SAMPLE_DIR / "hierarchy.yaml",
        SAMPLE_DIR / "machines_erp.csv",
        SAMPLE_DIR / "network_mac.csv",
    )


def sample_model_texts() -> tuple[str, ...]:
    """The JSON texts of the sample plant's DTDL models, in file-name order."""
    folder = SAMPLE_DIR / "models"
    return tuple(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.json")))
