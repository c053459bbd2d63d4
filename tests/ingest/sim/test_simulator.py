"""The simulator on the sample plant, through the worker: what it breaks, the worker notices."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import orjson
import pytest

from ingest import IngestError
from ingest.codecs import ARROW_STREAM, ColumnarCodec, ContentTypeCodec, JsonCodec, RawRecord
from ingest.pipeline import default_pipeline
from ingest.sim import AssetKind, SimSettings, SimSource, Simulator, plant_assets
from ingest.worker import Worker, WorkerSettings
from loaders import load_paths, sample_plant_paths
from ontology import GraphStore, MemoryStore
from ontology.history import DuckDBHistoryStore, HistoryStore
from tests.ingest.worker.test_worker import committer

START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample_plant() -> Iterator[GraphStore]:
    store = MemoryStore()
    load_paths(sample_plant_paths(), store)
    yield store
    store.close()


def test_the_simulator_drives_the_plants_machines_from_the_graph_store(
    sample_plant: GraphStore,
) -> None:
    assets = plant_assets(sample_plant)
    kinds = {a.kind for a in assets}
    assert kinds == {AssetKind.PACKAGING, AssetKind.ROTATING}
    assert all(sample_plant.get_twin(a.twin) for a in assets)


def test_a_store_without_machines_is_a_clear_error() -> None:
    with pytest.raises(IngestError, match="no twin the simulator can drive"):
        plant_assets(MemoryStore())


def test_the_same_seed_makes_the_same_records(sample_plant: GraphStore) -> None:
    assets = plant_assets(sample_plant)
    a, b = Simulator(assets, SimSettings(seed=7)), Simulator(assets, SimSettings(seed=7))
    assert [a.tick() for _ in range(20)] == [b.tick() for _ in range(20)]


def test_columnar_records_carry_the_same_samples_as_json_ones(sample_plant: GraphStore) -> None:
    assets = plant_assets(sample_plant)
    as_json = Simulator(assets, SimSettings(seed=5)).tick()
    as_arrow = Simulator(assets, SimSettings(seed=5, format="arrow")).tick()
    assert [k for k, _ in as_json] == [k for k, _ in as_arrow]
    a = JsonCodec().decode([RawRecord(i, p) for i, (_, p) in enumerate(as_json)])
    b = ColumnarCodec().decode([RawRecord(i, p) for i, (_, p) in enumerate(as_arrow)])
    assert a.rejects == b.rejects == ()
    for column in ("time", "kind", "quality", "position"):
        assert getattr(a.frame, column).tolist() == getattr(b.frame, column).tolist()
    assert np.array_equal(a.frame.value, b.frame.value, equal_nan=True)
    assert a.frame.text.tolist() == b.frame.text.tolist()
    assert a.frame.twin_names().tolist() == b.frame.twin_names().tolist()
    assert a.frame.signal_names().tolist() == b.frame.signal_names().tolist()


def test_an_unknown_format_is_a_clear_error() -> None:
    with pytest.raises(IngestError, match="format='csv'; expected one of json, arrow"):
        SimSettings(format="csv")


def test_records_carry_the_signals_of_their_machine(sample_plant: GraphStore) -> None:
    assets = plant_assets(sample_plant)
    quiet = SimSettings(
        fault_rate=0, dropout_rate=0, impossible_rate=0, out_of_order_rate=0, late_rate=0,
        duplicate_rate=0,
    )  # fmt: skip
    records = Simulator(assets, quiet).tick()
    records, waves = records[: len(assets)], records[len(assets) :]
    assert [key for key, _ in records] == [a.twin for a in assets]
    rotating = [a.twin for a in assets if a.kind == AssetKind.ROTATING]
    assert [key for key, _ in waves] == rotating
    wave = orjson.loads(waves[0][1])["columns"]
    assert (wave["twin"], wave["signal"]) == (rotating[0], "acceleration")
    assert len(wave["value"]) == len(wave["time"]) == quiet.vibration_hz
    assert wave["time"] == sorted(set(wave["time"]))
    by_kind = {
        a.kind: orjson.loads(p)["signals"] for a, (_, p) in zip(assets, records, strict=True)
    }
    assert {"speed", "goodCount", "rejectCount", "pressure", "product", "batchCode"} <= set(
        by_kind[AssetKind.PACKAGING]
    )
    assert {"speed", "current", "windingTemperature", "vibration"} <= set(
        by_kind[AssetKind.ROTATING]
    )


@pytest.mark.parametrize("record_format", ["json", "arrow"])
async def test_through_the_worker_every_injected_fault_is_noticed(record_format: str) -> None:
    sample_plant: GraphStore = MemoryStore()  # its own: the run moves the machines' state on
    load_paths(sample_plant_paths(), sample_plant)
    history: HistoryStore = DuckDBHistoryStore()
    settings = SimSettings(
        seed=3, fault_rate=0.05, impossible_rate=0.05, duplicate_rate=0.05, late_rate=0.02,
        out_of_order_rate=0.05, dropout_rate=0.02, late_ticks=5, format=record_format,
    )  # fmt: skip
    simulator = Simulator(plant_assets(sample_plant), settings)
    source = SimSource(simulator, ticks=60)
    batches = committer(default_pipeline(), sample_plant, history, None)
    # records are decoded by their content type: the columnar ones by the columnar codec
    batches.codec = ContentTypeCodec({ARROW_STREAM: ColumnarCodec()}, JsonCodec())
    worker = Worker(source, batches, WorkerSettings(max_records=1_000_000))
    stats = await asyncio.wait_for(worker.run(), 60)
    truth = simulator.truth
    assert stats.batches == 1
    assert truth.impossible > 0 and truth.duplicated > 0 and truth.faults > 0
    assert truth.sent == truth.generated - truth.dropped + truth.duplicated + truth.wave_records
    assert stats.records == truth.sent
    # a copy of a record with impossible physics: its bad sample is refused for that reason
    assert dict(stats.rejected) == {
        "out_of_range": truth.impossible + truth.impossible_copies,
        "duplicate": truth.duplicated_samples - truth.impossible_copies,
    }
    assert stats.accepted == stats.samples_in - truth.impossible - truth.duplicated_samples
    modes = [e.code for e in history.events(None, START, END, kinds=["mode"], first=1000).items]
    assert any(code.endswith("->FAULT") for code in modes)
    assert any(code.startswith("FAULT->") for code in modes)
    a_machine = next(a.twin for a in simulator.assets if a.kind == AssetKind.PACKAGING)
    signals = sample_plant.get_signals(a_machine)
    assert signals["mode"].value in {"STOP", "IDLE", "RUNNING", "FAULT"}
    assert isinstance(signals["product"].value, str)
    # the default pipeline's derived signals: the day's uptime and OEE, active fault codes,
    # and the windowed features of the rotating machines' raw acceleration
    assert 0 <= signals["uptimeToday"].value <= 60  # type: ignore[operator]
    assert 0 <= signals["oee.quality"].value <= 1  # type: ignore[operator]
    assert signals["activeFaults"].value == "[]" or signals["faultCode"].value != 0
    a_motor = next(a.twin for a in simulator.assets if a.kind == AssetKind.ROTATING)
    motor = sample_plant.get_signals(a_motor)
    assert {"acceleration.rms", "acceleration.peak", "acceleration.kurtosis"} <= set(motor)
    assert motor["acceleration.peak"].value >= motor["acceleration.rms"].value  # type: ignore[operator]
    history.close()
    sample_plant.close()
