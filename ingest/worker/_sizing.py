"""How many records the worker asks its source for next: more while it is behind on
records that carry few samples per key.

A batch's write costs about the same per (twin, signal) key it touches whatever
the samples per key (a history tier row per key and tier, a state update per
key), plus a fixed cost per batch. Records of one sample each (5,000 records
touching about 4,000 keys) make every batch pay its keys again for a sample or
two each; a larger batch of the same stream touches few more keys, so its
samples pay them once. So while the source has a full batch ready (the worker
is behind) and a batch's samples are fewer than ``SAMPLES_PER_KEY`` times its
keys, the next batch may take twice as many records, or all the source has ready
when it tells that (``BackloggedSource``: Kafka's lag) and it is more, up to
``grow_limit`` times ``max_records`` and about ``MAX_GROWN_SAMPLES`` samples: a
backlog of one-sample records is then written in as few batches as the bounds
allow. A batch short of the records asked by half (the worker caught up) puts it
back to ``max_records``: batches then stay small, and samples reach the stores
soon after they arrive. Records of many samples per key (100 a record, say) never
grow the batch.

The worker tells the sizer of a batch once it is decoded and fused, before its
write (the next batch is fetched while it is written): so the second batch of a
backlog is sized by the first, and a backlog within the bounds is written in two
batches, the first (``max_records``) and the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

SAMPLES_PER_KEY = 4
"""A batch grows the next one while its samples are fewer than this many per key."""
MAX_GROWN_SAMPLES = 250_000
"""A grown batch is meant to hold about this many samples at most (the history store
takes up to 2,000,000 in one batch)."""


@dataclass(frozen=True, slots=True)
class BatchShape:
    """What a batch holds, known once it is decoded and fused (before its write)."""

    records: int
    samples: int
    """Samples accepted."""
    keys: int
    """The distinct (twin, signal) keys its samples touch."""


class BatchSizer:
    """The records to ask for next (``records``), from what each batch held."""

    def __init__(self, max_records: int, grow_limit: int) -> None:
        self._base = max_records
        self._most = min(max_records * grow_limit, 1_000_000)
        self.records = max_records

    def observe(
        self, asked: int, records: int, samples: int, keys: int, backlog: int | None = None
    ) -> None:
        """A batch fetched with ``asked`` records at most held ``records`` records,
        ``samples`` samples (accepted) over ``keys`` keys (the distinct (twin, signal) keys
        its samples touched: each costs a history tier row whether or not its state
        changed, so the state updates alone would undercount them). ``backlog``: the
        records the source has ready beyond those fetched (None: not known); a batch
        that may grow takes them all at once, within the same bounds, rather than
        doubling towards them batch by batch."""
        if 2 * records < asked:
            self.records = self._base  # caught up: small batches again
            return
        if records < asked or samples >= SAMPLES_PER_KEY * keys:
            return  # not a full batch (a fetch may bring less than is ready), or no gain
        per_record = max(samples / records, 1e-9)
        room = int(MAX_GROWN_SAMPLES / per_record)
        wanted = max(2 * asked, backlog or 0)
        self.records = max(self.records, min(wanted, self._most, room))
