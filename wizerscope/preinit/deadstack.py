"""``--drop-dead-stack``: leave out of the output the snapshot bytes below the final stack pointer.

When init has returned, the shadow stack below the stack pointer holds only what init's finished
calls left behind: no frame is open there, and a C or Rust program never reads stack memory it
has not written in the current frame. Those bytes are dead weight in every instantiation. They
are dropped only where the stack's bounds are known exactly (:attr:`.layout.Layout.stack_exact`),
so no static data or heap byte can be mistaken for stack. Opt-in: a program that reads
uninitialised stack memory would see zeros instead of init's leftovers. See docs/anatomy.md.
"""
from __future__ import annotations

from .instrument import Unit
from .layout import layout
from .snapshot import SegmentData, Snapshot


def dead_stack_range(unit: Unit, snap: Snapshot) -> tuple[int, int] | None:
    """[stack low, final stack pointer) of memory 0 when the stack's bounds are exact, else None."""
    if snap.memory_state(0) is None or unit.module.num_imported_memories:
        return None
    lay = layout(unit.module, 0)
    if not lay.stack_exact:
        return None
    gv = snap.global_value(lay.stack_pointer)
    if gv is None:
        return None
    sp = gv.bits & 0xFFFFFFFF
    return (lay.stack_low, sp) if lay.stack_low <= sp <= lay.stack_top else None


def cut(snap: Snapshot, memory: int, lo: int, hi: int) -> int:
    """Remove [lo, hi) of ``memory`` from the snapshot's segments; return the bytes removed."""
    kept: list[SegmentData] = []
    removed = 0
    for s in snap.segments:
        end = s.offset + len(s.data)
        if s.memory != memory or end <= lo or s.offset >= hi:
            kept.append(s)
            continue
        removed += min(end, hi) - max(s.offset, lo)
        if s.offset < lo:
            kept.append(SegmentData(s.memory, s.offset, s.data[:lo - s.offset], s.memory64))
        if end > hi:
            kept.append(SegmentData(s.memory, hi, s.data[hi - s.offset:], s.memory64))
    snap.segments = kept
    return removed


def drop_dead_stack(states: list[tuple[Unit, Snapshot]]) -> int:
    """Drop every unit's dead stack bytes; return how many bytes the output saves."""
    saved = 0
    for unit, snap in states:
        dead = dead_stack_range(unit, snap)
        if dead is not None:
            saved += cut(snap, 0, *dead)
    return saved
