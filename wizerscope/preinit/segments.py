"""From live memory bytes to data segments: the reference's exact algorithm (SPEC §2.6).

1. per page, every maximal run of non-zero bytes (runs crossing a page boundary are split);
2. sorted by (memory, start), runs whose gap is ≤ MIN_ACTIVE_SEGMENT_OVERHEAD merge;
3. past MAX_DATA_SEGMENTS, the smallest same-memory gaps are merged, ties broken by position;
4. only the bytes of the final segments are copied out.

The scan runs on a zero-copy NumPy view: whole pages are tested for non-zero words first, and only
pages with content are examined byte by byte.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MIN_ACTIVE_SEGMENT_OVERHEAD = 4
MAX_DATA_SEGMENTS = 10_000


@dataclass(frozen=True)
class Run:
    memory: int
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class CapMerge:
    """A merge the segment cap forced: the gap [gap_start, gap_end) became part of a segment."""

    memory: int
    gap_start: int
    gap_end: int

    @property
    def gap(self) -> int:
        return self.gap_end - self.gap_start


@dataclass
class SegmentPlan:
    """All intermediate results, kept for the inspector."""

    runs: list[Run] = field(default_factory=list)          # raw per-page runs, sorted
    merged: list[Run] = field(default_factory=list)        # after the gap ≤ 4 merge
    cap_merges: list[CapMerge] = field(default_factory=list)
    final: list[Run] = field(default_factory=list)         # what becomes data segments


def as_array(buf) -> np.ndarray:
    """A uint8 NumPy view of any buffer (memoryview, ctypes array, bytes) without copying."""
    if isinstance(buf, np.ndarray):
        return buf.view(np.uint8).reshape(-1)
    return np.frombuffer(buf, dtype=np.uint8)


def find_runs(buf, page_size: int, memory: int = 0) -> list[Run]:
    """Maximal non-zero runs inside each page of ``buf`` (byte length a multiple of page_size)."""
    mem = as_array(buf)
    n = mem.size
    runs: list[Run] = []
    if n == 0:
        return runs
    # Coarse pass: which blocks hold any non-zero byte. Blocks are page-aligned when pages are
    # at least 4 KiB, else the whole memory is one block and the page split happens below.
    block = page_size if page_size >= 4096 else n
    nblocks = n // block
    full = nblocks * block
    if block % 8 == 0 and n % 8 == 0:
        words = mem[:full].view(np.uint64).reshape(nblocks, block // 8)
        nonzero_blocks = np.flatnonzero(words.any(axis=1))
    else:
        nonzero_blocks = np.flatnonzero(mem[:full].reshape(nblocks, block).any(axis=1))
    for b in nonzero_blocks.tolist():
        lo = b * block
        chunk = mem[lo:lo + block]
        nz = chunk != 0
        # run boundaries: where nz changes, plus page boundaries inside the chunk
        edges = np.flatnonzero(np.diff(nz.view(np.int8), prepend=0, append=0))
        starts = edges[0::2]
        ends = edges[1::2]
        if block != page_size:
            starts, ends = _split_at_pages(starts, ends, page_size)
        starts = (starts + lo).tolist()
        ends = (ends + lo).tolist()
        runs.extend(Run(memory, s, e) for s, e in zip(starts, ends))
    return runs


def _split_at_pages(starts: np.ndarray, ends: np.ndarray, page_size: int) -> tuple[np.ndarray, np.ndarray]:
    out_s, out_e = [], []
    for s, e in zip(starts.tolist(), ends.tolist()):
        while (s // page_size) != ((e - 1) // page_size):
            cut = (s // page_size + 1) * page_size
            out_s.append(s)
            out_e.append(cut)
            s = cut
        out_s.append(s)
        out_e.append(e)
    return np.asarray(out_s, dtype=np.int64), np.asarray(out_e, dtype=np.int64)


def merge_close(runs: list[Run]) -> list[Run]:
    """Merge neighbours in the same memory whose gap is at most MIN_ACTIVE_SEGMENT_OVERHEAD."""
    merged: list[Run] = []
    for r in sorted(runs, key=lambda r: (r.memory, r.start)):
        if merged:
            cur = merged[-1]
            if cur.memory == r.memory and r.start - cur.end <= MIN_ACTIVE_SEGMENT_OVERHEAD:
                merged[-1] = Run(cur.memory, cur.start, r.end)
                continue
        merged.append(r)
    return merged


def cap_segments(merged: list[Run]) -> tuple[list[Run], list[CapMerge]]:
    """Keep at most MAX_DATA_SEGMENTS by merging the smallest same-memory gaps.

    Matches the reference: nothing happens below the cap; otherwise ``len - MAX`` adjacent pairs
    with the smallest gaps (stable by position among equal gaps, pairs across memories and gaps of
    4 GiB or more excluded) are merged.
    """
    n = len(merged)
    if n < MAX_DATA_SEGMENTS:
        return list(merged), []
    excess = n - MAX_DATA_SEGMENTS
    if excess == 0:
        return list(merged), []
    mems = np.fromiter((r.memory for r in merged), dtype=np.int64, count=n)
    starts = np.fromiter((r.start for r in merged), dtype=np.int64, count=n)
    ends = np.fromiter((r.end for r in merged), dtype=np.int64, count=n)
    gaps = starts[1:] - ends[:-1]
    ok = (mems[1:] == mems[:-1]) & (gaps < (1 << 32))
    candidates = np.flatnonzero(ok)
    order = candidates[np.argsort(gaps[candidates], kind="stable")][:excess]
    chosen = np.zeros(n, dtype=bool)
    chosen[order] = True          # chosen[i]: merge segment i with i + 1
    final: list[Run] = []
    forced: list[CapMerge] = []
    i = 0
    while i < n:
        r = merged[i]
        end = r.end
        j = i
        while j < n - 1 and chosen[j]:
            forced.append(CapMerge(r.memory, merged[j].end, merged[j + 1].start))
            j += 1
            end = merged[j].end
        final.append(Run(r.memory, r.start, end))
        i = j + 1
    return final, forced


def plan_segments(memories: list[tuple[int, object, int]]) -> SegmentPlan:
    """``memories``: (memory index, buffer, page size) for each snapshotted memory."""
    plan = SegmentPlan()
    for index, buf, page_size in memories:
        plan.runs.extend(find_runs(buf, page_size, index))
    plan.runs.sort(key=lambda r: (r.memory, r.start))
    plan.merged = merge_close(plan.runs)
    plan.final, plan.cap_merges = cap_segments(plan.merged)
    return plan
