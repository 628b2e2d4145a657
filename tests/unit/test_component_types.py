"""Component function signatures read off the binary (before anything is compiled), as the
inspector shows them beside the init candidates; checked against wasmtime's own reading."""
from __future__ import annotations

import wasmtime
from wasmtime import component as wc

from wizerscope.binary.component import parse_component
from wizerscope.binary.component_types import func_signature, type_space

TYPES = """(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 64))
    ;; the flattened parameters: record (i32 f64), list (i32 i32), option (i32 i32), tuple (i32 i32),
    ;; variant (i32 i32), enum i32, flags i32; the result goes through a pointer
    (func (export "f") (param i32 f64 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32) (i32.const 0))
    (func (export "g")))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (type $point (record (field "x" s32) (field "y" float64)))
  (type $shape (variant (case "circle" u32) (case "empty")))
  (type $color (enum "red" "green"))
  (type $perms (flags "read" "write"))
  (type $f (func (param "p" $point) (param "names" (list string)) (param "maybe" (option u8))
                 (param "pair" (tuple bool char)) (param "s" $shape) (param "c" $color) (param "fl" $perms)
                 (result (result u64 (error string)))))
  (func $lifted (type $f) (canon lift (core func $i "f") (memory $mem) (realloc $realloc)))
  (func $plain (canon lift (core func $i "g")))
  (export "everything" (func $lifted))
  (instance $api (export "ping" (func $plain)))
  (export "x:y/api@1.0.0" (instance $api)))"""


def test_signatures_of_every_value_type():
    c = parse_component(wasmtime.wat2wasm(TYPES))
    space = type_space(c)
    by_name = {e.name: e for e in c.exports}
    sig = func_signature(c, by_name["everything"].index, space)
    assert sig == ("func(p: record { x: s32, y: f64 }, names: list<string>, maybe: option<u8>, "
                   "pair: tuple<bool, char>, s: variant { circle(u32), empty }, c: enum { red, green }, "
                   "fl: flags { read, write }) -> result<u64, string>")


SIMPLE_TYPES = """(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 64))
    (func (export "f") (param i32 i32 i32 i32 i32) (result i32) (i32.const 0)))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (func $f (param "count" u32) (param "names" (list string)) (param "maybe" (option u8)) (result string)
    (canon lift (core func $i "f") (memory $mem) (realloc $realloc)))
  (export "f" (func $f)))"""


def test_signatures_agree_with_wasmtime():
    """Parameter names and types as wasmtime itself reads them from the compiled component."""
    wasm = wasmtime.wat2wasm(SIMPLE_TYPES)
    engine = wasmtime.Engine()
    ty = wc.Component(engine, wasm).type.exports(engine)["f"].ty
    c = parse_component(wasm)
    ours = func_signature(c, next(e.index for e in c.exports if e.name == "f"))
    assert ours == "func(count: u32, names: list<string>, maybe: option<u8>) -> string"
    assert [p[0] for p in ty.params] == ["count", "names", "maybe"]


def test_inspector_candidates_show_signatures(tmp_path):
    from wizerscope.inspector.session import Session
    p = tmp_path / "types.wat"
    p.write_text(TYPES)
    by = {c.name: c for c in Session.open(str(p)).candidates()}
    assert by["everything"].signature.startswith("func(p: record") and "WAVE" in by["everything"].reason
    assert by["x:y/api.ping@1.0.0"].signature == "func()"


def test_unknown_types_give_no_signature():
    """A function whose type comes from an import is not guessed at."""
    wasm = wasmtime.wat2wasm("""(component
      (import "f" (func $f (param "a" u32)))
      (export "g" (func $f)))""")
    c = parse_component(wasm)
    assert func_signature(c, next(e.index for e in c.exports if e.name == "g")) is None


def test_structure_tree_shows_export_signatures(tmp_path):
    from wizerscope.inspector.session import Session
    p = tmp_path / "types.wat"
    p.write_text(SIMPLE_TYPES)
    group = next(n for n in Session.open(str(p)).structure().children if n.label.startswith("exports ("))
    (node,) = group.children
    assert node.label == "export 'f' : func(count: u32, names: list<string>, maybe: option<u8>) -> string"


def test_self_referencing_types_render_short_and_fast():
    """A crafted type that nests itself 50 times per level must not take exponential time."""
    import time
    from wizerscope.binary.component_types import MAX_SIGNATURE, render
    space = [("record", [(f"f{i}", ("idx", 0)) for i in range(50)])]
    t = time.perf_counter()
    text = render(("idx", 0), space)
    assert time.perf_counter() - t < 0.5 and len(text) <= MAX_SIGNATURE + 3 and text.endswith("...")
