"""Running and validating Wasm in tests: a core module's export, `wasm-tools validate`."""
from __future__ import annotations

import os
import subprocess

import wasmtime


def call(wasm: bytes, name: str, *args, wasi: bool = False):
    """Instantiate a core module fresh (no imports, or WASI preview 1 with ``wasi``) and call one export."""
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    module = wasmtime.Module(engine, wasm)
    if wasi:
        store.set_wasi(wasmtime.WasiConfig())
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        inst = linker.instantiate(store, module)
    else:
        inst = wasmtime.Instance(store, module, [])
    return inst.exports(store)[name](store, *args)


def validate(wasm_tools: str, wasm: bytes | str | os.PathLike) -> None:
    """`wasm-tools validate` on a file, or on bytes through stdin; fails with its message."""
    if isinstance(wasm, (str, os.PathLike)):
        args, data = [str(wasm)], None
    else:
        args, data = [], bytes(wasm)
    proc = subprocess.run([wasm_tools, "validate", *args], input=data, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
