"""The simulator: the plant's packaging lines and rotating machines, with things going wrong."""

from ingest.sim._machines import PRODUCTS
from ingest.sim._plant import AssetKind, SimAsset, plant_assets
from ingest.sim._settings import SimSettings
from ingest.sim._simulator import SimTruth, Simulator
from ingest.sim._source import SimSource, publish_to_kafka

__all__ = [
    "PRODUCTS",
    "AssetKind",
    "SimAsset",
    "SimSettings",
    "SimSource",
    "SimTruth",
    "Simulator",
    "plant_assets",
    "publish_to_kafka",
]
