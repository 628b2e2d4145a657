"""Inputs big in one dimension: the stages must stay linear in it (timings: benchmarks/bench_scale.py)."""
from __future__ import annotations

import wasmtime

from wizerscope.preinit.choose import pipeline_for
from wizerscope.preinit.options import Options
from wizerscope.preinit.pipeline import drive
from wizerscope.preinit.runtime import internals


def _globals_wat(n: int) -> str:
    globs = "\n".join(f'(global $g{i} (export "g{i}") (mut i32) (i32.const {i}))' for i in range(n))
    sets = "\n".join(f"(global.set $g{i} (i32.const {3 * i}))" for i in range(n))
    return f'(module {globs}\n(func (export "wizer-initialize") {sets}))'


def test_exports_are_found_by_name_without_the_walk(wat):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    module = wasmtime.Module(engine, wat('(module (global (export "a") i32 (i32.const 7)) (func (export "f")))'))
    exports = internals.Exports(store, wasmtime.Instance(store, module, []))
    assert exports["a"].value(store) == 7 and isinstance(exports.get("f"), wasmtime.Func)
    assert exports.get("missing") is None and exports.get("missing", 1) == 1


def test_many_exported_globals_match_the_reference(wat, reference):
    wasm = wat(_globals_wat(3000))
    run = drive(pipeline_for(wasm), Options())
    assert run.output == reference(wasm).require_output()
