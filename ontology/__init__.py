"""The knowledge-graph core: models, twins, aliases, edges, hierarchy, rollups, audit."""

from ontology._errors import OntologyError

__all__ = ["OntologyError"]
