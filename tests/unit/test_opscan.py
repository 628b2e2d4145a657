"""The wasm-implemented forbidden-instruction scan agrees with the exact Python decoder."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


@settings(max_examples=300, deadline=None)
@given(op=st.sampled_from([0x41, 0x42, 0x23]), tail=st.binary(min_size=0, max_size=8))
def test_the_inline_const_expr_step_agrees_with_decoding(op, tail):
    """The inline step over `i32.const` / `i64.const` / `global.get` + `end` lands where the
    instruction decoder does, or leaves every other byte string (overlong or unterminated
    immediates, other endings) to it, errors included."""
    from wizerscope.binary.instructions import skip_const_expr, skip_const_expr_decoded
    from wizerscope.binary.reader import Reader
    from wizerscope.errors import WizerscopeError
    data = bytes([op]) + tail

    def outcome(skip):
        r = Reader(data)
        try:
            skip(r)
        except WizerscopeError as e:
            return "error", str(e)
        return "ok", r.pos
    assert outcome(skip_const_expr) == outcome(skip_const_expr_decoded)


def test_exports_decode_every_index_width_and_kind():
    """The in-place decoding of one- and two-byte export indices, and the reader for the rest."""
    from wizerscope.binary import encode
    from wizerscope.binary.types import EXPORT, EXTERNAL_KINDS
    wanted = [(f"e{i}", kind, index) for i, (kind, index) in enumerate(
        (k, x) for k in EXTERNAL_KINDS for x in (0, 1, 127, 128, 300, 16383, 16384, 2**21, 2**32 - 1))]
    entries = [encode.name(n) + bytes([k]) + encode.uleb(x) for n, k, x in wanted]
    m = parse_module(b"\0asm\1\0\0\0" + encode.section(EXPORT, encode.vec(entries)))
    assert [(e.name, e.kind, e.index) for e in m.exports] == [(n, EXTERNAL_KINDS[k], x) for n, k, x in wanted]
    with pytest.raises(Exception, match="invalid export kind"):
        parse_module(b"\0asm\1\0\0\0" + encode.section(EXPORT, encode.vec([encode.name("x") + b"\x09\x00"])))
