"""The services ``scripts/services`` knows, in start order, and all their ports."""

from __future__ import annotations

from devtools.services._kafka import Kafka
from devtools.services._mosquitto import Mosquitto
from devtools.services._neo4j import Neo4j
from devtools.services._questdb import QuestDB
from devtools.services._service import Port, Service

ALL: dict[str, Service] = {s.name: s for s in (Neo4j(), Kafka(), Mosquitto(), QuestDB())}
SERVICES: tuple[str, ...] = tuple(ALL)
PORTS: tuple[Port, ...] = tuple(port for service in ALL.values() for port in service.ports)
