"""The rows the views show: globals, memories, the final data segments and the instrumentation.

Each builder takes the units of the input (what a run snapshots) and, when there is one, the last
successful :class:`~wizerscope.preinit.pipeline.Run`; with a run, the rows carry the state before
and after init. Plain data: the TUI and ``inspect`` render them, nothing here renders.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ..binary.instructions import const_bits
from ..binary.values import format_value
from ..preinit.instrument import Unit
from ..preinit.pipeline import Run, UnitRun
from ..preinit.snapshot import Snapshot


@dataclass
class GlobalRow:
    where: str
    index: int
    name: str | None
    type: str
    mutable: bool
    init: str
    before: str | None = None
    after: str | None = None

    @property
    def changed(self) -> bool:
        return self.before is not None and self.after is not None and self.before != self.after


@dataclass
class DataSegmentInfo:
    index: int
    mode: str
    memory: int
    offset: str                # the offset expression's value, or "" for passive
    length: int


@dataclass
class MemoryRow:
    where: str
    index: int
    type: str
    minimum: int
    maximum: int | None
    page_size: int
    memory64: bool
    shared: bool
    bytes_before: int | None = None
    bytes_after: int | None = None
    segments: list[DataSegmentInfo] = field(default_factory=list)


@dataclass
class SegmentRow:
    """One final data segment and how it came to be."""

    where: str
    memory: int
    start: int
    end: int
    raw_runs: int              # non-zero runs it covers
    gap_bytes: int             # zero bytes merged in
    cap_merges: int            # merges the 10,000-segment cap forced inside it

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass
class SegmentTotals:
    raw_runs: int = 0
    merged: int = 0
    cap_merges: int = 0
    segments: int = 0
    data_bytes: int = 0
    input_size: int = 0
    output_size: int | None = None
    planned: int = 0                    # the plan's final segments (more than written after a dead-stack cut)
    dead_stack_cut: int | None = None   # --drop-dead-stack: the snapshot bytes left out


def _by_key(run: Run | None) -> dict[tuple[str, int], UnitRun]:
    return {ur.unit.key: ur for ur in run.units} if run is not None else {}


def global_rows(units: list[Unit], run: Run | None) -> list[GlobalRow]:
    """Every defined global of every unit; with a run, its value before and after init."""
    rows = []
    done = _by_key(run)
    for unit in units:
        m = unit.module
        ur = done.get(unit.key)
        for k, g in enumerate(m.globals):
            gi = m.num_imported_globals + k
            t = g.type.value.name
            bits = const_bits(g.init_expr)
            init = format_value(t, bits) if bits is not None else "expr " + g.init_expr.hex()
            row = GlobalRow(unit.title, gi, m.names.globals.get(gi), t, g.type.mutable, init)
            if ur is not None and g.type.mutable:
                after = ur.after.global_value(gi)
                before = ur.before.global_value(gi) if ur.before is not None else None
                row.after = format_value(t, after.bits) if after else None
                row.before = format_value(t, before.bits) if before else init
            rows.append(row)
    return rows


def memory_rows(units: list[Unit], run: Run | None) -> list[MemoryRow]:
    """Every defined memory with its limits, its data segments and (after a run) its sizes."""
    rows = []
    done = _by_key(run)
    for unit in units:
        m = unit.module
        ur = done.get(unit.key)
        segs_by_mem: dict[int, list[DataSegmentInfo]] = {}
        for i, s in enumerate(m.segments):
            off = const_bits(s.offset_expr) if s.mode == "active" else None
            info = DataSegmentInfo(i, s.mode, s.memory, "" if off is None else f"{off:#x}", s.length)
            segs_by_mem.setdefault(s.memory, []).append(info)
        for k, mt in enumerate(m.memories):
            mi = m.num_imported_memories + k
            row = MemoryRow(unit.title, mi, str(mt), mt.minimum, mt.maximum, mt.page_size, mt.memory64,
                            mt.shared, segments=segs_by_mem.get(mi, []))
            if ur is not None:
                after = ur.after.memory_state(mi)
                before = ur.before.memory_state(mi) if ur.before is not None else None
                row.bytes_after = after.byte_length if after else None
                row.bytes_before = before.byte_length if before else mt.minimum * mt.page_size
            rows.append(row)
    return rows


def segment_rows(run: Run | None) -> list[SegmentRow]:
    """Final segments of the run with the raw runs, gaps and cap merges inside each."""
    rows: list[SegmentRow] = []
    for ur in run.units if run is not None else ():
        rows.extend(_segment_rows(ur.unit.title, ur.after))
    return rows


def raw_runs_in(run: Run | None, row: SegmentRow) -> list[tuple[int, int, int | None]]:
    """The non-zero runs a final segment covers: (start, end, zero gap before it inside the segment)."""
    for ur in run.units if run is not None else ():
        if ur.unit.title != row.where:
            continue
        raw = ur.after.plan.raw          # sorted by (memory, start): bisect the memory, then the start
        lo = bisect.bisect_left(raw.memory, row.memory)
        hi = bisect.bisect_right(raw.memory, row.memory)
        i = bisect.bisect_left(raw.start, row.start, lo, hi)
        out: list[tuple[int, int, int | None]] = []
        prev_end = None
        while i < hi and raw.start[i] < row.end:
            s, e = raw.start[i], raw.end[i]
            out.append((s, e, None if prev_end is None else s - prev_end))
            prev_end = e
            i += 1
        return out
    return []


def segment_totals(run: Run | None, input_size: int) -> SegmentTotals:
    """Counts through the segment algorithm's stages, and input vs output size."""
    t = SegmentTotals(input_size=input_size)
    if run is None:
        return t
    for ur in run.units:
        plan = ur.after.plan
        t.raw_runs += len(plan.raw)
        t.merged += len(plan.merged_arrays)
        t.cap_merges += len(plan.cap_arrays)
        t.segments += len(ur.after.segments)       # written: after --drop-dead-stack, if asked
        t.planned += len(plan.final_arrays)
        t.data_bytes += sum(len(s.data) for s in ur.after.segments)
    t.output_size = run.output_size
    t.dead_stack_cut = run.dead_stack_saved
    return t


def instrumentation_rows(units: list[Unit], name: str) -> list[tuple[str, str, str, str]]:
    """(module, export added, what it exposes, type) for every `__wizer_*` export."""
    rows = []
    for unit in units:
        for g in unit.instrumentation.globals:
            rows.append((unit.title or name, g.export, f"global {g.index}", str(g.type)))
        for mp in unit.instrumentation.memories:
            rows.append((unit.title or name, mp.export, f"memory {mp.index}", str(mp.type)))
    return rows


def _segment_rows(where: str, snap: Snapshot) -> list[SegmentRow]:
    plan = snap.plan
    raw, final, cap = plan.raw, plan.final_arrays, plan.cap_arrays
    cap_at = {(m, s) for m, s in zip(cap.memory, cap.start)}
    rows = []
    j = 0
    n_raw = len(raw)
    for mem, s, e in zip(final.memory, final.start, final.end):
        runs = covered = caps = 0
        while j < n_raw and (raw.memory[j], raw.start[j]) < (mem, s):
            j += 1
        while j < n_raw and raw.memory[j] == mem and raw.start[j] < e:
            runs += 1
            covered += raw.end[j] - raw.start[j]
            if (mem, raw.end[j]) in cap_at:
                caps += 1
            j += 1
        rows.append(SegmentRow(where, mem, s, e, runs, (e - s) - covered, caps))
    return rows
