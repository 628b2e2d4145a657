"""WAVE arguments of a component init call (issue 11): integers are range-checked per type
(wasmtime-py would wrap them and the wrong value be snapshotted), escapes name Unicode scalar
values only, and deep nesting is a clean error, never a RecursionError."""
from __future__ import annotations

import pytest
from wasmtime import component as wc

from tests.helpers.component import call, comp
from wizerscope.errors import InitError
from wizerscope.preinit import Options
from wizerscope.preinit.component.wave import parse_init
from wizerscope.preinit.component.wave_values import MAX_DEPTH
from wizerscope.preinit.component.wave_types import to_python

SET = '''(component
  (core module $m (global $g (mut i32) (i32.const 0))
    (func (export "set") (param i32) (global.set $g (local.get 0)))
    (func (export "get") (result i32) (global.get $g)))
  (core instance $i (instantiate $m))
  (func (export "set-u") (param "v" u32) (canon lift (core func $i "set")))
  (func (export "set-s") (param "v" s32) (canon lift (core func $i "set")))
  (func (export "get") (result u32) (canon lift (core func $i "get"))))'''


@pytest.mark.parametrize("ty, good, bad", [
    (wc.U8(), (0, 255), (-1, 256)), (wc.S8(), (-128, 127), (-129, 128)),
    (wc.U16(), (0, 65535), (-1, 65536)), (wc.S16(), (-32768, 32767), (-32769, 32768)),
    (wc.U32(), (0, 4294967295), (-1, 4294967296)), (wc.S32(), (-2147483648, 2147483647), (-2147483649, 4294967296)),
    (wc.U64(), (0, 2**64 - 1), (-1, 99999999999999999999)), (wc.S64(), (-2**63, 2**63 - 1), (-2**63 - 1, 2**63)),
], ids=lambda v: type(v).__name__ if not isinstance(v, tuple) else None)
def test_integers_are_range_checked(ty, good, bad):
    for v in good:
        assert to_python(v, ty, "f(x)") == v
    for v in bad:
        with pytest.raises(InitError, match=f"{v} is out of range for {type(ty).__name__.lower()}"):
            to_python(v, ty, "f(x)")


@pytest.mark.parametrize("init", ["set-u(4294967296)", "set-u(-1)", "set-u(99999999999999999999)",
                                  "set-s(4294967296)", "set-s(2147483648)"])
def test_out_of_range_argument_is_refused_not_wrapped(init):
    from wizerscope.preinit.choose import pipeline_for
    from wizerscope.preinit.pipeline import drive
    with pytest.raises(InitError, match="out of range"):
        drive(pipeline_for(comp(SET)), Options(init_func=init))


def test_in_range_arguments_still_work():
    from wizerscope.preinit.choose import pipeline_for
    from wizerscope.preinit.pipeline import drive
    out = drive(pipeline_for(comp(SET)), Options(init_func="set-u(4294967295)")).output
    assert call(out, "get") == 4294967295


@pytest.mark.parametrize("text", [r'f("\u{110000}")', r'f("\u{d800}")', r"f('\u{dfff}')", r'f("\u{41")',
                                  r'f("\u{}")', r"f('\u{zz}')", r'f("\u{1234567}")'])
def test_bad_unicode_escapes_are_clean_errors(text):
    with pytest.raises(InitError, match="invalid unicode escape"):
        parse_init(text)


def test_good_unicode_escapes():
    assert parse_init(r'f("\u{1F600}\u{41}", ' + r"'\u{10FFFF}')").args[0] == "\U0001F600A"


@pytest.mark.parametrize("opening, closing", [("[", "]"), ("some(", ")"), ("(", ")"), ("{a: ", "}"),
                                              ("ok(", ")")])
def test_deep_nesting_is_a_clean_error(opening, closing):
    text = "f(" + opening * 5000 + "1" + closing * 5000 + ")"
    with pytest.raises(InitError, match="nested deeper") as e:
        parse_init(text)
    assert len(str(e.value)) < 400          # the call is shortened in the message


def test_nesting_up_to_the_limit_parses():
    depth = MAX_DEPTH - 1
    assert parse_init("f(" + "[" * depth + "]" * depth + ")").args is not None
