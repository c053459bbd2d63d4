"""Small inputs shared by the loader tests (the sample plant's models)."""

from __future__ import annotations

SITE = "dtmi:twinweave:sample:Site;1"
AREA = "dtmi:twinweave:sample:Area;1"
LINE = "dtmi:twinweave:sample:ProductionLine;1"
MACHINE = "dtmi:twinweave:sample:Machine;1"
MOTOR = "dtmi:twinweave:sample:Motor;1"

HIERARCHY_YAML = f"""\
twins:
  - id: p/site
    model: "{SITE}"
    properties: {{name: Site}}
    children:
      - id: p/site/area
        model: "{AREA}"
        children:
          - id: p/site/area/line
            model: "{LINE}"
            children:
              - id: p/site/area/line/m1
                model: "{MACHINE}"
                aliases: {{erp: EQ-11}}
                properties: {{machineType: Filler, ratedPower: 12.5}}
                relationships:
                  - {{name: feeds, target: p/site/area/line/m2, properties: {{bufferCapacity: 5}}}}
              - id: p/site/area/line/m2
                model: "{MACHINE}"
                aliases: {{erp: EQ-12}}
"""

MACHINES_CSV = f"""\
id,model,parent,alias:erp,alias:mac,manufacturer,ratedPower,commissioningDate,nameplate.yearOfConstruction
p/m1,{MACHINE},,EQ-1,00:1b:00:00:00:01,Krones,55.5,2019-04-01,2018
p/m2,{MACHINE},p/m1,EQ-2,00:1b:00:00:00:02,KHS,7,2020-01-15,
"""
"""Two machines keyed by id, with AssetID (erp) and MAC aliases; m2 is contained in m1."""

NETWORK_CSV = """\
alias:mac,alias:sparkplug,firmwareVersion
00:1b:00:00:00:01,G1/E1/m1,V2.1.0
00:1b:00:00:00:02,G1/E1/m2,V3.0.1
"""
"""The same machines keyed by MAC address only."""
