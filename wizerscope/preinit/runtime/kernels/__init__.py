"""Small wasm programs wizerscope runs inside wasmtime because Python would be too slow: the
forbidden-instruction scan, the non-zero run scan of a live memory, the transcription of
Rust's unstable sort (the reference's tie-breaking) and the encoding of many data segment heads. Each is a ``.wat`` file with a Python module
of the same name that assembles, instantiates and calls it."""
from __future__ import annotations

from pathlib import Path


def source(name: str) -> str:
    """The WAT text of kernel ``name`` (``name.wat`` beside this file)."""
    return (Path(__file__).parent / f"{name}.wat").read_text()


def compile_text(engine, text: str, name: str):
    """A kernel's text assembled and compiled on ``engine``."""
    import wasmtime
    from ..wat import assemble
    return wasmtime.Module(engine, assemble(text, f"the {name} kernel"))
