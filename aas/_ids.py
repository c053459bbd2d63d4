"""The ids the mapping mints for shells, submodels and assets, and reading them back.

``<prefix>aas:<twin id>`` is a twin's shell, ``<prefix>sm:<twin id>#<key>`` one
of its submodels (``key``: ``model``, ``component.<name>``, ``nameplate``,
``hierarchy``, ``timeseries``), ``<prefix>asset:<twin id>`` its asset when no
alias names one.
"""

from __future__ import annotations

from dataclasses import dataclass

from aas._settings import AasSettings
from ontology import Twin

MAX_ID = 2000
"""The longest identifier both metamodels accept (3.0: 2000, 3.1: 2048)."""


@dataclass(frozen=True, slots=True)
class IdScheme:
    settings: AasSettings

    def shell(self, twin_id: str) -> str:
        return f"{self.settings.id_prefix}aas:{twin_id}"

    def submodel(self, twin_id: str, key: str) -> str:
        return f"{self.settings.id_prefix}sm:{twin_id}#{key}"

    def asset(self, twin: Twin) -> str:
        for alias in twin.aliases:
            if alias.namespace == self.settings.global_asset_namespace and alias.value:
                return alias.value
        return f"{self.settings.id_prefix}asset:{twin.id}"

    def twin_of_shell(self, shell_id: str) -> str | None:
        """The twin id a shell id names, or ``None`` when it is not one of ours."""
        head = f"{self.settings.id_prefix}aas:"
        if not shell_id.startswith(head) or len(shell_id) <= len(head):
            return None
        return shell_id[len(head) :]

    def twin_of_submodel(self, submodel_id: str) -> tuple[str, str] | None:
        """``(twin id, key)`` of a submodel id, or ``None`` when it is not one of ours."""
        head = f"{self.settings.id_prefix}sm:"
        if not submodel_id.startswith(head):
            return None
        twin_id, sep, key = submodel_id[len(head) :].rpartition("#")
        if not sep or not twin_id or not key:
            return None
        return twin_id, key
