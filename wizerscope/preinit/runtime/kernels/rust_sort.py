"""Rust's ``slice::sort_unstable_by_key``, exactly, as the reference runs it when it caps data segments.

The reference (``remove_excess_segments``) sorts ``GapIndex { gap: u32, index: u32 }`` values
with ``sort_unstable_by_key(|g| g.gap)`` and keeps the first ``excess``. Among equal gaps the
choice is whatever the standard library's unstable sort (ipnsort) happens to leave in front, so
byte-identical output needs the very same algorithm: for an 8-byte ``Copy`` type that is

* insertion sort up to 20 elements;
* otherwise ``find_existing_run`` (a fully ascending / strictly descending input is kept /
  reversed), then quicksort with at most ``2 * floor(log2(len))`` imbalanced partitions before
  heapsort: pivots by median-of-3 (below 64 elements) or the recursive pseudo-median,
  the ``partition_lomuto_branchless_cyclic`` partition, the equal-to-ancestor-pivot path, and
  ``small_sort_network`` (threshold 32: sorting networks for 9 / 13 elements, insertion sort,
  bidirectional merge of the halves from 18 elements on).

That is ``rust_sort.wat``, a line-by-line transcription run under wasmtime: c_hashmap's 32k gaps
sort in ~3 ms, 110k in 7-30 ms (a pure-Python replay takes ~60 ms for 32k), plus ~15 ms to
assemble and compile the module once per process. NumPy is not needed (its import alone costs
0.14 s); :func:`sort_unstable_by_key_permutation` takes and returns NumPy arrays for callers that
have them.

The reference binary (wasmtime 49.0.3) was built by rustc 1.98.0 (commit 88d9e12ae). The
transcription follows the library source of 1.95 (the toolchain here), and it matches real
``sort_unstable_by_key`` runs of 1.95 on thousands of inputs and ``wasmtime wizer`` itself (1.98)
on whole snapshots whose cap is decided by ties (tests/test_rust_sort.py).
"""
from __future__ import annotations

import functools
import sys
from array import array

import wasmtime

from ..engines import kernel_engine
from . import compile_text, fresh_instance, source

_BASE = 256          # the elements start here; [0, 256) is the small sort's merge scratch


@functools.lru_cache(maxsize=1)
def _module() -> tuple[wasmtime.Engine, wasmtime.Module]:
    engine = kernel_engine()
    return engine, compile_text(engine, source("rust_sort"), "rust_sort")


def _u32(values) -> array:
    """An array of u32 in wasm's (little-endian) byte order."""
    a = array("I", values)
    if sys.byteorder != "little":
        a.byteswap()
    return a


def _u32_keys(keys) -> array:
    """The keys as u32: as they are when they fit, else their ranks (only comparisons matter)."""
    keys = keys if isinstance(keys, list) else [int(k) for k in keys]
    try:
        return _u32(keys)
    except OverflowError:
        rank = {k: r for r, k in enumerate(sorted(set(keys)))}
        return _u32([rank[k] for k in keys])


def _instance(need: int):
    """A fresh instance of the kernel with at least ``need`` bytes of memory: (store, exports,
    a view of those bytes)."""
    if need >= 1 << 32:
        raise ValueError("too many elements for a 32-bit wasm memory")
    return fresh_instance(*_module(), need)


def _sorted_in_wasm(keys):
    """Run the sort on ``keys``; returns (store, exports, memory view, n), the elements at _BASE
    and a free area of 4n bytes after them."""
    packed = _u32_keys(keys)
    n = len(packed)
    if n >= 1 << 28:
        raise ValueError("too many elements for a 32-bit wasm memory")
    store, exports, view = _instance(_BASE + 12 * n)
    io = _BASE + 8 * n
    view[io:io + 4 * n] = memoryview(packed).cast("B")
    exports["pack"](store, _BASE, io, n)
    exports["sort"](store, _BASE, n)
    return store, exports, view, n


def sort_permutation(keys) -> list[int]:
    """The order Rust's ``sort_unstable_by_key`` leaves the elements in, as positions into ``keys``
    (a sequence of ints, any range)."""
    if len(keys) < 2:
        return list(range(len(keys)))
    store, exports, view, n = _sorted_in_wasm(keys)
    io = _BASE + 8 * n
    exports["unpack"](store, _BASE, io, n)
    out = array("I")
    out.frombytes(view[io:io + 4 * n])
    if sys.byteorder != "little":
        out.byteswap()
    return out.tolist()


def sort_unstable_by_key_permutation(keys):
    """NumPy form of :func:`sort_permutation`: int64 keys in, int64 positions out."""
    import numpy as np
    keys = np.asarray(keys, dtype=np.int64).ravel()
    return np.asarray(sort_permutation(keys.tolist()), dtype=np.int64)


def first_k_mask(keys, k: int) -> bytes:
    """One byte per element of ``keys``: 1 where Rust's sort leaves the element among the first
    ``k`` slots (what the reference's ``truncate(excess)`` keeps), else 0."""
    n = len(keys)
    if k <= 0 or n == 0:
        return bytes(n)
    if k >= n:
        return b"\x01" * n
    store, exports, view, n = _sorted_in_wasm(keys)
    io = _BASE + 8 * n
    exports["mark_first"](store, _BASE, io, n, k)
    return bytes(view[io:io + n])


def first_k(keys, k: int) -> list[int]:
    """Positions (ascending) of the elements Rust's sort leaves in the first ``k`` slots."""
    return [i for i, chosen in enumerate(first_k_mask(keys, k)) if chosen]


def merge_smallest_gaps(pairs: array, k: int) -> tuple[array, bytes]:
    """The cap on runs as a scanner hands them over: ``pairs``, (start, end) i64 pairs of one
    memory's runs, ascending, whose gaps are all below 2^32; the ``k`` gaps Rust's sort leaves in
    front are closed. Returns the merged runs (pairs again) and the merge mask (one byte per gap:
    1 where run i + 1 merged into run i). Gaps, sort and merge all happen in the kernel: no list
    of ints per run is built (componentize-py: 208k runs; ~20 ms less than going through lists)."""
    n = len(pairs) // 2
    gaps = n - 1
    if not 0 < k <= gaps:
        raise ValueError(f"cannot close {k} of {gaps} gaps")
    io = _BASE + 8 * gaps               # the mask (4 bytes per gap reserved, as for the keys)
    at = io + 4 * gaps                  # the runs, then the merged runs
    out = at + 16 * n
    store, exports, view = _instance(out + 16 * (n - k))
    packed = pairs if sys.byteorder == "little" else _byteswapped(pairs)
    view[at:out] = memoryview(packed).cast("B")
    exports["pack_gaps"](store, _BASE, at, gaps)
    exports["sort"](store, _BASE, gaps)
    exports["mark_first"](store, _BASE, io, gaps, k)
    m = exports["merge_marked"](store, at, io, gaps, out)
    merged = array("q")
    merged.frombytes(view[out:out + 16 * m])
    if sys.byteorder != "little":
        merged.byteswap()
    return merged, bytes(view[io:io + gaps])


def _byteswapped(a: array) -> array:
    b = array(a.typecode, a)
    b.byteswap()
    return b
