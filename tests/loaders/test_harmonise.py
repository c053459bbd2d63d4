"""Identity harmonisation: a machine named by AssetID in one file, by MAC in another: one twin."""

from __future__ import annotations

from pathlib import Path

from loaders import load_paths
from ontology import Alias, MemoryStore
from tests.loaders._plant import MACHINE, MACHINES_CSV, NETWORK_CSV
from tests.loaders.conftest import Write


def test_asset_id_file_and_mac_file_make_one_twin(
    store: MemoryStore, models: Path, write: Write
) -> None:
    erp = write("machines.csv", MACHINES_CSV)
    mac = write("network.csv", NETWORK_CSV)
    report = load_paths([models, erp, mac], store)
    assert report.ok, report.as_text()
    assert report.twins.created == 2
    m1 = store.get_twin("p/m1")
    assert m1.properties["manufacturer"] == "Krones"
    assert m1.properties["firmwareVersion"] == "V2.1.0"
    assert set(m1.aliases) == {
        Alias("erp", "EQ-1"),
        Alias("mac", "00:1b:00:00:00:01"),
        Alias("sparkplug", "G1/E1/m1"),
    }
    assert store.resolve_aliases("sparkplug", ["G1/E1/m2"]) == ("p/m2",)


def test_file_order_does_not_matter(store: MemoryStore, models: Path, write: Write) -> None:
    erp = write("machines.csv", MACHINES_CSV)
    mac = write("network.csv", NETWORK_CSV)
    report = load_paths([models, mac, erp], store)
    assert report.ok, report.as_text()
    assert store.get_twin("p/m2").properties["firmwareVersion"] == "V3.0.1"


def test_mac_file_merges_into_twins_already_in_the_store(
    store: MemoryStore, models: Path, write: Write
) -> None:
    assert load_paths([models, write("machines.csv", MACHINES_CSV)], store).ok
    report = load_paths([write("network.csv", NETWORK_CSV)], store)
    assert report.ok, report.as_text()
    assert (report.twins.created, report.twins.updated) == (0, 2)
    assert store.get_twin("p/m1").properties["manufacturer"] == "Krones"  # kept
    assert store.get_twin("p/m1").properties["firmwareVersion"] == "V2.1.0"  # added


def test_a_chain_of_alias_only_files_resolves(
    store: MemoryStore, models: Path, write: Write
) -> None:
    """sparkplug -> mac (from the network file) -> erp (from the ERP file)."""
    erp = write("machines.csv", MACHINES_CSV)
    mac = write("network.csv", NETWORK_CSV)
    scada = write("scada.csv", "alias:sparkplug,serialNumber\nG1/E1/m1,SN-1\n")
    report = load_paths([models, scada, mac, erp], store)
    assert report.ok, report.as_text()
    assert store.get_twin("p/m1").properties["serialNumber"] == "SN-1"


def test_unknown_alias_without_id_is_rejected(
    store: MemoryStore, models: Path, write: Write
) -> None:
    path = write("network.csv", "alias:mac,firmwareVersion\nff:ff:ff:ff:ff:ff,V1\n")
    report = load_paths([models, path], store)
    [rejection] = report.rejections
    assert (rejection.file, rejection.line) == (str(path), 2)
    assert "mac='ff:ff:ff:ff:ff:ff'" in rejection.reason
    assert "name no twin" in rejection.reason


def test_aliases_naming_two_twins_are_rejected(
    store: MemoryStore, models: Path, write: Write
) -> None:
    erp = write("machines.csv", MACHINES_CSV)
    mixed = write("mixed.csv", "alias:erp,alias:mac,firmwareVersion\nEQ-1,00:1b:00:00:00:02,V9\n")
    report = load_paths([models, erp, mixed], store)
    [rejection] = report.rejections
    assert (rejection.file, rejection.line) == (str(mixed), 2)
    assert "different twins" in rejection.reason
    assert "firmwareVersion" not in store.get_twin("p/m1").properties


def test_conflicting_values_from_two_sources_are_rejected(
    store: MemoryStore, models: Path, write: Write
) -> None:
    erp = write("machines.csv", MACHINES_CSV)
    other = write("other.csv", "alias:mac,manufacturer\n00:1b:00:00:00:01,Sidel\n")
    report = load_paths([models, erp, other], store)
    [rejection] = report.rejections
    assert rejection.line == 2
    assert "conflicts with 'Krones'" in rejection.reason
    assert f"{erp}:2" in rejection.reason
    assert store.get_twin("p/m1").properties["manufacturer"] == "Krones"


def test_model_mismatch_between_sources_is_rejected(
    store: MemoryStore, models: Path, write: Write
) -> None:
    erp = write("machines.csv", MACHINES_CSV)
    other = write("other.csv", "id,model\np/m1,dtmi:twinweave:sample:Motor;1\n")
    report = load_paths([models, erp, other], store)
    [rejection] = report.rejections
    assert rejection.file == str(other)
    assert MACHINE in rejection.reason
