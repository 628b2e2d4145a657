"""Reading many exported globals in one pass gives the same bits as reading them one by one
(NaN payloads, v128 lanes and the sign of narrow integers included)."""
from __future__ import annotations

import pytest
import wasmtime

from wizerscope.preinit.runtime import internals

WAT = """(module
  (global (export "a") (mut i32) (i32.const -1))
  (global (export "b") (mut i64) (i64.const -2))
  (global (export "c") (mut f32) (f32.const nan:0x200001))
  (global (export "d") (mut f64) (f64.const -nan:0x8000000000001))
  (global (export "e") (mut v128) (v128.const i64x2 0x0102030405060708 -1))
  (func (export "f")))"""
TYPES = [("a", "i32"), ("b", "i64"), ("c", "f32"), ("d", "f64"), ("e", "v128")]


def test_many_globals_read_together_match_one_by_one():
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    instance = wasmtime.Instance(store, wasmtime.Module(engine, WAT), [])
    exports = instance.exports(store)
    one_by_one = [internals.global_bits(store, exports[name], t) for name, t in TYPES]
    assert internals.exported_global_bits(store, instance, TYPES) == one_by_one
    assert one_by_one[0] == 0xFFFF_FFFF and one_by_one[2] == 0x7FA0_0001
    assert one_by_one[4] == 0x0102030405060708 | ((2**64 - 1) << 64)
    with pytest.raises(KeyError):
        internals.exported_global_bits(store, instance, [("f", "i32")])      # a function, not a global
    with pytest.raises(KeyError):
        internals.exported_global_bits(store, instance, [("missing", "i32")])
