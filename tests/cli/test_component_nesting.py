"""Component nesting (issue 11): the limit is what wasmtime accepts (1000 modules and components
in one component), so a valid component 65 or 500 levels deep is inspected and pre-initialized,
while a bomb of 2,000+ levels stays a fast one-paragraph rejection."""
from __future__ import annotations

import pytest
import wasmtime

from tests.cli.test_reliability import _nest
from tests.helpers.component import call
from wizerscope import cli
from wizerscope.binary.component import MAX_DEPTH

TOP = '''(component
  (core module $m (global $g (mut i32) (i32.const 0))
    (func (export "wizer-initialize") (global.set $g (i32.const 7)))
    (func (export "get") (result i32) (global.get $g)))
  (core instance $i (instantiate $m))
  (func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize")))
  (func (export "get") (result u32) (canon lift (core func $i "get"))))'''


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n >> 7 else 0))
        n >>= 7
        if not n:
            return bytes(out)


def _deep(levels: int) -> bytes:
    """TOP with a chain of ``levels`` nested empty components as its first section (the text
    format cannot nest this deep)."""
    top, inner = wasmtime.wat2wasm(TOP), _nest(levels - 1)
    return top[:8] + b"\x04" + _leb(len(inner)) + inner + top[8:]


@pytest.mark.parametrize("levels", [65, 500])
def test_deeply_nested_valid_component_is_handled(tmp_path, capsys, levels):
    src, out = tmp_path / "deep.wasm", tmp_path / "out.wasm"
    src.write_bytes(_deep(levels))
    wasmtime.component.Component(wasmtime.Engine(), src.read_bytes())       # wasmtime accepts it
    assert cli.main(["init", "--check", str(src)]) == 0
    assert cli.main(["inspect", str(src)]) == 0
    assert cli.main(["init", str(src), "-o", str(out)]) == 0, capsys.readouterr().err
    assert call(out.read_bytes(), "get") == 7


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 2000, 20_000])
def test_nesting_bomb_is_a_one_paragraph_rejection(tmp_path, capsys, levels):
    src = tmp_path / "bomb.wasm"
    src.write_bytes(_nest(levels))
    assert cli.main(["init", str(src), "-o", str(tmp_path / "out.wasm")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nested more than 1000 levels" in err and err.count("\n") == 1


def test_library_users_get_the_same_room():
    """Not only the CLI: the inspector's session and the pipeline, called directly, handle a
    component as deep as wasmtime accepts (the fuzzer's nesting mutator found the difference)."""
    from wizerscope.inspector.session import Session
    from wizerscope.preinit.choose import pipeline_for
    wasm = _deep(MAX_DEPTH - 2)                # with TOP and its module: wasmtime's 1000 items
    s = Session("deep.wasm", wasm)
    s.structure()
    assert s.check() == []
    assert pipeline_for(wasm).full_rejections() == []
