"""Giving freed heap back to the operating system at the points where a run has just freed a lot.

glibc keeps memory that was freed on its heap (and in the per-thread arenas wasmtime's parallel
compile used), so the resident set stays at its high-water mark: componentize-py's component
holds 328 MB after its compile though only ~134 MB are live, and the snapshot and rewrite then
add their own peak on top of that (389 MB against the reference's ~377). ``malloc_trim`` hands
the free pages back; a few milliseconds. A no-op where libc has no ``malloc_trim``.
"""
from __future__ import annotations

import ctypes
import functools


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
