"""The wasm-implemented forbidden-instruction scan agrees with the exact Python decoder."""
from __future__ import annotations

import pytest

from wizerscope.binary.module import parse_module, scan_forbidden
from wizerscope.binary.reader import Reader
from wizerscope.preinit.runtime.kernels.forbidden_scan import scan_module

from tests.helpers import CORPUS

EVERY_FORBIDDEN = """(module
  (type $s (struct (field (mut i32)))) (type $a (array (mut i8)))
  (table 1 funcref) (memory 1) (data "x") (elem func 0)
  (func (param (ref $s) (ref $a))
    (struct.set $s 0 (local.get 0) (i32.const 1))
    (array.set $a (local.get 1) (i32.const 0) (i32.const 1))
    (array.fill $a (local.get 1) (i32.const 0) (i32.const 1) (i32.const 1))
    (array.copy $a $a (local.get 1) (i32.const 0) (local.get 1) (i32.const 0) (i32.const 0))
    (table.copy (i32.const 0) (i32.const 0) (i32.const 0))
    (table.init 0 (i32.const 0) (i32.const 0) (i32.const 0))
    (elem.drop 0) (data.drop 0)
    (drop (table.grow (ref.null func) (i32.const 0)))
    (table.fill (i32.const 0) (ref.null func) (i32.const 0))
    (table.set (i32.const 0) (ref.null func))
    (v128.store offset=70000 (i32.const 0) (v128.const i32x4 1 2 3 4))
    (drop (i8x16.extract_lane_s 3 (v128.const i32x4 0 0 0 0)))
    (try_table (catch_all 0))
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))
    (drop (select (result i32) (i32.const 1) (i32.const 2) (i32.const 0)))
    (drop (i64.const -1234567890123))
    (block $b (br_table $b $b $b (i32.const 0)))))"""


def test_every_forbidden_instruction_found_by_both(wat):
    m = parse_module(wat(EVERY_FORBIDDEN))
    fast = scan_module(m)
    exact = scan_forbidden(m)
    assert fast == exact
    assert [f.instruction for f in exact] == [
        "struct.set", "array.set", "array.fill", "array.copy", "table.copy", "table.init", "elem.drop",
        "data.drop", "table.grow", "table.fill", "table.set"]


def _modules_in(path):
    data = path.read_bytes()
    if data[4:8] == b"\x01\x00\x00\x00":
        yield parse_module(data)
        return
    r = Reader(data)
    r.pos = 8
    while not r.at_end():
        sid, size = r.u8(), r.u32()
        start = r.pos
        r.skip(size)
        if sid == 1:
            yield parse_module(data, start, start + size)


@pytest.mark.parametrize("name", ["ext_qjs_reactor", "c_lut", "as_state", "reject_table_set", "comp_wasiapp"])
def test_fast_scan_matches_exact_scan_on_corpus(name):
    path = CORPUS / f"{name}.wasm"
    if not path.exists():
        pytest.skip("corpus not built")
    for m in _modules_in(path):
        assert scan_module(m) == scan_forbidden(m)
