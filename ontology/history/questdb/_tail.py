"""The last minute and hour tier row of each series this store wrote, kept in memory.

A batch that only appends merges into at most one bucket per series and tier:
the last one held. Reading those rows back from QuestDB means waiting until the
server applied the previous batch, then two queries; this keeps them instead,
as the store sent them, so the usual batch is written without any read.

The rows are trusted only while no other writer touched the minute tier: each
write notes the open minute table's sequencer transaction before its tier flush
(every appending batch writes each of its series' open minute row there),
and the rows stay valid only if the next write finds it moved by exactly one
(the tier flush's own transaction) and no more. Anything else (another process
writing the prefix, a failed flush, ``expire``) drops them, and the next batch
reads the held rows from the server as before.

A tail *started empty* (``start_empty``: the store found every tier table empty
when it opened) also knows the series it holds no row for: none of their rows
exist, so a batch of new series (a fresh store's first batch, a twin seen for
the first time) is written without reading the tiers back either. It stays so
only along the same chain of its own flushes; anything that makes it distrust
its rows makes it forget that too.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from ontology.history._append_merge import last_rows
from ontology.history._tiers import Tier
from ontology.history.questdb._tiers import TIER_SCHEMA, with_series

_TIERS = (Tier.MINUTE, Tier.HOUR)


def _none() -> pa.Table:
    """No tier rows, as the server's would come (``TierKeeper.held``)."""
    return with_series(TIER_SCHEMA.empty_table())


class TierTail:
    """Per series (the engine's ``series`` key), its last tier row at each grain."""

    def __init__(self) -> None:
        self._rows: dict[Tier, pa.Table] = {}
        self._txn: int | None = None
        self._complete = False
        """Every series with a tier row in the tables has its last rows here."""

    def clear(self) -> None:
        self._rows = {}
        self._txn = None
        self._complete = False

    def start_empty(self, txn: int) -> None:
        """The tier tables held no row when the open minute table's sequencer transaction
        was ``txn``: until another writer moves it, a series not kept has no rows."""
        self._rows = {}
        self._txn = txn
        self._complete = True

    def held(self, names: pa.Array, txn: int) -> dict[Tier, pa.Table] | None:
        """The rows of the series ``names``, or ``None`` when they cannot be trusted:
        one of the series is unknown (and the tail did not start empty), or the open
        minute table moved past ``txn`` (another writer)."""
        if self._txn is None or txn != self._txn or not (self._rows or self._complete):
            return None
        out = {}
        for tier in _TIERS:
            table = self._rows.get(tier)
            if table is None:
                out[tier] = _none()
                continue
            mine = pc.is_in(table.column("series"), value_set=names)
            out[tier] = table.filter(mine)
        if not self._complete and out[Tier.MINUTE].num_rows != len(names):
            return None
        return out

    def keep(
        self,
        names: pa.Array,
        held: Mapping[Tier, pa.Table],
        sent: Mapping[Tier, pa.Table],
        before: int,
    ) -> None:
        """After a write acknowledged: the series ``names`` now end in the latest of the rows
        ``held`` for them and the rows ``sent``. ``before``: the open minute table's sequencer
        transaction before the tier flush, which made exactly one more (a flush is one
        transaction per table); any other writer's flush, before or after it, moves the
        table further and the next ``held`` call distrusts the rows."""
        if self._txn is None or before != self._txn:
            # Not known to be this store's own rows up to ``before``: keep none of the others.
            self._rows = {}
            self._complete = False
        rows = {}
        for tier in _TIERS:
            columns = sent[tier].column_names
            mine = held[tier].filter(pc.is_in(held[tier].column("series"), value_set=names))
            schema = sent[tier].schema
            latest = last_rows(pa.concat_tables([mine.select(columns).cast(schema), sent[tier]]))
            kept = self._rows.get(tier)
            if kept is not None:
                others = kept.filter(pc.invert(pc.is_in(kept.column("series"), value_set=names)))
                latest = pa.concat_tables([others, latest.cast(others.schema)])
            rows[tier] = latest
        self._rows = rows
        self._txn = before + 1
