"""Small wasm programs wizerscope runs inside wasmtime because Python would be too slow: the
forbidden-instruction scan, the non-zero run scan of a live memory, the transcription of
Rust's unstable sort (the reference's tie-breaking) and the encoding of many data segment heads. Each is a ``.wat`` file with a Python module
of the same name that assembles, instantiates and calls it."""
from __future__ import annotations

from pathlib import Path

_PAGE = 65536


def source(name: str) -> str:
    """The WAT text of kernel ``name`` (``name.wat`` beside this file)."""
    return (Path(__file__).parent / f"{name}.wat").read_text()


def compile_text(engine, text: str, name: str):
    """A kernel's text assembled and compiled on ``engine``."""
    import wasmtime
    from ..wat import assemble
    return wasmtime.Module(engine, assemble(text, f"the {name} kernel"))


def fresh_instance(engine, module, need: int):
    """A fresh instance of a kernel ``module`` with at least ``need`` bytes of its memory
    (exported as ``memory``): (store, exports, a writable view of those bytes)."""
    import ctypes

    import wasmtime
    store = wasmtime.Store(engine)
    exports = wasmtime.Instance(store, module, []).exports(store)
    mem = exports["memory"]
    pages = (need + _PAGE - 1) // _PAGE
    if pages > 1:
        mem.grow(store, pages - 1)
    raw = (ctypes.c_ubyte * need).from_address(ctypes.addressof(mem.data_ptr(store).contents))
    return store, exports, memoryview(raw).cast("B")
