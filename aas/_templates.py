"""Semantic ids of the IDTA submodel templates the mapping fills in (as published)."""

from __future__ import annotations

NAMEPLATE = "https://admin-shell.io/idta/nameplate/3/0/Nameplate"
NAMEPLATE_FIELDS = {
    "URIOfTheProduct": "0112/2///61987#ABN590#002",
    "ManufacturerName": "0112/2///61987#ABA565#009",
    "ManufacturerProductDesignation": "0112/2///61987#ABA567#009",
    "ManufacturerProductFamily": "0112/2///61987#ABP464#002",
    "ManufacturerProductType": "0112/2///61987#ABA300#008",
    "OrderCodeOfManufacturer": "0112/2///61987#ABA950#008",
    "ProductArticleNumberOfManufacturer": "0112/2///61987#ABA581#007",
    "SerialNumber": "0112/2///61987#ABA951#009",
    "YearOfConstruction": "0112/2///61987#ABP000#002",
    "DateOfManufacture": "0112/2///61987#ABB757#007",
    "HardwareVersion": "0112/2///61987#ABA926#008",
    "FirmwareVersion": "0112/2///61987#ABA302#006",
    "SoftwareVersion": "0112/2///61987#ABA601#008",
    "CountryOfOrigin": "0112/2///61987#ABP462#001",
    "AssetSpecificProperties": "0173-1#02-ABI218#003/0173-1#01-AGZ672#004",
}

HIERARCHY = "https://admin-shell.io/idta/HierarchicalStructures/1/1/Submodel"
HIERARCHY_ENTRY_NODE = "https://admin-shell.io/idta/HierarchicalStructures/EntryNode/1/0"
HIERARCHY_NODE = "https://admin-shell.io/idta/HierarchicalStructures/Node/1/0"
HIERARCHY_HAS_PART = "https://admin-shell.io/idta/HierarchicalStructures/HasPart/1/0"
HIERARCHY_ARCHE_TYPE = "https://admin-shell.io/idta/HierarchicalStructures/ArcheType/1/0"

TIME_SERIES = "https://admin-shell.io/idta/TimeSeries/1/1"
TS_METADATA = "https://admin-shell.io/idta/TimeSeries/Metadata/1/1"
TS_NAME = "https://admin-shell.io/idta/TimeSeries/Metadata/Name/1/1"
TS_RECORD = "https://admin-shell.io/idta/TimeSeries/Record/1/1"
TS_UTC_TIME = "https://admin-shell.io/idta/TimeSeries/UtcTime/1/1"
TS_SEGMENTS = "https://admin-shell.io/idta/TimeSeries/Segments/1/1"
TS_LINKED_SEGMENT = "https://admin-shell.io/idta/TimeSeries/Segments/LinkedSegment/1/1"
TS_SEGMENT_NAME = "https://admin-shell.io/idta/TimeSeries/Segment/Name/1/1"
TS_ENDPOINT = "https://admin-shell.io/idta/TimeSeries/Endpoint/1/1"
TS_QUERY = "https://admin-shell.io/idta/TimeSeries/Query/1/1"
