"""What the element walker and its checks share: settings, results, reporting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dtdl._context import Context
from dtdl._json import Path
from dtdl._node import Node
from dtdl._options import ParseOptions
from dtdl._vocab import Prop

Report = Callable[..., None]


class WalkerState:
    """Attributes of a walk; the check mixins read and extend them."""

    options: ParseOptions
    report: Report
    nodes: dict[str, Node]
    order: list[Node]
    refs: list[tuple[Node, str, str, Path]]
    unknown_type: bool
    id_failed: bool
    # the document being read tolerates the reference parser's v2 solecisms
    lenient: bool
    _rep: Report

    def element(
        self,
        obj: dict[str, Any],
        ctx: Context,
        parent: Node | None,
        prop: str | None,
        spec: Prop | None,
        doc: int,
        path: Path,
        depth: int,
    ) -> Node | None:
        raise NotImplementedError
