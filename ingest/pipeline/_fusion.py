"""Fusion: a pipeline bound to a graph store; a decoded Frame in, a ``Fused`` batch out.

Owns the worker-wide tables (twins, signals) and the kernel's state. Twins
met for the first time have their current signal values and mode read from
the graph store, so a restarted worker continues where the stores are.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt

from ingest.frame import Frame, Kind
from ingest.pipeline._config import Pipeline
from ingest.pipeline._derive import Derivation
from ingest.pipeline._historical import fuse_with_history_only
from ingest.pipeline._identity import DEFAULT_TTL_S, Identity
from ingest.pipeline._kernel import Fused, FusionKernel, SignalTable, commit
from ingest.pipeline._state import FusionState, TwinTable
from ontology import MAX_READ_IDS, GraphStore, SignalValue

_US = 1_000_000


class Fusion:
    """One pipeline's kernel, tables and state over one graph store."""

    def __init__(
        self,
        pipeline: Pipeline,
        store: GraphStore,
        *,
        identity_ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] | None = None,
        load_state: bool = True,
        kernel_threads: int = 1,
    ) -> None:
        """``load_state=False``: start from nothing, not from the store's values (a rebuild);
        ``kernel_threads``: the threads the fusion kernel runs a batch on (1 to 64; the
        batches are the same whatever the count)."""
        self.pipeline = pipeline
        self.load_state = load_state
        self.store = store
        self.twins = TwinTable()
        self.signals = SignalTable(pipeline)
        self.kernel = FusionKernel(pipeline, self.signals, threads=kernel_threads)
        self.state = FusionState(len(self.signals.names))
        kwargs = {} if clock is None else {"clock": clock}
        self.identity = Identity(store, pipeline, self.twins, ttl_s=identity_ttl_s, **kwargs)
        self._sources: dict[str, tuple[int, float, float]] = {}
        self._unloaded: list[int] = []
        """Twins met for the first time whose stored state is not read yet (a read that
        failed is made again by the next ``fuse``)."""
        self.derivation = Derivation(pipeline, self.signals, self.kernel.lateness_us)

    def fuse(self, frame: Frame, now_us: int) -> Fused:
        """Resolve the frame's names, then run the kernel (the state is not changed yet)."""
        twin_map, first_seen = self.identity.resolve(frame.twins)
        self._unloaded.extend(first_seen)
        signal_map, scale, offset = self._signal_maps(frame)
        self._load_unloaded()
        retired = self.twins.retired[: len(self.twins)]

        def run(part: Frame) -> Fused:
            return self.kernel.fuse(
                part, twin_map, retired, signal_map, scale, offset, self.state, now_us
            )

        def derive(fused: Fused) -> Fused:  # derived signals (features, uptime, OEE, faults)
            return self.derivation.derive(fused, self.state, self.twins.names())

        fused = fuse_with_history_only(frame, run, derive)
        self.derivation.hand_over(fused)
        return fused

    def warm(self, names: Sequence[str]) -> None:
        """Resolve ``names`` and read the stored state of the twins among them met for the
        first time: the store reads ``fuse`` would make for a batch whose samples name these
        twins, made before it.

        The worker calls it with a fetched batch's record keys (the default twin of their
        samples) beside decoding the batch, so a new worker's (or a new twin's) reads wait
        on the graph store while the CPU decodes. Never beside ``fuse`` or another ``warm``.
        With a pipeline that accepts unknown signals the state is left for ``fuse`` to read,
        after the batch's new signals are known (it reads only the signals the tables know).
        """
        _, first_seen = self.identity.resolve(names)
        self._unloaded.extend(first_seen)
        if not self.pipeline.accept_unknown:
            self._load_unloaded()

    def reload(self) -> None:
        """Read the stored state of every twin met so far again, at the next ``warm`` or
        ``fuse``, instead of what the kernel remembers of them: another worker may have
        moved it since (a Kafka partition handed back after a rebalance). The caller makes
        sure the stores hold every batch the kernel remembers; never beside ``fuse`` or
        ``warm``."""
        self._unloaded = list(range(len(self.twins)))

    def commit(self, fused: Fused) -> None:
        """Remember a batch once the stores hold it."""
        commit(self.kernel, fused, self.state)
        self.derivation.commit(fused)

    def mode_names(self) -> npt.NDArray[np.object_]:
        states = self.pipeline.mode.states if self.pipeline.mode else ()
        names = np.empty(len(states), dtype=object)
        names[:] = states
        return names

    # ------------------------------------------------------------------ names
    def _signal_maps(
        self, frame: Frame
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        n = len(frame.signals)
        signal_map = np.empty(n, dtype=np.int32)
        scale = np.empty(n, dtype=np.float64)
        offset = np.empty(n, dtype=np.float64)
        for i, name in enumerate(frame.signals):
            found = self._sources.get(name)
            if found is None:
                found = self._source(name, frame, i)
            signal_map[i], scale[i], offset[i] = found
        return signal_map, scale, offset

    def _source(self, name: str, frame: Frame, code: int) -> tuple[int, float, float]:
        source = self.pipeline.sources.get(name)
        if source is not None:
            found = (self.signals.index[source.signal], source.scale, source.offset)
        elif self.pipeline.accept_unknown and name not in self.signals.index:  # not derived
            rows = np.flatnonzero(frame.signal == code)
            kind = Kind(int(frame.kind[rows[0]])) if rows.size else Kind.NUMBER
            found = (self.signals.add_passthrough(name, kind), 1.0, 0.0)
        else:
            return (-1, 1.0, 0.0)  # not cached: cheap, and a later pipeline may know it
        self._sources[name] = found
        return found

    # ------------------------------------------------------------------ state
    def _load_unloaded(self) -> None:
        """The stored state of twins seen for the first time: one ``signals_of`` per
        ``MAX_READ_IDS`` twins (on Neo4j one statement, not a transaction per twin). A twin
        stays to be read until its read returned (a store that fails: the next call)."""
        self.state.ensure_twins(len(self.twins))
        self.state.ensure_signals(len(self.signals.names))
        if not self.load_state:
            self._unloaded = []
            return
        names = self.twins.names()
        while self._unloaded:
            chunk = self._unloaded[:MAX_READ_IDS]
            held = self.store.signals_of([str(names[index]) for index in chunk])
            for index, values in zip(chunk, held, strict=True):
                self._load_twin(index, values)
            del self._unloaded[: len(chunk)]

    def _load_twin(self, index: int, values: Mapping[str, SignalValue]) -> None:
        state, mode = self.state, self.pipeline.mode
        for signal, current in values.items():
            s = self.signals.index.get(signal)
            if s is None:
                continue
            key = index * state.signals + s
            at = _micros(current.time)
            state.state_time[key] = state.seen_time[key] = at
            if isinstance(current.value, str):
                state.state_text[key] = current.value
            elif isinstance(current.value, bool | int | float):
                state.state_value[key] = float(current.value)
            else:
                state.state_value[key] = math.nan
            if mode is not None and signal == mode.signal and current.value in mode.states:
                state.mode[index] = mode.states.index(str(current.value))
                state.mode_time[index] = at


def _micros(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=moment.tzinfo)
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds
