"""Merging an appending batch's partials into the tier rows held, in Arrow compute.

When every sample of a batch follows everything held for its series, a tier
bucket that is in both the held rows and the batch's partials merges without
any window: counts and sums add, the first values come from the held row, the
last values (and the last quality and batch) from the batch's, and the area
gains the held last value times the gap to the batch's first numeric sample.
That is what ``_partials.merge_sql`` computes for two partials that do not
interleave, without a round trip through SQL.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ontology.history._partials import PARTIAL_COLUMNS

_COLUMNS = tuple(c.strip() for c in PARTIAL_COLUMNS.split(","))


def _later(later: pa.Array, earlier: pa.Array, later_ts: pa.Array) -> pa.Array:
    """``later`` where ``later_ts`` is set, else ``earlier``."""
    return pc.if_else(pc.is_valid(later_ts), later, earlier)


def last_index(table: pa.Table) -> npt.NDArray[np.int64]:
    """The index of the row of the latest bucket of each series of ``table``, in ``series``
    order; a later row wins a tie.

    The series are grouped by their dictionary codes and the rows ordered by a stable
    integer sort, so only the rows picked (one a series) are sorted by name: a batch of
    10,000 series a sample a minute has 600,000 minute rows, and sorting every one of them
    by its name cost several times as much. Only the key columns are read: a caller takes
    the rows it needs once (``last_rows``, ``split_open``)."""
    if not table.num_rows:
        return np.empty(0, dtype=np.int64)
    series = table.column("series").combine_chunks()
    code = series.dictionary_encode().indices.to_numpy(zero_copy_only=False)
    order = np.lexsort((table.column("bucket").to_numpy(), code))  # stable: ties by row
    grouped = code[order]
    last = np.ones(order.size, dtype=bool)
    last[:-1] = grouped[1:] != grouped[:-1]
    picked = order[last]
    by_name = pc.sort_indices(series.take(pa.array(picked))).to_numpy()
    return np.asarray(picked[by_name], dtype=np.int64)


def last_rows(table: pa.Table) -> pa.Table:
    """The row of the latest bucket of each series, in ``series`` order; a later row of
    ``table`` wins a tie (``last_index``)."""
    if not table.num_rows:
        return table
    return table.take(pa.array(last_index(table)))


def latest_rows(table: pa.Table) -> pa.Table:
    """``last_rows`` in any order: ``table`` itself when no series has two rows in it (the
    rows the store's tail keeps: one a series), for the callers that only look rows up by
    their series, so that those skip the grouping, the sort and the takes."""
    if table.num_rows and pc.count_distinct(table.column("series")).as_py() == table.num_rows:
        return table
    return last_rows(table)


def merge_appended(held: pa.Table, part: pa.Table) -> pa.Table:
    """``part`` with each of its buckets also in ``held`` (same ``series`` and ``bucket``)
    merged with the held row; ``part``'s samples must all follow ``held``'s."""
    if not held.num_rows or not part.num_rows:
        return part.select(list(_COLUMNS))
    held = latest_rows(held)  # only a series' latest bucket can meet a later sample
    held_at = pc.index_in(part.column("series"), value_set=held.column("series"))
    known = held_at.is_valid().to_numpy(zero_copy_only=False)
    h_rows = held_at.to_numpy(zero_copy_only=False)
    p_index = np.flatnonzero(known)
    if p_index.size:
        h_index = h_rows[p_index].astype(np.int64)
        same = (
            part.column("bucket").to_numpy()[p_index] == held.column("bucket").to_numpy()[h_index]
        )
        p_index, h_index = p_index[same], h_index[same]
    if not p_index.size:
        return part.select(list(_COLUMNS))
    merged = merge_rows(held.take(pa.array(h_index)), part.take(pa.array(p_index)))
    rest = np.ones(part.num_rows, dtype=bool)
    rest[p_index] = False
    kept = part.select(list(_COLUMNS)).filter(pa.array(rest))
    return pa.concat_tables([kept, merged.cast(kept.schema)])


def merge_rows(held: pa.Table, part: pa.Table) -> pa.Table:
    """Row ``i`` of ``held`` merged with row ``i`` of ``part`` (the same series and bucket;
    ``part``'s samples all follow ``held``'s), in ``_partials``' columns."""
    h = held.combine_chunks()
    p = part.combine_chunks()
    nv = pc.add(h["nv"], p["nv"])
    total = pc.add(pc.fill_null(h["s"], 0.0), pc.fill_null(p["s"], 0.0))
    gap = pc.multiply(h["vl"], pc.cast(pc.subtract(p["vf_ts"], h["vl_ts"]), pa.float64()))
    merged = {
        "series": p["series"],
        "bucket": p["bucket"],
        "n": pc.add(h["n"], p["n"]),
        "nv": nv,
        "s": pc.if_else(pc.equal(nv, 0), pa.scalar(None, pa.float64()), total),
        "mn": pc.min_element_wise(h["mn"], p["mn"]),
        "mx": pc.max_element_wise(h["mx"], p["mx"]),
        "vf_ts": _later(h["vf_ts"], p["vf_ts"], h["vf_ts"]),
        "vf": _later(h["vf"], p["vf"], h["vf_ts"]),
        "vl_ts": _later(p["vl_ts"], h["vl_ts"], p["vl_ts"]),
        "vl": _later(p["vl"], h["vl"], p["vl_ts"]),
        "area": pc.add(pc.add(h["area"], p["area"]), pc.fill_null(gap, 0.0)),
        "tf_ts": _later(h["tf_ts"], p["tf_ts"], h["tf_ts"]),
        "tf": _later(h["tf"], p["tf"], h["tf_ts"]),
        "tl_ts": _later(p["tl_ts"], h["tl_ts"], p["tl_ts"]),
        "tl": _later(p["tl"], h["tl"], p["tl_ts"]),
        "lq": p["lq"],
        "lb": p["lb"],
    }
    return pa.table(merged)
