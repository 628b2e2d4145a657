"""Every memory of a run before and after init, as byte diffs the hex view draws lazily."""
from __future__ import annotations

from ..preinit.pipeline import Run
from ..preinit.statediff import MemoryDiff, SparseMemory


def memory_diffs(run: Run) -> list[MemoryDiff]:
    """One diff per snapshotted memory; a unit without a "before" state starts from zeros."""
    out = []
    for ur in run.units:
        for ms in ur.after.memories:
            after = SparseMemory.from_snapshot(ur.after, ms.index)
            before = SparseMemory.from_snapshot(ur.before, ms.index) if ur.before is not None else SparseMemory(0)
            out.append(MemoryDiff.between(ur.unit.title, ms.index, before, after))
    return out
