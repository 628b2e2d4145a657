"""Differential fuzzing in the suite: scripts/difffuzz.py on a handful of smith seeds.

For every exported `[] -> []` function used as init: (a) original + init + each other export and
(b) wizerscope's output + the same export must agree on results, traps, globals and memories, and
wizerscope's output must be byte-identical to `wasmtime wizer`'s. The long run (>= 1,000 modules)
is ``python scripts/difffuzz.py --count 1000``.
"""
from __future__ import annotations

import wasmtime

from scripts import difffuzz as D

STATEFUL = '''(module
  (memory (export "mem") 1 2)
  (global $g (export "g") (mut i32) (i32.const 0))
  (global $v (export "v") (mut v128) (v128.const i64x2 0 0))
  (func (export "init") (global.set $g (i32.const 7)) (i32.store (i32.const 600) (i32.const 9))
    (drop (memory.grow (i32.const 1))) (i32.store (i32.const 70000) (i32.const 5))
    (global.set $v (v128.const i64x2 1 -1)))
  (func (export "get") (result i32) (i32.add (global.get $g) (i32.load (i32.const 600))))
  (func (export "peek") (result i32) (i32.load (i32.const 70000)))
  (func (export "wide") (param i64 f32) (result v128 f64) (v128.const i64x2 3 4) (f64.const nan:0x4)))'''


def test_bounded_differential_run(wasm_tools, wasmtime_cli):
    totals = D.run(10, start_seed=40, jobs=1)
    assert [m.describe() for m in totals.mismatches] == []
    assert totals.modules == 10 and totals.both_accepted >= 5 and totals.mains_compared >= 30, totals.to_json()


def test_oracle_agrees_on_a_correct_snapshot_and_catches_a_wrong_one(tmp_path, wasmtime_cli):
    wasm = wasmtime.wat2wasm(STATEFUL)
    res = D.check_module(1, wasm, str(tmp_path))
    assert res.both_accepted == 1 and res.mains_compared == 3 and res.mismatches == []
    # a "snapshot" that forgot init's effects must be caught: results, globals and memory differ
    engine = D.engines.run_engine(epoch=False, fuel=False)
    parsed = D.parse_module(wasm)
    _, mains = D.init_candidates(parsed)
    original = wasmtime.Module(engine, wasm)
    gtypes = D.exported_global_types(parsed)
    diffs = {main: D.compare_main(engine, original, original, "init", main, mains[main], gtypes)
             for main in ("get", "peek", "wide")}
    assert {main: d[0] for main, d in diffs.items()} == {"get": "result", "peek": "trap", "wide": "memory"}


def test_values_compare_like_the_reference():
    assert D.same_value(("f32", 0x7FC00000), ("f32", 0x7FC00001))      # any NaN equals any NaN
    assert not D.same_value(("f32", 0x7FC00000), ("f32", 0x3F800000))
    assert D.same_value(("f64", 0x7FF8000000000000), ("f64", 0xFFF0000000000001))
    assert not D.same_value(("f64", 0), ("f64", 1 << 63))                 # 0.0 and -0.0 differ in bits
    assert not D.same_value(("i32", 1), ("i64", 1))
