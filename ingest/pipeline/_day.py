"""The day's uptime and OEE per twin, from the mode machine's transitions and unit counters.

A twin's day starts at local midnight of its site's time zone (``derived:
day:``). After each batch, for every twin with a mode, at the newest event
time the batch holds for it:

- ``uptimeToday``: seconds since the day started spent in the ``uptime``
  states (default RUNNING);
- ``oee`` and ``oee.availability`` (running / planned time), ``oee.performance``
  (units made / (ideal rate x running time)), ``oee.quality`` (good / made),
  with ``oee = good / (ideal rate x planned time)``, their product; also
  ``oee.good``, ``oee.total`` (units since the day started) and ``oee.planned``
  (seconds in the planned states). Units come from counter signals (good and
  rejected): each sample adds its increase over the previous one (a drop is a
  counter reset: the new value is the increase). OEE is written for twins
  that have sent the good counter.

Intervals between transitions are summed per twin with a sort and
``bincount`` (no Python per sample). What a twin has accumulated is kept
between batches (and read back from the derived signals the graph store
holds after a restart); ``DayUpdate`` is applied once the stores hold the
batch.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Any

import numpy as np
import numpy.typing as npt

from ingest.pipeline._config import Pipeline
from ingest.pipeline._derived_config import OEE_COUNTS, OEE_PARTS, DerivedSpec, longest_prefix
from ingest.pipeline._features import NO_DERIVED, Derived, concat_derived
from ingest.pipeline._kernel import Fused
from ingest.pipeline._state import NO_MODE, NO_TIME, FusionState, _grown

_US = 1_000_000
_FIELDS = ("day", "anchor", "good_time", "reject_time")
_SUMS = ("running", "planned", "good", "total", "last_good", "last_reject")


class DayState:
    """Per twin: the day accumulated (its midnight), up to when, and the counters' last values."""

    def __init__(self) -> None:
        self.twins = 0
        self.day = np.empty(0, np.int64)
        self.anchor = np.empty(0, np.int64)
        """Event time up to which ``running`` and ``planned`` are summed (NO_TIME: not met)."""
        self.good_time = np.empty(0, np.int64)
        self.reject_time = np.empty(0, np.int64)
        """Event time of each counter's last sample counted."""
        self.running = np.empty(0, np.float64)
        self.planned = np.empty(0, np.float64)
        self.good = np.empty(0, np.float64)
        self.total = np.empty(0, np.float64)
        self.last_good = np.empty(0, np.float64)
        self.last_reject = np.empty(0, np.float64)
        self.zone = np.empty(0, np.int32)
        """Index into ``DayStep.zones``; -1: not looked up yet."""

    def ensure_twins(self, count: int) -> None:
        if count <= self.twins:
            return
        capacity = max(count, 2 * self.twins, 16)
        for name in _FIELDS:
            setattr(self, name, _grown(getattr(self, name), capacity, self.twins, NO_TIME))
        for name in _SUMS:
            fill = np.nan if name.startswith("last_") else 0.0
            setattr(self, name, _grown(getattr(self, name), capacity, self.twins, fill))
        self.zone = _grown(self.zone, capacity, self.twins, -1)
        self.twins = capacity


@dataclass(frozen=True, slots=True)
class DayUpdate:
    twins: npt.NDArray[np.int64]
    values: dict[str, npt.NDArray[Any]]

    def apply(self, state: DayState) -> None:
        for name, column in self.values.items():
            getattr(state, name)[self.twins] = column


class DayStep:
    def __init__(self, pipeline: Pipeline, spec: DerivedSpec, signal_index: dict[str, int]) -> None:
        mode = pipeline.mode
        states = mode.states if mode is not None else ()
        self.spec = spec
        self.zones = [spec.day.timezone, *dict.fromkeys(z for _, z in spec.day.sites)]
        self._zone_info = [zoneinfo.ZoneInfo(z) for z in self.zones]
        self.index = signal_index
        uptime, oee = spec.uptime, spec.oee
        running = uptime.states if uptime is not None else ()
        self.running = np.array([s in running for s in states] + [False])  # [-1]: no mode
        planned = oee.planned if oee is not None else ()
        self.planned = np.array([s in planned for s in states] + [False])

    def zone_of(
        self, state: DayState, twins: npt.NDArray[np.int64], names: npt.NDArray[np.object_]
    ) -> npt.NDArray[np.int32]:
        unknown = twins[state.zone[twins] < 0]
        if unknown.size:
            sites = self.spec.day.sites
            state.zone[unknown] = [
                self.zones.index(longest_prefix(str(names[t]), sites, self.zones[0]))
                for t in unknown.tolist()
            ]
        return state.zone[twins]

    def midnight(
        self, zone: npt.NDArray[np.int32], at: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        """Local midnight (µs since the epoch) of the day holding each time, in each zone."""
        out = np.empty(at.shape[0], dtype=np.int64)
        for z in np.unique(zone).tolist():
            mine = zone == z
            info = self._zone_info[z]
            lo = datetime.fromtimestamp(int(at[mine].min()) // _US, info).date() - timedelta(days=1)
            hi = datetime.fromtimestamp(int(at[mine].max()) // _US, info).date()
            days = [lo + timedelta(days=k) for k in range((hi - lo).days + 1)]
            starts = np.array(
                [int(datetime.combine(d, clock_time(0), info).timestamp()) * _US for d in days],
                dtype=np.int64,
            )
            out[mine] = starts[np.searchsorted(starts, at[mine], side="right") - 1]
        return out

    def derive(
        self,
        day: DayState,
        fused: Fused,
        kernel: FusionState,
        names: npt.NDArray[np.object_],
    ) -> tuple[Derived, DayUpdate | None]:
        n = len(fused.time)
        if not n:
            return NO_DERIVED, None
        # per twin (dense indexes: arrays over every twin, no sort)
        newest = np.full(kernel.twins, NO_TIME, dtype=np.int64)
        np.maximum.at(newest, fused.twin, fused.time)
        oldest = np.full(kernel.twins, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(oldest, fused.twin, fused.time)
        has_mode = kernel.mode != NO_MODE
        has_mode[fused.mode_twin] = True
        e = np.flatnonzero((newest != NO_TIME) & has_mode).astype(np.int64)
        now, first = newest[e], oldest[e]
        if not e.size:
            return NO_DERIVED, None
        midnight = self.midnight(self.zone_of(day, e, names), now)
        anchor, running, planned, good, total = self._restored(day, kernel, e, first, midnight)
        go = now >= anchor
        e, now, midnight, anchor = e[go], now[go], midnight[go], anchor[go]
        running, planned, good, total = running[go], planned[go], good[go], total[go]
        mode0 = np.where(kernel.mode[e] == NO_MODE, -1, kernel.mode[e]).astype(np.int64)
        add_running, add_planned = self._intervals(fused, e, now, midnight, anchor, mode0)
        values: dict[str, npt.NDArray[Any]] = {
            "day": midnight,
            "anchor": now,
            "running": running + add_running,
            "planned": planned + add_planned,
        }
        oee = self.spec.oee
        if oee is not None:
            last_good, good_time, made_good = self._counted(day, fused, e, midnight, oee.good)
            values["last_good"], values["good_time"] = last_good, good_time
            values["good"] = good + made_good
            values["total"] = total + made_good
            if oee.reject is not None:
                last_reject, reject_time, made_bad = self._counted(
                    day, fused, e, midnight, oee.reject, "reject"
                )
                values["last_reject"], values["reject_time"] = last_reject, reject_time
                values["total"] = values["total"] + made_bad
        # written when time moved on (the same time again would be a second history row)
        derived = self._emit(e, now, values, names, now > day.anchor[e])
        return derived, DayUpdate(e, values)

    def _restored(
        self,
        day: DayState,
        kernel: FusionState,
        e: npt.NDArray[np.int64],
        first: npt.NDArray[np.int64],
        midnight: npt.NDArray[np.int64],
    ) -> tuple[npt.NDArray[np.int64], ...]:
        """Per twin: anchor and today's sums; a twin met for the first time continues what the
        graph store holds for today (its derived signals), else starts at its first sample."""
        same_day = day.day[e] == midnight
        anchor = np.where(day.anchor[e] == NO_TIME, first, day.anchor[e])
        sums = [
            np.where(same_day, getattr(day, f)[e], 0.0)
            for f in ("running", "planned", "good", "total")
        ]
        new = np.flatnonzero(day.anchor[e] == NO_TIME)
        if not new.size:
            return (anchor, *sums)
        stride = kernel.signals
        uptime = self.spec.uptime
        oee = self.spec.oee
        stored_names: list[tuple[int, str]] = []
        if uptime is not None:
            stored_names.append((0, uptime.signal))
        if oee is not None:
            stored_names += [
                (1, f"{oee.signal}.planned"),
                (2, f"{oee.signal}.good"),
                (3, f"{oee.signal}.total"),
            ]
        for slot, name in stored_names:
            key = e[new] * stride + self.index[name]
            at = kernel.state_time[key]
            today = (at != NO_TIME) & (at >= midnight[new])
            sums[slot][new] = np.where(today, kernel.state_value[key], sums[slot][new])
            if slot < 2:  # seconds summed up to the time they were written
                anchor[new] = np.where(today, at, anchor[new])
        # the counters' last values, as the store holds them (idempotent: the same every time
        # a twin is met for the first time, so a batch that fails to commit changes nothing)
        if oee is not None:
            counters = [(oee.good, "good")]
            if oee.reject is not None:
                counters.append((oee.reject, "reject"))
            for name, counter in counters:
                key = e[new] * stride + self.index[name]
                getattr(day, f"last_{counter}")[e[new]] = kernel.state_value[key]
                getattr(day, f"{counter}_time")[e[new]] = kernel.state_time[key]
        return (anchor, *sums)

    def _intervals(
        self,
        fused: Fused,
        e: npt.NDArray[np.int64],
        now: npt.NDArray[np.int64],
        midnight: npt.NDArray[np.int64],
        anchor: npt.NDArray[np.int64],
        mode0: npt.NDArray[np.int64],
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Seconds in the running and the planned states between anchor and now, from midnight."""
        moves = fused.moves
        pos = np.searchsorted(e, moves.twin)
        pos_ok = np.minimum(pos, max(e.shape[0] - 1, 0))
        mine = (pos < e.shape[0]) & (e[pos_ok] == moves.twin) if e.size else pos < 0
        owner = np.concatenate([np.arange(e.shape[0]), pos[mine]])
        at = np.concatenate([anchor, moves.time[mine]])
        mode = np.concatenate([mode0, moves.after[mine].astype(np.int64)])
        start_first = np.concatenate([np.zeros(e.shape[0]), np.ones(int(mine.sum()))])
        order = np.lexsort((start_first, at, owner))
        owner, at, mode = owner[order], at[order], mode[order]
        end = np.empty_like(at)
        if at.size:
            end[:-1] = at[1:]
            last = np.append(owner[1:] != owner[:-1], True)
            end[last] = now[owner[last]]
        begin = np.maximum(np.maximum(at, anchor[owner]), midnight[owner])
        seconds = np.maximum(np.minimum(end, now[owner]) - begin, 0) / _US
        count = e.shape[0]
        running = np.bincount(owner, seconds * self.running[mode], minlength=count)
        planned = np.bincount(owner, seconds * self.planned[mode], minlength=count)
        return running.astype(np.float64), planned.astype(np.float64)

    def _counted(
        self,
        day: DayState,
        fused: Fused,
        e: npt.NDArray[np.int64],
        midnight: npt.NDArray[np.int64],
        signal: str,
        counter: str = "good",
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Per twin: the counter's last value and time, and its increase since midnight."""
        last = getattr(day, f"last_{counter}")[e].copy()
        since = getattr(day, f"{counter}_time")[e].copy()
        rows = np.flatnonzero((fused.signal == self.index[signal]) & np.isfinite(fused.value))
        pos = np.searchsorted(e, fused.twin[rows])
        ok = pos < e.shape[0]
        ok[ok] = e[pos[ok]] == fused.twin[rows[ok]]
        rows, pos = rows[ok], pos[ok]
        t = fused.time[rows]
        fresh = t > since[pos]
        rows, pos, t = rows[fresh], pos[fresh], t[fresh]
        order = np.argsort(pos, kind="stable")
        rows, pos, t = rows[order], pos[order], t[order]
        x = fused.value[rows]
        prev = np.empty_like(x)
        if x.size:
            prev[1:] = x[:-1]
            head = np.append(True, pos[1:] != pos[:-1])
            prev[head] = last[pos[head]]
        delta = x - prev
        delta = np.where(delta < 0, x, delta)  # a counter reset
        delta = np.where(np.isnan(prev), 0.0, delta)
        made = np.bincount(pos, delta * (t >= midnight[pos]), minlength=e.shape[0]).astype(
            np.float64
        )
        if x.size:
            tail = np.append(pos[1:] != pos[:-1], True)
            last[pos[tail]] = x[tail]
            since[pos[tail]] = t[tail]
        return last, since, made

    def _emit(
        self,
        e: npt.NDArray[np.int64],
        now: npt.NDArray[np.int64],
        values: dict[str, npt.NDArray[Any]],
        names: npt.NDArray[np.object_],
        moved: npt.NDArray[np.bool_],
    ) -> Derived:
        """The day's signals of the twins where ``moved``, at ``now``."""
        parts = []
        twin = e.astype(np.int32)

        def column(
            signal: str, value: npt.NDArray[np.float64], where: npt.NDArray[np.bool_]
        ) -> None:
            ok = where & np.isfinite(value)
            s = np.full(int(ok.sum()), self.index[signal], dtype=np.int32)
            parts.append(Derived(twin[ok], s, now[ok], value[ok], np.zeros(s.shape[0], np.uint8)))

        running = values["running"].astype(np.float64)
        if self.spec.uptime is not None:
            column(self.spec.uptime.signal, running, moved)
        oee = self.spec.oee
        if oee is not None:
            counted = moved & ~np.isnan(values["last_good"].astype(np.float64))
            planned = values["planned"].astype(np.float64)
            good = values["good"].astype(np.float64)
            total = values["total"].astype(np.float64)
            rate = self._rates(e, names, oee.ideal_rate) / 60.0
            with np.errstate(invalid="ignore", divide="ignore"):
                parts_values = {
                    "availability": np.where(planned > 0, running / planned, np.nan),
                    "performance": np.where(running > 0, total / (rate * running), np.nan),
                    "quality": np.where(total > 0, good / total, np.nan),
                }
                overall = np.where(planned > 0, good / (rate * planned), np.nan)
            column(oee.signal, overall, counted)
            for name in OEE_PARTS:
                column(f"{oee.signal}.{name}", parts_values[name], counted)
            for name, value in zip(OEE_COUNTS, (good, total, planned), strict=True):
                column(f"{oee.signal}.{name}", value, counted)
        return concat_derived(parts)

    def _rates(
        self, e: npt.NDArray[np.int64], names: npt.NDArray[np.object_], default: float
    ) -> npt.NDArray[np.float64]:
        table = self.spec.oee.ideal_rates if self.spec.oee is not None else ()
        if not table:
            return np.full(e.shape[0], default)
        return np.array([longest_prefix(str(names[t]), table, default) for t in e.tolist()])
