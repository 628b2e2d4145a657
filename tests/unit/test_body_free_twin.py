"""Output validation by the body-free twin (preinit/rewrite.py, ``body_free_twin``): the code
section is copied byte for byte, so validating the rewritten module with every body replaced by
``unreachable`` proves the output valid, except where the rewrite took a function reference's
declaration away; then, and whenever the output is not exactly the twin plus the input's code,
the output itself is validated."""
from __future__ import annotations

import pytest
import wasmtime

from wizerscope.errors import WizerscopeError
from wizerscope.preinit import module_pipeline
from wizerscope.preinit.choose import pipeline_for
from wizerscope.preinit.options import Options
from wizerscope.preinit.pipeline import drive
from wizerscope.preinit.rewrite import BodyFreeTwin, _may_ref_func

from tests.helpers.wasm import validate

STATE = '''(module
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "wizer-initialize") (global.set $g (i32.const 5)) (i32.store (i32.const 64) (i32.const 7)))
  (func (export "get") (result i32) (i32.add (global.get $g) (i32.load (i32.const 64))))
  (func $f (result funcref) (ref.func $f))
  (elem declare func $f))'''

# the init function's only declaration is its export, and a body takes a reference to it
REF_TO_INIT = '''(module
  (func $init (export "wizer-initialize"))
  (func (export "get") (result funcref) ref.func $init)
  (memory (export "memory") 1))'''


def _rewritten(text: str, **options):
    p = pipeline_for(wasmtime.wat2wasm(text))
    run = drive(p, Options(**options))
    return p, run.output


def test_the_twin_stands_for_the_output(wasm_tools):
    p, out = _rewritten(STATE)
    proof = p._proof
    assert isinstance(proof, BodyFreeTwin) and proof.matches(out)
    assert len(proof.twin) < len(out) or len(p.model.code_bodies) == 0
    validate(wasm_tools, out)
    validate(wasm_tools, proof.twin)
    assert not proof.matches(out[:-1]) and not proof.matches(out + b"\0")
    damaged = bytearray(out)
    damaged[proof.head + 5] ^= 0xFF                    # inside the copied code section
    assert not proof.matches(bytes(damaged))


def test_a_removed_declaration_means_the_whole_output_is_validated():
    p = pipeline_for(wasmtime.wat2wasm(REF_TO_INIT))
    with pytest.raises(WizerscopeError, match="undeclared function reference"):
        drive(p, Options())
    assert not isinstance(p._proof, BodyFreeTwin)
    p, out = _rewritten(REF_TO_INIT, keep_init_func=True)     # kept exported: still declared
    assert isinstance(p._proof, BodyFreeTwin)


def test_an_output_unlike_its_twin_is_validated_itself(monkeypatch):
    """A bug after the twin was made (here: a truncated output) is not hidden by the twin."""
    p, out = _rewritten(STATE)
    with pytest.raises(WizerscopeError):
        module_pipeline.validate_rewritten(out[:-3], p._proof)
    module_pipeline.validate_rewritten(out, p._proof)


@pytest.mark.parametrize("index", [0, 5, 127, 128, 300, 2**21, 2**32 - 1])
def test_ref_func_search_sees_every_encoding_of_the_index(index):
    value, shortest = index, bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        shortest.append(byte | (0x80 if value else 0))
        if not value:
            break
    assert _may_ref_func(b"\x01\xd2" + bytes(shortest) + b"\x0b", index)
    padded = bytes(shortest[:-1]) + bytes([shortest[-1] | 0x80]) + b"\x00"   # one more byte, same value
    if len(padded) <= 5:
        assert _may_ref_func(memoryview(b"\x20\x00\xd2" + padded), index)
    assert not _may_ref_func(b"\xd3" + bytes(shortest), index)


def test_unjoined_pieces_match_the_twin_only_when_they_are_its_own():
    """A component splices a rewritten module's pieces into its output without joining them:
    the twin stands for those very pieces, and for nothing else (a piece swapped, one added)."""
    from wizerscope.binary.encode import LazyJoin
    from wizerscope.preinit.rewrite import rewrite_module_lazily
    p = pipeline_for(wasmtime.wat2wasm(STATE))
    run = drive(p, Options())
    out, proof = rewrite_module_lazily(p.model, run.snapshot, init_func="wizer-initialize")
    assert isinstance(proof, BodyFreeTwin) and proof.matches(out)
    assert out.parts is not None                                  # matched without a join
    swapped = list(out.parts)
    swapped[-1] = bytes(swapped[-1])                              # equal bytes, another piece
    assert not proof.matches(LazyJoin(swapped)) and not proof.matches(LazyJoin(out.parts + [b""]))
    assert proof.matches(out.join()) and out.join() == run.output
    with pytest.raises(WizerscopeError):
        module_pipeline.validate_rewritten(LazyJoin([out.join()[:-3]]), proof)
