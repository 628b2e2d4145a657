"""The data-segment algorithm of SPEC §2.6: per-page runs, gap <= 4 merge, the 10,000 cap.

The scanners (NumPy fallback and the in-store wasm scanner) are checked against a plain per-page
loop written from the spec's words; the merge and cap rules against hand-worked examples and the
reference's observed `too_many_data_segments` result.
"""
from __future__ import annotations

import random

import pytest
import wasmtime
from hypothesis import given, settings
from hypothesis import strategies as st

from wizerscope.binary.types import MemoryType
from wizerscope.preinit import rewrite, segments
from wizerscope.preinit.runtime.kernels.nonzero_runs import nonzero_runs
from wizerscope.preinit.runtime.kernels.rust_sort import first_k, sort_permutation
from wizerscope.preinit.segment_plan import Run
from wizerscope.preinit.segments import MAX_DATA_SEGMENTS, cap_segments, find_runs, merge_close, plan_segments
from wizerscope.preinit.snapshot import SegmentData


def spec_runs(buf: bytes, page_size: int, memory: int = 0) -> list[Run]:
    """SPEC §2.6 step 3, literally: inside each page, next non-zero byte, then next zero byte."""
    runs = []
    for page_start in range(0, len(buf), page_size):
        page_end = min(page_start + page_size, len(buf))
        i = page_start
        while i < page_end:
            if buf[i]:
                j = i
                while j < page_end and buf[j]:
                    j += 1
                runs.append(Run(memory, i, j))
                i = j
            else:
                i += 1
    return runs


def buffer_with(length: int, runs: list[tuple[int, int]]) -> bytearray:
    buf = bytearray(length)
    for s, e in runs:
        buf[s:e] = b"\xaa" * (e - s)
    return buf


def plan(buf, page_size: int = 65536):
    return plan_segments([(0, memoryview(buf), page_size)])


# -- the gap <= 4 merge ----------------------------------------------------------------------
@pytest.mark.parametrize("gap, expected", [
    (1, [(100, 111)]), (4, [(100, 114)]),                   # MIN_ACTIVE_SEGMENT_OVERHEAD = 4 merges
    (5, [(100, 105), (110, 115)]), (64, [(100, 105), (169, 174)]),   # 5 or more starts a new segment
])
def test_gap_merge_threshold(gap, expected):
    buf = buffer_with(65536, [(100, 105), (105 + gap, 110 + gap)])
    p = plan(buf)
    assert [(r.start, r.end) for r in p.runs] == [(100, 105), (105 + gap, 110 + gap)]
    assert [(r.start, r.end) for r in p.final] == expected


def test_merge_extends_through_chains_and_keeps_zero_gap_bytes():
    runs = [Run(0, 0, 1), Run(0, 5, 6), Run(0, 10, 11), Run(0, 16, 17)]
    assert merge_close(runs) == [Run(0, 0, 11), Run(0, 16, 17)]
    # unsorted input is sorted by (memory, start) first
    assert merge_close(list(reversed(runs))) == [Run(0, 0, 11), Run(0, 16, 17)]


def test_runs_never_merge_across_memories():
    runs = [Run(0, 0, 10), Run(1, 12, 20), Run(1, 22, 30)]
    assert merge_close(runs) == [Run(0, 0, 10), Run(1, 12, 30)]


def test_page_crossing_run_is_split_then_rejoined():
    buf = buffer_with(3 * 65536, [(65530, 65546), (2 * 65536 - 1, 2 * 65536 + 1)])
    p = plan(buf)
    assert [(r.start, r.end) for r in p.runs] == [(65530, 65536), (65536, 65546),
                                                   (131071, 131072), (131072, 131073)]
    assert [(r.start, r.end) for r in p.final] == [(65530, 65546), (131071, 131073)]


def test_run_ending_at_end_of_memory():
    buf = buffer_with(65536, [(65535, 65536)])
    assert [(r.start, r.end) for r in plan(buf).final] == [(65535, 65536)]


@pytest.mark.parametrize("page_size", [1, 2, 8, 4096, 65536])
def test_custom_page_sizes_split_runs_per_page(page_size):
    buf = buffer_with(4 * max(page_size, 16), [(0, 3), (7, 20), (30, 31)])
    p = plan(buf, page_size)
    assert p.runs == spec_runs(bytes(buf), page_size)
    if page_size == 1:                         # every byte is its own page: one run per byte
        assert len(p.runs) == 3 + 13 + 1
    # whatever the page size, the merge rejoins the split runs (gap 0) and merges gap 4 (20 -> 30 is 10)
    assert [(r.start, r.end) for r in p.final] == [(0, 20), (30, 31)]


def test_empty_and_all_zero_memories():
    assert plan(b"").final == []
    p = plan(bytearray(2 * 65536))
    assert p.runs == [] and p.final == [] and p.cap_merges == []


# -- the 10,000 cap -------------------------------------------------------------------------
def test_too_many_data_segments_reference_result():
    """The reference test `too_many_data_segments_for_engines`: byte 42 every 6 bytes over 10
    pages. 109,227 runs, all gaps 5; the reference keeps exactly 10,000 segments: one giant
    segment [0, 595363) and then 9,999 one-byte segments (SPEC §2.6, verified)."""
    buf = bytearray(10 * 65536)
    buf[0::6] = b"\x2a" * len(range(0, len(buf), 6))
    p = plan(buf)
    assert len(p.runs) == 109_227 and len(p.merged) == 109_227
    final = p.final
    assert len(final) == MAX_DATA_SEGMENTS
    assert (final[0].start, final[0].end) == (0, 595_363)
    assert all(r.length == 1 for r in final[1:])
    assert [r.start for r in final[1:]] == list(range(595_368, 10 * 65536, 6))
    assert len(p.cap_merges) == 109_227 - MAX_DATA_SEGMENTS
    assert all(c.gap == 5 for c in p.cap_merges)


@pytest.mark.parametrize("count, merges", [(MAX_DATA_SEGMENTS - 1, 0), (MAX_DATA_SEGMENTS, 0),
                                           (MAX_DATA_SEGMENTS + 1, 1)])
def test_cap_boundary(count, merges):
    runs = [Run(0, 10 * i, 10 * i + 1) for i in range(count)]
    final, cap = cap_segments(runs)
    assert len(cap) == merges
    assert len(final) == min(count, MAX_DATA_SEGMENTS)


def test_cap_picks_smallest_gaps_small_ties_by_position(monkeypatch):
    monkeypatch.setattr(segments, "MAX_DATA_SEGMENTS", 4)
    # gaps: 9, 7, 20, 7, 7, 30 -> 7 segments, excess 3: the three gaps of 7. With at most 20
    # candidates Rust's unstable sort is an insertion sort, so ties go to the earlier pair.
    starts = [0, 10, 18, 39, 47, 55, 86]
    runs = [Run(0, s, s + 1) for s in starts]
    assert [b.start - a.end for a, b in zip(runs, runs[1:])] == [9, 7, 20, 7, 7, 30]
    final, cap = cap_segments(runs)
    assert [(r.start, r.end) for r in final] == [(0, 1), (10, 19), (39, 56), (86, 87)]
    assert [(c.gap_start, c.gap_end) for c in cap] == [(11, 18), (40, 47), (48, 55)]
    # excess 2 with three tied gaps of 7: the two earliest tied pairs win
    monkeypatch.setattr(segments, "MAX_DATA_SEGMENTS", 5)
    final, cap = cap_segments(runs)
    assert [(c.gap_start, c.gap_end) for c in cap] == [(11, 18), (40, 47)]


def test_cap_never_merges_across_memories(monkeypatch):
    monkeypatch.setattr(segments, "MAX_DATA_SEGMENTS", 3)
    # the smallest gap (1) spans memory 0 -> memory 1: skipped; gap 100 and 50 in memory 1 are used
    runs = [Run(0, 0, 10), Run(1, 11, 12), Run(1, 112, 113), Run(1, 163, 164)]
    final, cap = cap_segments(runs)
    assert [(r.memory, r.start, r.end) for r in final] == [(0, 0, 10), (1, 11, 12), (1, 112, 164)]
    assert [(c.memory, c.gap) for c in cap] == [(1, 50)]


def test_cap_skips_gaps_of_4gib_or_more_memory64(monkeypatch):
    monkeypatch.setattr(segments, "MAX_DATA_SEGMENTS", 2)
    big = 1 << 32
    runs = [Run(0, 0, 1), Run(0, 1 + big, 2 + big), Run(0, 3 * big, 3 * big + 1)]
    # both gaps are >= 4 GiB: not candidates, so the output keeps 3 > MAX segments
    final, cap = cap_segments(runs)
    assert final == runs and cap == []
    runs = [Run(0, 0, 1), Run(0, big - 1, big), Run(0, 3 * big, 3 * big + 1)]
    final, cap = cap_segments(runs)   # gap 2^32 - 2 fits in u32: merged
    assert final == [Run(0, 0, big), Run(0, 3 * big, 3 * big + 1)] and len(cap) == 1


def test_memory64_offsets_beyond_4gib_merge_like_any_other():
    base = 5 << 32
    runs = [Run(0, base, base + 2), Run(0, base + 6, base + 7), Run(0, base + 12, base + 13)]
    assert merge_close(runs) == [Run(0, base, base + 7), Run(0, base + 12, base + 13)]


@pytest.mark.parametrize("memory64, memory, offset, encoded", [
    (False, 0, 0, b"\x00\x41\x00\x0b"),
    (False, 0, 65535, b"\x00\x41\xff\xff\x03\x0b"),
    (False, 0, 0x80000000, b"\x00\x41\x80\x80\x80\x80\x78\x0b"),   # i32.const is signed: -2^31
    (False, 1, 64, b"\x02\x01\x41\xc0\x00\x0b"),
    (True, 0, 0x80000000, b"\x00\x42\x80\x80\x80\x80\x08\x0b"),    # i64.const keeps it positive
    (True, 2, 5 << 32, b"\x02\x02\x42\x80\x80\x80\x80\xd0\x00\x0b"),
])
def test_segment_offset_encoding(memory64, memory, offset, encoded):
    seg = SegmentData(memory, offset, b"\x07\x08", memory64)
    assert rewrite._data_segment_head(seg) + seg.data == encoded + b"\x02\x07\x08"


# -- the scanners agree with the spec's per-page loop -----------------------------------------
def _random_buffer(rnd: random.Random, length: int, density: float) -> bytearray:
    buf = bytearray(length)
    pos = 0
    while pos < length:
        pos += int(rnd.expovariate(density)) + 1
        n = rnd.choice((1, 1, 2, 3, 7, 8, 9, 17, 40))
        buf[pos:pos + n] = bytes(rnd.randrange(1, 256) for _ in range(min(n, max(0, length - pos))))
        pos += n
    return buf[:length]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), page_log2=st.sampled_from([0, 3, 10, 12, 16]),
       density=st.sampled_from([0.002, 0.05, 0.3]))
def test_numpy_scanner_matches_spec(seed, page_log2, density):
    page = 1 << page_log2
    length = max(page, 8192) * 2
    buf = _random_buffer(random.Random(seed), length, density)
    assert find_runs(memoryview(buf), page) == spec_runs(bytes(buf), page)


def _live_memory(pages: int, page_log2: int | None, memory64: bool):
    engine = wasmtime.Engine(_features())
    store = wasmtime.Store(engine)
    size = f"{'i64 ' if memory64 else ''}{pages}" + (f" (pagesize {1 << page_log2})" if page_log2 is not None else "")
    module = wasmtime.Module(engine, wasmtime.wat2wasm(f'(module (memory (export "m") {size}))'))
    inst = wasmtime.Instance(store, module, [])
    return engine, store, inst.exports(store)["m"]


def _features() -> wasmtime.Config:
    c = wasmtime.Config()
    c.wasm_memory64 = True
    c.wasm_custom_page_sizes = True
    c.wasm_multi_memory = True
    return c


@pytest.mark.parametrize("page_log2, memory64, pages", [(None, False, 3), (None, True, 2), (0, False, 70000)])
def test_wasm_scanner_matches_spec(page_log2, memory64, pages, monkeypatch):
    from wizerscope.preinit.runtime.kernels import nonzero_runs as kernel
    engine, store, mem = _live_memory(pages, page_log2, memory64)
    n = mem.data_len(store)
    buf = _random_buffer(random.Random(pages), n, 0.08)
    # many records: more than one call's worth (4,096 records per call here)
    monkeypatch.setattr(kernel, "_RECORDS_PER_CALL", 4096)
    mem.write(store, bytes(buf), 0)
    starts, ends = nonzero_runs(store, engine, mem, MemoryType(pages, None, False, memory64, page_log2))
    expected = spec_runs(bytes(buf), 1 << (16 if page_log2 is None else page_log2))
    assert len(expected) > 4096
    assert list(zip(starts, ends)) == [(r.start, r.end) for r in expected]


# -- the cap's tie-break: Rust's sort_unstable_by_key (golden runs in test_rust_sort.py) --------
@settings(max_examples=40, deadline=None)
@given(keys=st.lists(st.integers(0, 12), min_size=0, max_size=3000), frac=st.floats(0, 1))
def test_rust_sort_sorts_and_the_cap_takes_its_prefix(keys, frac):
    perm = sort_permutation(keys)
    assert sorted(perm) == list(range(len(keys)))
    assert [keys[i] for i in perm] == sorted(keys)
    k = int(len(keys) * frac)
    assert first_k(keys, k) == sorted(perm[:k])


def test_runs_given_already_joined_plan_as_if_merged_here():
    from wizerscope.preinit.segments import plan_segments
    starts, ends = [0, 10, 13, 65530], [3, 11, 20, 65540]       # 10..11 and 13..20 are 2 apart
    merged = plan_segments([(0, b"", 65536, (starts, ends))])
    joined = merge_close([Run(0, s, e) for s, e in zip(starts, ends)])
    pre = plan_segments([(0, b"", 65536, ([r.start for r in joined], [r.end for r in joined]))], joined=True)
    assert pre.final == merged.final == joined


def _kernel_runs(store, engine, mem, mtype: MemoryType, gap: int, cap: int) -> list[tuple[int, int]]:
    """The scan kernel called directly, per page (``gap`` -1: ``scan``) or joined (``gap`` 4:
    ``scan_joined``), at most ``cap`` records per call; joined batches are joined across their
    boundary the way the component accessors' caller does."""
    from wizerscope.preinit.runtime.kernels.nonzero_runs import _module
    inst = wasmtime.Instance(store, _module(engine, mtype.memory64, mtype.page_size_log2), [mem])
    ex = inst.exports(store)
    total, pos, out = mem.data_len(store), 0, []
    while pos < total:
        n = ex["scan"](store, pos, total, mtype.page_size, cap) if gap < 0 else ex["scan_joined"](store, pos, total, cap)
        data = ex["out"].read(store, 0, 16 * n)
        batch = [(int.from_bytes(data[i:i + 8], "little"), int.from_bytes(data[i + 8:i + 16], "little"))
                 for i in range(0, 16 * n, 16)]
        if batch and out and gap >= 0 and batch[0][0] - out[-1][1] <= gap:
            out[-1] = (out[-1][0], batch[0][1])
            batch = batch[1:]
        out.extend(batch)
        pos = ex["resume"].value(store)
    return out


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), page_log2=st.sampled_from([None, 0]),      # the page sizes wasm has
       density=st.sampled_from([0.001, 0.05, 0.3, 0.9]), gap=st.sampled_from([-1, 4]),
       cap=st.sampled_from([3, 4094]))
def test_scan_kernel_matches_spec_with_and_without_the_join(seed, page_log2, density, gap, cap):
    """Word-at-a-time edges (trailing zero counts), 64-byte zero blocks, unaligned tails, page
    boundaries and the in-kernel join must give exactly the spec's runs (joined: merge_close)."""
    pages = 2 if page_log2 is None else 70000
    engine, store, mem = _live_memory(pages, page_log2, False)
    n = mem.data_len(store)
    buf = _random_buffer(random.Random(seed), n, density)
    mem.write(store, bytes(buf), 0)
    page = 1 << (16 if page_log2 is None else page_log2)
    expected = spec_runs(bytes(buf), page)
    if gap >= 0:
        expected = merge_close(expected)
    got = _kernel_runs(store, engine, mem, MemoryType(pages, None, False, False, page_log2), gap, cap)
    assert got == [(r.start, r.end) for r in expected]


def test_a_big_memory_is_scanned_the_same_under_huge_page_advice():
    """From HUGE_SCAN_MIN bytes on the scan first asks for transparent huge pages (runtime/heap.py:
    one fault per untouched 2 MiB); the runs it finds must not change."""
    from wizerscope.preinit.runtime.heap import HUGE_SCAN_MIN
    pages = 2 * HUGE_SCAN_MIN >> 16
    engine, store, mem = _live_memory(pages, None, True)
    where = [5, HUGE_SCAN_MIN - 3, HUGE_SCAN_MIN + (1 << 21) + 7, 2 * HUGE_SCAN_MIN - 1]
    for at in where:
        mem.write(store, b"\x07\x07", at) if at + 2 <= mem.data_len(store) else mem.write(store, b"\x07", at)
    starts, ends = nonzero_runs(store, engine, mem, MemoryType(pages, None, False, True, None), huge_pages=True)
    assert list(zip(starts, ends)) == [(5, 7), (HUGE_SCAN_MIN - 3, HUGE_SCAN_MIN - 1),
                                       (HUGE_SCAN_MIN + (1 << 21) + 7, HUGE_SCAN_MIN + (1 << 21) + 9),
                                       (2 * HUGE_SCAN_MIN - 1, 2 * HUGE_SCAN_MIN)]


@settings(max_examples=60, deadline=None)
@given(data=st.lists(st.sampled_from([0, 0, 0, 1, 0x80, 0xff]), min_size=1, max_size=200),
       cap=st.sampled_from([1, 2, 4094]))
def test_joined_scan_ends_runs_at_five_zeros_at_every_alignment(data, cap):
    """``scan_joined`` on memories of every length (1-byte pages): five zeros in a row end a run,
    fewer never do, wherever they fall in a word or in the byte-wise tail before the end."""
    engine, store, mem = _live_memory(len(data), 0, False)
    mem.write(store, bytes(data), 0)
    expected = merge_close(spec_runs(bytes(data), 1))
    got = _kernel_runs(store, engine, mem, MemoryType(len(data), None, False, False, 0), 4, cap)
    assert got == [(r.start, r.end) for r in expected]


@pytest.mark.parametrize("seed, original", [(1, 0), (2, 0), (3, 95_000)])
def test_runs_as_pairs_plan_like_runs_as_lists(seed, original):
    """Past the cap, one memory's joined runs given as scanner pairs (FlatRuns) are capped in the
    sort kernel; the plan is the list path's in every part: final segments, raw and merged runs,
    the forced merges, and the further merges that keep the output within 100,000 segments."""
    from array import array

    from wizerscope.preinit.segment_plan import FlatRuns
    from wizerscope.preinit.segments import MAX_DATA_SEGMENTS, plan_segments
    rnd = random.Random(seed)
    starts, ends, pos = [], [], 0
    for _ in range(MAX_DATA_SEGMENTS + 2500):
        pos += rnd.choice((5, 6, 9, 9, 9, 300, rnd.randrange(5, 5000)))     # many ties
        starts.append(pos)
        pos += rnd.randrange(1, 40)
        ends.append(pos)
    pairs = array("q", [x for pair in zip(starts, ends) for x in pair])
    flat = plan_segments([(0, b"", 65536, FlatRuns(pairs))], original, joined=True)
    lists = plan_segments([(0, b"", 65536, (list(starts), list(ends)))], original, joined=True)
    for part in ("final_arrays", "raw", "merged_arrays", "cap_arrays"):
        a, b = getattr(flat, part), getattr(lists, part)
        assert (a.memory, a.start, a.end) == (b.memory, b.start, b.end), part
    assert flat.merged_to_fit == lists.merged_to_fit == (MAX_DATA_SEGMENTS - (100_000 - original) if original else 0)


def test_runs_as_pairs_spanning_4gib_take_the_list_path():
    """A span of 4 GiB or more may hold a gap the cap must skip: the kernel path steps aside."""
    from array import array

    from wizerscope.preinit.segment_plan import FlatRuns
    from wizerscope.preinit.segments import MAX_DATA_SEGMENTS, plan_segments
    starts = [i * 10 for i in range(MAX_DATA_SEGMENTS + 3)] + [5 << 32]
    ends = [s + 2 for s in starts]
    pairs = array("q", [x for pair in zip(starts, ends) for x in pair])
    plan = plan_segments([(0, b"", 65536, FlatRuns(pairs))], 0, joined=True)
    assert len(plan.final) == MAX_DATA_SEGMENTS and plan.final[-1].start == 5 << 32   # never merged across
