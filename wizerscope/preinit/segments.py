"""From live memory bytes to data segments: the reference's exact algorithm.

The constants and the tie-breaking are the reference's (docs/reference.md), so that outputs are
byte-identical to `wasmtime wizer`'s.

1. per page, every maximal run of non-zero bytes (runs crossing a page boundary are split);
2. sorted by (memory, start), runs whose gap is ≤ MIN_ACTIVE_SEGMENT_OVERHEAD merge;
3. past MAX_DATA_SEGMENTS, the smallest same-memory gaps are merged, ties broken the way Rust's
   ``sort_unstable_by_key`` breaks them (:mod:`~wizerscope.preinit.runtime.kernels.rust_sort`), as the reference does;
4. only the bytes of the final segments are copied out.

Live core memories are scanned in wasm (:mod:`~wizerscope.preinit.runtime.kernels.nonzero_runs`); :func:`find_runs` is the fallback for
plain buffers, on a zero-copy NumPy view (imported only then: it costs 0.14 s and 14 MB at start-up).
Runs are kept as parallel lists of ints: no per-run objects on the hot path.
"""
from __future__ import annotations

import functools
import operator
from typing import Callable

from .segment_plan import CapMerge, FlatRuns, Run, RunArrays, SegmentPlan

MIN_ACTIVE_SEGMENT_OVERHEAD = 4
MAX_DATA_SEGMENTS = 10_000
# the validator's limit on a module's data segments; the output keeps every original one (emptied)
WASM_MAX_DATA_SEGMENTS = 100_000


class TooManySegments(Exception):
    """The snapshot's segments cannot fit next to the original ones (see :func:`fit_arrays`)."""

    def __init__(self, original: int, needed: int) -> None:
        super().__init__(original, needed)
        self.original, self.needed = original, needed


def as_array(buf):
    """A uint8 NumPy view of any buffer (memoryview, ctypes array, bytes) without copying."""
    import numpy as np
    if isinstance(buf, np.ndarray):
        return buf.view(np.uint8).reshape(-1)
    return np.frombuffer(buf, dtype=np.uint8)


def find_runs(buf, page_size: int, memory: int = 0) -> list[Run]:
    """Maximal non-zero runs inside each page of ``buf`` (byte length a multiple of page_size)."""
    import numpy as np
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


def _split_at_pages(starts, ends, page_size: int):
    import numpy as np
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


def merge_close_arrays(runs: RunArrays) -> RunArrays:
    """Merge sorted neighbours in the same memory whose gap is at most MIN_ACTIVE_SEGMENT_OVERHEAD."""
    mem_out: list[int] = []
    start_out: list[int] = []
    end_out: list[int] = []
    last_mem = last_end = None
    for m, s, e in zip(runs.memory, runs.start, runs.end):
        if m == last_mem and s - last_end <= MIN_ACTIVE_SEGMENT_OVERHEAD:
            end_out[-1] = e
        else:
            mem_out.append(m)
            start_out.append(s)
            end_out.append(e)
            last_mem = m
        last_end = e
    return RunArrays(mem_out, start_out, end_out)


def merge_close(runs: list[Run]) -> list[Run]:
    """List form of :func:`merge_close_arrays` (sorts its input first)."""
    return merge_close_arrays(RunArrays.from_runs(sorted(runs, key=lambda r: (r.memory, r.start)))).to_runs()


def choose_cap_pairs(gaps: list[int], candidates, excess: int) -> list[int]:
    """Which adjacent pairs (indices into ``gaps``, ascending) the cap merges: the ``excess``
    smallest gaps among ``candidates`` (ascending, distinct). Among equal gaps the reference keeps
    whichever its unstable sort leaves in front (not the lowest positions: on c_hashmap it is a
    block in the middle), so the choice runs that very sort
    (:mod:`~wizerscope.preinit.runtime.kernels.rust_sort`)."""
    from itertools import compress

    from .runtime.kernels.rust_sort import first_k_mask
    keys = gaps if len(candidates) == len(gaps) else [gaps[i] for i in candidates]   # every pair: as they are
    return list(compress(candidates, first_k_mask(keys, excess)))


def cap_segments_arrays(merged: RunArrays) -> tuple[RunArrays, Callable[[], RunArrays]]:
    """Keep at most MAX_DATA_SEGMENTS by merging the smallest same-memory gaps.

    Matches the reference: nothing happens below the cap; otherwise ``len - MAX`` adjacent pairs
    with the smallest gaps (pairs across memories and gaps of 4 GiB or more excluded) are merged.
    Returns the final runs and what makes the forced merges, as (memory, gap start, gap end).
    The lists are built with C-level ``compress`` over a join mask, not per-index loops
    (componentize-py: 206k runs, 196k merges; 0.1 s -> 0.04 s).
    """
    from itertools import compress

    n = len(merged)
    if n < MAX_DATA_SEGMENTS or n - MAX_DATA_SEGMENTS == 0:
        return merged, RunArrays.empty
    excess = n - MAX_DATA_SEGMENTS
    mem, start, end = merged.memory, merged.start, merged.end
    gaps = list(map(operator.sub, start[1:], end))          # C-level: 200k runs in a component
    limit = 1 << 32
    one_memory = mem[0] == mem[-1]                          # sorted by memory
    # no gap is 4 GiB or more when the whole span is less (else look at every gap)
    if one_memory and (end[-1] - start[0] < limit or max(gaps) < limit):
        # every pair is a candidate: the sort's mask is the merge mask (no per-pair loop)
        from .runtime.kernels.rust_sort import first_k_mask
        merges = bytearray(first_k_mask(gaps, excess))      # merges[i]: segment i + 1 merges into segment i
    else:
        candidates = [i for i, (a, b, g) in enumerate(zip(mem, mem[1:], gaps)) if a == b and g < limit]
        merges = bytearray(n - 1)
        for i in choose_cap_pairs(gaps, candidates, excess):
            merges[i] = 1
    first = b"\x01" + merges.translate(_NOT)              # segment i starts a final segment
    last = merges.translate(_NOT) + b"\x01"               # segment i ends one
    final_starts = list(compress(start, first))
    final_mems = [mem[0]] * len(final_starts) if one_memory else list(compress(mem, first))
    final = RunArrays(final_mems, final_starts, list(compress(end, last)))

    def cap() -> RunArrays:
        return RunArrays(list(compress(mem, merges)), list(compress(end, merges)), list(compress(start[1:], merges)))
    return final, cap


_NOT = bytes([1, 0]) + bytes(254)           # bytes.translate table: 0 <-> 1


def cap_segments(merged: list[Run]) -> tuple[list[Run], list[CapMerge]]:
    """List form of :func:`cap_segments_arrays`."""
    final, cap = cap_segments_arrays(RunArrays.from_runs(merged))
    return final.to_runs(), [CapMerge(r.memory, r.start, r.end) for r in cap().to_runs()]


def fit_arrays(final: RunArrays, budget: int, original: int) -> tuple[RunArrays, int]:
    """Merge the closest same-memory neighbours of ``final`` until at most ``budget`` are left.

    The reference writes an output the validator rejects when the emptied originals plus the
    snapshot's segments pass 100,000; here the smallest gaps (ties: the lowest position) are
    merged, so the same state always gives the same segments. Gaps between final segments hold
    only zeros, so a merge adds that many zero bytes. Returns the runs and the merges made;
    raises :class:`TooManySegments` when even one segment per memory does not fit."""
    n = len(final)
    if n == 0 or n <= budget:
        return final, 0
    mem, start, end = final.memory, final.start, final.end
    candidates = [i for i in range(n - 1) if mem[i] == mem[i + 1]]
    excess = n - max(budget, 0)
    if budget <= 0 or len(candidates) < excess:
        raise TooManySegments(original, n - len(candidates))
    chosen = sorted(candidates, key=lambda i: (start[i + 1] - end[i], i))[:excess]
    join = bytearray(n)
    for i in chosen:
        join[i + 1] = 1
    out = RunArrays.empty()
    for i in range(n):
        if join[i]:
            out.end[-1] = end[i]
        else:
            out.memory.append(mem[i])
            out.start.append(start[i])
            out.end.append(end[i])
    return out, excess


def plan_segments(memories: list[tuple], original_segments: int = 0, joined: bool = False) -> SegmentPlan:
    """``memories``: (memory index, buffer, page size[, (starts, ends)]) per snapshotted memory;
    ``original_segments``: the module's own data segments, which the output keeps (emptied);
    ``joined``: the given runs are already joined where the gap is at most
    MIN_ACTIVE_SEGMENT_OVERHEAD (the component accessors do it in wasm), so that merge, which is
    idempotent, is skipped (comp_py: 0.15 s of a warm run).

    When the caller already found the runs (the core runner scans live memories in wasm), they
    are given as lists or as :class:`FlatRuns` and the buffer is not scanned again.
    """
    if len(memories) == 1 and joined and len(memories[0]) > 3 and isinstance(memories[0][3], FlatRuns):
        plan = _plan_flat(memories[0][0], memories[0][3], original_segments)
        if plan is not None:
            return plan
    per_memory = []
    for entry in sorted(memories, key=lambda e: e[0]):
        index, buf, page_size = entry[:3]
        found = entry[3] if len(entry) > 3 else None
        if isinstance(found, FlatRuns):
            found = found.lists
        if found is None:
            runs = find_runs(buf, page_size, index)
            starts, ends = [r.start for r in runs], [r.end for r in runs]
        else:
            starts, ends = found
        per_memory.append((index, starts, ends))
    if len(per_memory) == 1 and all(isinstance(x, list) for x in per_memory[0][1:]):
        # one memory: its lists are the raw runs as they are (nothing below changes them;
        # componentize-py: 208k runs, two copies less)
        index, starts, ends = per_memory[0]
        raw = RunArrays([index] * len(starts), starts, ends)
    else:
        raw = RunArrays.empty()
        for index, starts, ends in per_memory:
            raw.memory.extend([index] * len(starts))
            raw.start.extend(starts)
            raw.end.extend(ends)
    given = all(len(e) > 3 and e[3] is not None for e in memories)
    merged = raw if joined and given else merge_close_arrays(raw)
    final, cap = cap_segments_arrays(merged)
    final, fit = fit_arrays(final, WASM_MAX_DATA_SEGMENTS - original_segments, original_segments)
    plan = SegmentPlan(raw, merged, final, cap)
    plan.merged_to_fit = fit
    return plan


def _plan_flat(index: int, runs: FlatRuns, original_segments: int) -> SegmentPlan | None:
    """The plan of one memory whose joined runs came as pairs and pass the cap, with the cap in
    the sort kernel (:func:`~wizerscope.preinit.runtime.kernels.rust_sort.merge_smallest_gaps`):
    the same choice as :func:`cap_segments_arrays`, whose one-memory case this is. None when
    that case does not apply (below the cap, or a span that may hold a gap of 4 GiB or more)."""
    pairs = runs.pairs
    n = len(runs)
    if n <= MAX_DATA_SEGMENTS or pairs[-1] - pairs[0] >= 1 << 32:
        return None
    from .runtime.kernels.rust_sort import merge_smallest_gaps
    merged, mask = merge_smallest_gaps(pairs, n - MAX_DATA_SEGMENTS)
    final = RunArrays([index] * (len(merged) // 2), merged[0::2].tolist(), merged[1::2].tolist())
    final, fit = fit_arrays(final, WASM_MAX_DATA_SEGMENTS - original_segments, original_segments)

    @functools.lru_cache(maxsize=1)
    def raw() -> RunArrays:          # the merged runs too: they came joined
        starts, ends = runs.lists
        return RunArrays([index] * n, starts, ends)

    def cap() -> RunArrays:
        from itertools import compress
        starts, ends = runs.lists
        return RunArrays(list(compress([index] * (n - 1), mask)), list(compress(ends, mask)),
                         list(compress(starts[1:], mask)))
    plan = SegmentPlan(raw, raw, final, cap)
    plan.merged_to_fit = fit
    return plan
