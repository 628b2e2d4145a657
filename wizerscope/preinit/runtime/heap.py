"""Two pieces of advice to the C library and the kernel about memory: freed heap back to the system
where a run has just freed a lot, and huge pages for a big linear memory about to be scanned.

glibc keeps memory that was freed on its heap (and in the per-thread arenas wasmtime's parallel
compile used), so the resident set stays at its high-water mark: componentize-py's component
holds 328 MB after its compile though only ~134 MB are live, and the snapshot and rewrite then
add their own peak on top of that (389 MB against the reference's ~377). ``malloc_trim`` hands
the free pages back; a few milliseconds. A no-op where libc has no ``malloc_trim``.
"""
from __future__ import annotations

import ctypes
import functools
import sys

MADV_HUGEPAGE = 14            # Linux
# below this a memory is scanned as it is: the advice only pays where faults dominate
HUGE_SCAN_MIN = 64 << 20


@functools.lru_cache(maxsize=1)
def _trim():
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def return_freed_memory() -> None:
    """``malloc_trim(0)``: return the heap's free pages to the system."""
    trim = _trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(maxsize=1)
def _madvise():
    if not sys.platform.startswith("linux"):
        return None
    try:
        f = ctypes.CDLL("libc.so.6").madvise
    except (OSError, AttributeError):
        return None
    f.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    f.restype = ctypes.c_int
    return f


def advise_huge_pages(address: int, length: int) -> None:
    """Ask Linux for transparent huge pages over a linear memory that is about to be read whole.

    Reading a page nobody wrote maps the zero page, one fault per 4 KiB: a 64-bit memory grown to
    16 GiB costs 4 million faults, most of the snapshot's 5 s (and `wasmtime wizer`'s). With
    ``MADV_HUGEPAGE`` an untouched 2 MiB stretch is one fault on the huge zero page (16 GiB:
    5.2 -> 2.2 s, and less resident memory). Advice only: the bytes do not change, and where
    the kernel says no (THP off, another system) nothing happens. Only for memories of at least
    HUGE_SCAN_MIN bytes, whose instance is dropped after the snapshot."""
    madvise = _madvise()
    if madvise is None or length < HUGE_SCAN_MIN:
        return
    start = address & ~0xFFF                 # madvise wants a page-aligned start
    madvise(start, length + (address - start), MADV_HUGEPAGE)
