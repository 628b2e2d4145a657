"""Non-zero runs of a live core memory, found by ``nonzero_runs.wat`` inside the init's own store.

NumPy on a zero-copy view costs ~0.5 ms per non-empty 64 KiB page (0.6 s on an 80 MiB memory);
the wasm scanner reads the memory in place at native speed and hands back only (start, end)
pairs. Used by :class:`~wizerscope.preinit.run.CoreRunner`; the NumPy path in
:mod:`segments` stays the fallback (and the reference for tests).
"""
from __future__ import annotations

import ctypes
import functools
from typing import Callable

import wasmtime

from ....binary.types import MemoryType
from ..heap import advise_huge_pages
from . import compile_text, source

# the pages of the scanner's `out`: 65,536 records a call (componentize-py's 208k joined runs
# take 4 accessor calls instead of 51; each costs ~0.1 ms from Python)
OUT_PAGES = 16
_RECORDS_PER_CALL = OUT_PAGES * 65536 // 16
# bytes scanned per call: a multiple of every page size (runs never cross one, so none is split),
# small enough that a cancel or a timeout is seen within a fraction of a second
CHUNK = 256 << 20


def wat_text(memory64: bool, page_size_log2: int | None) -> str:
    """The scanner's WAT for one memory type (also embedded in instrumented components)."""
    memtype = ("i64 " if memory64 else "") + "0" + (f" (pagesize {1 << page_size_log2})"
                                                    if page_size_log2 is not None else "")
    text = source("nonzero_runs")
    # the address operand: an i64 as is for 64-bit memories (a no-op block keeps the folded
    # form valid), wrapped to i32 otherwise
    return text.replace("{MEMTYPE}", memtype).replace("{A}", "block (result i64)" if memory64 else "i32.wrap_i64") \
        .replace("{OUT_PAGES}", str(OUT_PAGES))


@functools.lru_cache(maxsize=None)
def _module(engine: wasmtime.Engine, memory64: bool, page_size_log2: int | None) -> wasmtime.Module:
    return compile_text(engine, wat_text(memory64, page_size_log2), "nonzero_runs")


def nonzero_runs(store: wasmtime.Store, engine: wasmtime.Engine, memory: wasmtime.Memory,
                 mtype: MemoryType, check: Callable[[], None] = lambda: None, *,
                 huge_pages: bool = False) -> tuple[list[int], list[int]]:
    """(starts, ends) of every maximal non-zero run inside each page, ascending; ``check`` runs
    between chunks and may raise to stop the scan. ``huge_pages``: nothing writes to the memory
    any more (the state after init), so a big one may be read through huge pages
    (:func:`~wizerscope.preinit.runtime.heap.advise_huge_pages`); before init, a sparse writer
    would then get a 2 MiB page for every write."""
    total = memory.data_len(store)
    if total == 0:
        return [], []
    if huge_pages:
        advise_huge_pages(ctypes.addressof(memory.data_ptr(store).contents), total)
    inst = wasmtime.Instance(store, _module(engine, mtype.memory64, mtype.page_size_log2), [memory])
    exports = inst.exports(store)
    scan, out, resume = exports["scan"], exports["out"], exports["resume"]
    flat: list[int] = []
    pos = 0
    page = mtype.page_size
    while pos < total:
        check()
        n = scan(store, pos, min(total, (pos // CHUNK + 1) * CHUNK), page, _RECORDS_PER_CALL)
        if n:
            raw = (ctypes.c_ubyte * (n * 16)).from_address(ctypes.addressof(out.data_ptr(store).contents))
            flat.extend(memoryview(raw).cast("B").cast("q").tolist())
        pos = resume.value(store)
    return flat[0::2], flat[1::2]
