"""Read the initialized state through an "instance state" and plan the data segments.

The snapshot works against any object with ``global_bits(probe)`` and ``memory(probe)``: the core
runner gives zero-copy views of live memories; the component pipeline gives accessor-backed ones.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Protocol

from ..errors import WizerscopeError
from ..binary.types import MemoryType, ValType
from .instrument import GlobalProbe, Instrumentation, MemoryProbe
from .segment_plan import SegmentPlan
from .segments import WASM_MAX_DATA_SEGMENTS, TooManySegments, plan_segments


class InstanceState(Protocol):
    """Read access to an initialized instance. An implementation may also offer
    ``nonzero_runs(probe) -> (starts, ends)`` when it can find the runs faster than a scan of
    ``memory(probe)`` in Python (the core runner does it in wasm), and ``globals_bits(probes)``
    when it can read many globals faster together than one by one."""

    def global_bits(self, probe: GlobalProbe) -> int: ...

    def memory(self, probe: MemoryProbe): ...


@dataclass(frozen=True)
class GlobalValue:
    index: int
    type: ValType
    bits: int                 # raw bit pattern (floats exact, NaN payloads kept)


@dataclass(frozen=True)
class MemoryState:
    index: int                # absolute memory index
    defined: int
    type: MemoryType
    pages: int                # the new minimum
    byte_length: int


@dataclass(slots=True)
class SegmentData:
    """One final segment of the snapshot. Not frozen: a snapshot makes one per segment
    (componentize-py: 10,000), and a frozen dataclass's ``__init__`` costs twice as much."""

    memory: int
    offset: int
    data: bytes
    memory64: bool


@dataclass
class Snapshot:
    globals: list[GlobalValue] = field(default_factory=list)
    memories: list[MemoryState] = field(default_factory=list)
    plan: SegmentPlan = field(default_factory=SegmentPlan)
    segments: list[SegmentData] = field(default_factory=list)
    _by_index: dict[int, GlobalValue] = field(default_factory=dict, repr=False, compare=False)

    def global_value(self, index: int) -> GlobalValue | None:
        """By global index, through an index built once (a rewrite asks for every global)."""
        if len(self._by_index) != len(self.globals):
            self._by_index = {g.index: g for g in self.globals}
        return self._by_index.get(index)

    def memory_state(self, index: int) -> MemoryState | None:
        for m in self.memories:
            if m.index == index:
                return m
        return None


def snapshot(ins: Instrumentation, state: InstanceState) -> Snapshot:
    """Globals, memory sizes and the final data segments of one instance."""
    snap = Snapshot()
    many = getattr(state, "globals_bits", None)
    bits = many(ins.globals) if many is not None else [state.global_bits(g) for g in ins.globals]
    snap.globals = [GlobalValue(g.index, g.type.value, b) for g, b in zip(ins.globals, bits)]
    views = []
    for mp in ins.memories:
        buf = state.memory(mp)
        length = len(buf) if not hasattr(buf, "nbytes") else buf.nbytes
        page = mp.type.page_size
        snap.memories.append(MemoryState(mp.index, mp.defined, mp.type, length // page, length))
        runs = state.nonzero_runs(mp) if hasattr(state, "nonzero_runs") else None
        views.append((mp.index, buf, page, runs))
    try:
        snap.plan = plan_segments(views, ins.original_segments, getattr(state, "runs_joined", False))
    except TooManySegments as e:
        raise too_many_segments(e) from None
    by_index = {v[0]: (v[1], mp) for v, mp in zip(views, ins.memories)}
    final = snap.plan.final_arrays
    lo = 0
    while lo < len(final.memory):           # final segments are sorted by memory: one batch each
        mem = final.memory[lo]
        hi = bisect.bisect_right(final.memory, mem, lo)
        buf, mp = by_index[mem]
        starts, ends = final.start[lo:hi], final.end[lo:hi]
        # a view that reads on demand (the component accessors) takes all of a memory's segments at once
        datas = buf.segments(starts, ends) if hasattr(buf, "segments") else \
            [bytes(buf[s:e]) for s, e in zip(starts, ends)]
        memory64 = mp.type.memory64
        snap.segments.extend(SegmentData(mem, s, d, memory64) for s, d in zip(starts, datas))
        lo = hi
    return snap


def too_many_segments(e: TooManySegments) -> WizerscopeError:
    """The rejection when the snapshot cannot fit next to the original segments, with the sums."""
    return WizerscopeError(
        f"the pre-initialized module would have too many data segments: the output keeps the input's "
        f"{e.original} data segments (emptied, so `memory.init` and `data.drop` indices stay valid) and needs at "
        f"least {e.needed} for the snapshot (one per memory with data, after merging everything that can be), "
        f"{e.original} + {e.needed} = {e.original + e.needed} > {WASM_MAX_DATA_SEGMENTS}, the most a module may "
        "have; nothing was written",
        hint=f"`wasmtime wizer` writes such an output, which no engine accepts; give the input fewer than "
             f"{WASM_MAX_DATA_SEGMENTS} data segments (merge them when linking)")
