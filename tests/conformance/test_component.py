"""Component pre-initialization: SPEC §5.2 conformance as WAT fixtures, and the reference's gaps.

Each test builds a component from WAT, pre-initializes it with wizerscope and checks what the
output *does* (its `run` export, instantiated with wasmtime); where `wasmtime wizer` handles the
input correctly, the output must be byte-identical to its output (with --keep-init-func=true,
which the reference needs to avoid its bug #13168).
"""
from __future__ import annotations

import subprocess

import pytest
import wasmtime

from wizerscope.binary.component import parse_component
from wizerscope.errors import InitError, RejectedError, WizerscopeError
from wizerscope.preinit import preinit
from wizerscope.preinit.component.pipeline import validate_output
from wizerscope.preinit.options import Options

from tests.helpers.component import (IFACES, INIT_AND_RUN, MEMORY_RUN, SIMPLE, analyze, call, comp, export_names,
                                     lifted, report_json)
from tests.helpers.inspector_wat import TWICE
from tests.helpers.wasm import validate


# -- SPEC §5.2 -------------------------------------------------------------------------------
def test_simple_matches_reference(reference):
    wasm = comp(SIMPLE)
    out = preinit(wasm, Options(keep_init_func=True)).output
    assert call(out, "run", 0) == 42
    assert out == reference(wasm, "--keep-init-func=true").output


@pytest.mark.parametrize("ty,const,wit", [("i32", "i32.const 1", "s32"), ("i64", "i64.const 1", "s64"),
                                          ("f32", "f32.const 1", "f32"), ("f64", "f64.const 1", "f64")])
def test_snapshot_globals(reference, ty, const, wit):
    wasm = comp(lifted(f'''
        (global $g (mut {ty}) ({ty}.const 0))
        (func (export "wizer-initialize") (global.set $g ({const})))
        (func (export "run") (result {ty}) (global.get $g))''', f'''
      (func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize")))
      (func (export "run") (result {wit}) (canon lift (core func $i "run")))'''))
    out = preinit(wasm, Options(keep_init_func=True)).output
    assert call(out, "run") == 1
    assert out == reference(wasm, "--keep-init-func=true").output


def test_float_globals_keep_nan_payloads():
    """f32/f64 go through the accessors as raw bits: a signalling NaN payload survives."""
    wasm = comp(lifted('''
        (global $f (mut f32) (f32.const 0))
        (global $d (mut f64) (f64.const 0))
        (func (export "wizer-initialize")
          (global.set $f (f32.const nan:0x200001)) (global.set $d (f64.const -nan:0x4000000000001)))
        (func (export "run") (result i64)
          (i64.xor (i64.extend_i32_u (i32.reinterpret_f32 (global.get $f))) (i64.reinterpret_f64 (global.get $d))))''',
        '''(func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize")))
           (func (export "run") (result u64) (canon lift (core func $i "run")))'''))
    res = preinit(wasm, Options())
    bits = {g.type.name: g.bits for g in res.snapshot.modules[("", 0)].globals}
    assert bits == {"f32": 0x7FA00001, "f64": 0xFFF4000000000001}
    assert call(res.output, "run") == 0x7FA00001 ^ 0xFFF4000000000001


def test_v128_global_is_snapshotted(reference):
    """The reference rejects v128 globals in components; wizerscope reads them as two u64 halves."""
    wasm = comp(lifted('''
        (global $v (mut v128) (v128.const i64x2 0 0))
        (func (export "wizer-initialize") (global.set $v (v128.const i64x2 0x1122334455667788 -2)))
        (func (export "run") (result i64) (i64.add (i64x2.extract_lane 0 (global.get $v))
                                                   (i64x2.extract_lane 1 (global.get $v))))''',
        '''(func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize")))
           (func (export "run") (result s64) (canon lift (core func $i "run")))'''))
    ref = reference(wasm, "--keep-init-func=true")
    assert b"v128" in ref.stderr
    out = preinit(wasm, Options()).output
    assert call(out, "run") == 0x1122334455667788 - 2


def test_snapshot_memory_matches_reference(reference):
    wasm = comp(MEMORY_RUN)
    out = preinit(wasm, Options(keep_init_func=True)).output
    assert call(out, "run", 0) == 201
    assert out == reference(wasm, "--keep-init-func=true").output


def test_many_runs_cross_the_accessor_in_batches(reference):
    """9,000 runs, each a byte at 16i and one at 16i+3: more than one `runs` call's worth (4,094),
    and every batch ends between a run and the neighbour it joins (the scanner joins within a
    call, the snapshot across calls); the output is still the reference's, byte for byte."""
    wasm = comp(lifted('''
        (memory (export "memory") 4)
        (func (export "wizer-initialize") (local $i i32)
          (loop $next
            (i32.store8 (i32.shl (local.get $i) (i32.const 4)) (i32.const 1))
            (i32.store8 offset=3 (i32.shl (local.get $i) (i32.const 4)) (i32.const 2))
            (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 9000)))))
        (func (export "run") (param i32) (result i32) (i32.load8_u offset=3 (i32.shl (local.get 0) (i32.const 4))))''',
        INIT_AND_RUN))
    res = preinit(wasm, Options(keep_init_func=True))
    assert call(res.output, "run", 8999) == 2
    assert res.output == reference(wasm, "--keep-init-func=true").output
    raw = res.snapshot.modules[("", 0)].plan.raw
    assert (raw.start[:2], raw.end[:2], len(raw.start)) == ([0, 16], [4, 20], 9000)


def test_memory_at_maximum_and_64bit_memory(reference):
    """The reference grows the memory for its accessor (traps at the maximum) and cannot lift from
    64-bit memories; wizerscope copies chunks into its own memory instead."""
    wasm = comp(lifted('''
        (memory $a 1 1)
        (memory $b i64 1 2)
        (func (export "wizer-initialize")
          (i32.store $a (i32.const 65532) (i32.const 7)) (i32.store $b (i64.const 65000) (i32.const 35)))
        (func (export "run") (param i32) (result i32)
          (i32.add (i32.load $a (i32.const 65532)) (i32.load $b (i64.const 65000))))''', INIT_AND_RUN))
    assert reference(wasm, "--keep-init-func=true").returncode != 0
    res = preinit(wasm, Options())
    assert call(res.output, "run", 0) == 42
    seg = res.snapshot.modules[("", 0)].segments
    assert [(s.memory, s.offset, s.memory64) for s in seg] == [(0, 65532, False), (1, 65000, True)]


def test_module_without_export_section(tmp_path, wasm_tools):
    """A module with state and no export section (the reference panics in its rewrite)."""
    wasm = comp('''(component
      (core module $hidden (memory 1) (global $g (mut i32) (i32.const 0))
        (func $s (global.set $g (i32.const 5)) (i32.store (i32.const 16) (i32.const 77))) (start $s))
      (core instance $h (instantiate $hidden))
      (core module $m (func (export "wizer-initialize")) (func (export "run") (param i32) (result i32) (i32.const 42)))
      (core instance $i (instantiate $m))''' + INIT_AND_RUN + ")")
    res = preinit(wasm, Options())
    validate(wasm_tools, res.output)
    assert call(res.output, "run", 0) == 42
    out = parse_component(res.output)
    hidden = out.modules[0]
    assert not hidden.has_export_section and hidden.start_func is None
    assert hidden.globals[0].init_expr == b"\x41\x05\x0b"
    seg = hidden.segments[-1]
    assert (seg.length, bytes(out.data[seg.data_offset:seg.data_offset + seg.length])) == (1, b"\x4d")


def test_nested_components_without_modules(reference):
    wasm = comp('''(component
      (core module $m (func (export "wizer-initialize")) (func (export "run") (param i32) (result i32) (i32.const 42)))
      (core instance $i (instantiate $m))
      (func $run (param "arg" s32) (result s32) (canon lift (core func $i "run")))
      (component $shim
        (type $t (record (field "a" u32)))
        (export "t" (type $t))
        (import "f" (func $f (param "arg" s32) (result s32)))
        (export "run" (func $f)))
      (instance $s (instantiate $shim (with "f" (func $run))))
      (func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize")))
      (export "run" (func $s "run")))''')
    out = preinit(wasm, Options(keep_init_func=True)).output
    assert call(out, "run", 0) == 42
    assert out == reference(wasm, "--keep-init-func=true").output


MULTIPLE_MODULES = '''(component
  (core module $A
    (memory (export "memory") 1)
    (global (export "g") (mut i32) (i32.const 0))
    (func (export "init") (i32.store (i32.const 200) (i32.const 100)) (i32.store (i32.const 300) (i32.const 101)))
    (func (export "run") (result i32) (i32.add (i32.load (i32.const 200)) (i32.load (i32.const 300)))))
  (core instance $a (instantiate $A))
  (core module $B
    (import "a" "g" (global $g (mut i32)))
    (memory (export "memory") 1)
    (func (export "init") (i32.store (i32.const 200) (i32.const 200)) (i32.store (i32.const 300) (i32.const 201)))
    (func (export "run") (result i32) (i32.add (i32.load (i32.const 200)) (i32.load (i32.const 300)))))
  (core instance $b (instantiate $B (with "a" (instance $a))))
  (core module $C
    (import "a" "memory" (memory 1)) (import "a" "g" (global $g (mut i32)))
    (import "a" "init" (func $ai)) (import "a" "run" (func $ar (result i32)))
    (import "b" "memory" (memory $bm 1))
    (import "b" "init" (func $bi)) (import "b" "run" (func $br (result i32)))
    (func (export "wizer-initialize") (call $ai) (call $bi)
      (drop (memory.grow $bm (i32.const 1))) (i32.store $bm (i32.const 65536) (i32.const 7))
      (global.set $g (i32.const 112)))
    (func (export "run") (param i32) (result i32)
      (i32.add (i32.add (call $ar) (call $br)) (i32.add (i32.load $bm (i32.const 65536)) (global.get $g)))))
  (core instance $i (instantiate $C (with "a" (instance $a)) (with "b" (instance $b))))''' + INIT_AND_RUN + ")"


def test_multiple_modules_match_reference(reference):
    wasm = comp(MULTIPLE_MODULES)
    out = preinit(wasm, Options(keep_init_func=True)).output
    assert call(out, "run", 0) == 100 + 101 + 200 + 201 + 7 + 112
    assert out == reference(wasm, "--keep-init-func=true").output


@pytest.mark.parametrize("layout,expected", [
    ('(export "wizer-initialize" (func $init))', []),
    ('(export "other" (func $run)) (export "wizer-initialize" (func $init))', ["other"]),
    ('(export "wizer-initialize" (func $init)) (export "other" (func $run))', ["other"]),
    ('(export "other1" (func $run)) (export "wizer-initialize" (func $init)) (export "other2" (func $run))',
     ["other1", "other2"]),
    ('(export "wizer-initialize" (func $init)) (export $e "other" (func $run)) '
     '(export "again" (func $e))', ["other", "again"]),
    ('(export $x "wizer-initialize" (func $init)) (instance $n (export "a" (func $run)) (export "b" (func $x))) '
     '(export "inst" (instance $n))', ["inst"]),
])
def test_export_is_removed_with_func_renumbering(layout, expected, tmp_path, wasm_tools, reference):
    """Removing the init export renumbers later func references (including ones to the export,
    where the reference panics); byte-identical to the reference wherever it succeeds."""
    wasm = comp(lifted('''(func (export "init")) (func (export "run") (param i32) (result i32) (i32.const 42))''',
                       '''(func $init (canon lift (core func $i "init")))
                          (func $run (param "arg" s32) (result s32) (canon lift (core func $i "run")))''' + layout))
    out = preinit(wasm, Options()).output
    validate(wasm_tools, out)
    assert export_names(out) == expected
    ref = reference(wasm)
    if ref.returncode == 0:
        assert out == ref.output
    for name in expected:
        if name != "inst":
            assert call(out, name, 0) == 42
    if expected == ["inst"]:
        assert call(out, "a", 0, instance="inst") == 42


def test_export_removed_after_a_func_import(tmp_path, wasm_tools, reference):
    """An imported func takes index 0: the removed export and everything after it shift."""
    wasm = comp(lifted('''(func (export "init")) (func (export "run") (param i32) (result i32) (i32.const 42))''',
                       '''(func $init (canon lift (core func $i "init")))
                          (func $run (param "arg" s32) (result s32) (canon lift (core func $i "run")))
                          (export "wizer-initialize" (func $init)) (export $r "run" (func $run))
                          (instance $n (export "again" (func $r))) (export "n" (instance $n))''',
                       pre='(import "imp-in" (func $imp))'))
    out = preinit(wasm, Options()).output
    validate(wasm_tools, out)
    assert export_names(out) == ["run", "n"]
    assert out == reference(wasm, "-W", "unknown-imports-trap=y").output
    assert parse_component(out).instances[-2].args == (("again", "func", 3),)   # was 4


def test_leave_wasip1_initialize(reference, tmp_path, wasm_tools):
    """`_initialize` stays exported inside components (SPEC #12540): a shim start calls it."""
    wasm = comp('''(component
      (core module $m (global $g (mut i32) (i32.const 0))
        (func (export "_initialize") (global.set $g (i32.const 40)))
        (func (export "wizer-initialize") (global.set $g (i32.add (global.get $g) (i32.const 2))))
        (func (export "run") (param i32) (result i32) (global.get $g)))
      (core instance $i (instantiate $m))
      (core module $shim (import "m" "_initialize" (func $f)) (start $f))
      (core instance (instantiate $shim (with "m" (instance $i))))''' + INIT_AND_RUN + ")")
    res = preinit(wasm, Options(keep_init_func=True))
    validate(wasm_tools, res.output)
    assert call(res.output, "run", 0) == 42     # every start section already ran: removed
    assert "_initialize" in [e.name for e in parse_component(res.output).modules[0].exports]
    assert res.output == reference(wasm, "--keep-init-func=true").output


# -- bug #13168: the component aliases the init function's core export ------------------------
@pytest.mark.parametrize("keep", [False, True])
def test_aliased_init_core_export_stays_valid(keep, reference, tmp_path, wasm_tools):
    """Reference bug #13168: without --keep-init-func it strips the core export the component
    still aliases and writes an invalid component (exit 0). wizerscope keeps that core export."""
    wasm = comp(MEMORY_RUN)
    flags = ["--keep-init-func=true"] if keep else []
    ref = reference(wasm, *flags)
    res = preinit(wasm, Options(keep_init_func=keep))
    validate(wasm_tools, res.output)
    assert call(res.output, "run", 0) == 201
    assert ("wizer-initialize" in export_names(res.output)) == keep
    if keep:
        assert res.output == ref.output
    else:
        p = tmp_path / "ref-invalid.wasm"
        p.write_bytes(ref.output)
        bad = subprocess.run([wasm_tools, "validate", str(p)], capture_output=True)
        assert bad.returncode != 0 and b"no export named `wizer-initialize`" in bad.stderr
        assert res.rewrite.kept_core_exports == ["core module 0: wizer-initialize"]
        # and our own output check catches exactly that mistake before anything is written
        with pytest.raises(WizerscopeError, match="core instance 0 has no export named `wizer-initialize`"):
            validate_output(ref.output, renumbered=False)


# -- rejections (SPEC §3.1) -----------------------------------------------------------------
M = '(core module $m (func (export "f")))'


@pytest.mark.parametrize("text,rule,message,path", [
    ('(component (import "c" (component)))', "component-import",
     "wizer does not currently support component imports", ""),
    ('(component (import "m" (core module)))', "module-import", "wizer does not currently support module imports", ""),
    (f'(component {M} (export "m" (core module $m)))', "module-export",
     "wizer does not currently support module exports", ""),
    ('(component (component $c) (export "c" (component $c)))', "component-export",
     "wizer does not currently support component exports", ""),
    (f'(component {M} (component (import "m" (core module))))', "module-import",
     "wizer does not currently support module imports", "component 0"),
    (f'(component {M} (component (alias outer 1 $m (core module))))', "module-alias",
     "wizer does not currently support module aliases", "component 0"),
    ('(component (component $c) (component (alias outer 1 $c (component))))', "component-alias",
     "wizer does not currently support component aliases", "component 1"),
    ('(component (component $c (component $d) (export "d" (component $d))) (instance $x (instantiate $c)) '
     '(alias export $x "d" (component)))', "component-export", "wizer does not currently support component exports",
     "component 0"),
    ('(component (instance $e) (export "wasmtime:wizer/access" (instance $e)))', "reserved-export-name",
     "the component already exports `wasmtime:wizer/access`", ""),
    ('(component (core module $m (func (export "f"))) (core instance $i (instantiate $m)) '
     '(func $f (canon lift (core func $i "f"))) (start $f))', "component-start",
     "wizer does not currently support component start functions", ""),
])
def test_unsupported_constructs(text, rule, message, path):
    c, rejections = analyze(comp(text))
    hit = [r for r in rejections if r.rule == rule]
    assert hit, [r.describe() for r in rejections]
    assert hit[0].message == message and hit[0].path == path and hit[0].offset is not None
    with pytest.raises(RejectedError):
        preinit(comp(text), Options())


@pytest.mark.parametrize("keep", [False, True])
def test_module_instantiated_twice_gets_a_copy_per_instance(keep, tmp_path, wasm_tools, reference):
    """The reference rejects this ("modules may be instantiated at most once"); wizerscope gives
    the second instance its own copy of the module, so each instance keeps its own state."""
    wasm = comp(TWICE)
    ref = reference(wasm, f"--keep-init-func={str(keep).lower()}")
    assert ref.returncode != 0 and "modules may be instantiated at most once" in ref.stderr.decode()
    res = preinit(wasm, Options(keep_init_func=keep))
    out = tmp_path / "out.wasm"
    out.write_bytes(res.output)
    subprocess.run([wasm_tools, "validate", str(out)], check=True)
    assert call(res.output, "get-a") == 1 + 1111 and call(res.output, "get-b") == 3 + 3333
    c = parse_component(res.output)
    assert len(c.modules) == 3 and [len(c.instantiations(i)) for i in range(3)] == [1, 1, 1]
    # the copy sits before the second instantiation (index 1); the init module moved up to 2
    assert bytes(c.modules[1].raw()) != bytes(c.modules[0].raw())      # each copy has its own snapshot
    rows = {m["path"]: m for m in report_json(res, len(wasm))["modules"]}
    assert rows["core module 1"]["copy_of"] == 0 and rows["core module 0"]["copy_of"] is None
    assert [g["after"] for g in rows["core module 0"]["globals"]] == ["1"]
    assert [g["after"] for g in rows["core module 1"]["globals"]] == ["3"]


def test_module_instantiated_twice_in_a_nested_component(tmp_path, wasm_tools):
    inner = TWICE.replace("(component", "(component $inner", 1)
    wasm = comp(f"""(component {inner} (instance $x (instantiate $inner))
      (alias export $x "wizer-initialize" (func $init)) (export "wizer-initialize" (func $init))
      (alias export $x "get-b" (func $b)) (export "get-b" (func $b)))""")
    res = preinit(wasm, Options())
    out = tmp_path / "out.wasm"
    out.write_bytes(res.output)
    subprocess.run([wasm_tools, "validate", str(out)], check=True)
    assert call(res.output, "get-b") == 3 + 3333


def test_instantiated_twice_names_both_instances():
    """Rejected only where a copy would renumber modules a nested component aliases (itself an
    unsupported construct, so the reference's rules reject such a component anyway); a module or a
    nested component instantiated twice is otherwise specialised."""
    text = (f'(component $top {M} (core instance (instantiate $m)) (core instance (instantiate $m)) '
            '(core module $late) (component (alias outer $top $late (core module $l))))')
    r = [r for r in analyze(comp(text))[1] if r.rule == "module-instantiated-twice"][0]
    assert "core instance 0 and core instance 1" in r.item and "renumber" in r.hint
    text = f'(component {M} (core instance (instantiate $m)) (core instance (instantiate $m)) (core module))'
    c, rejections = analyze(comp(text))
    assert rejections == [] and len(c.modules) == 3 and c.copy_of == {1: 0}
    assert [ci.module for ci in c.core_instances] == [0, 1]     # the late module moved to index 2
    text = (f'(component (component $c {M} (core instance (instantiate $m))) (instance (instantiate $c)) '
            '(instance (instantiate $c)))')
    c, rejections = analyze(comp(text))
    assert rejections == [] and len(c.components) == 2
    assert [len(c.component_instantiations(k)) for k in range(2)] == [1, 1]


def test_core_rejections_carry_the_module_path():
    text = ('(component (component (core module (table 1 funcref) (func (table.set (i32.const 0) (ref.null func)))) '
            '(core module $ok)))')
    r = analyze(comp(text))[1]
    assert [(x.rule, x.message, x.path) for x in r] == [
        ("forbidden-instruction", "unsupported `table.set` instruction", "component 0 / core module 0")]


def test_renames_and_preloads_are_refused():
    with pytest.raises(WizerscopeError, match="components do not support renaming functions"):
        preinit(comp(SIMPLE), Options(renames=[("a", "b")]))
    with pytest.raises(WizerscopeError, match="--preload cannot be used with components"):
        preinit(comp(SIMPLE), Options(preloads=[("x", "/dev/null")]))


def test_core_module_input_is_refused():
    with pytest.raises(WizerscopeError, match="expected a component, found a core module"):
        analyze(wasmtime.wat2wasm("(module)"))


# -- nested components with core modules (beyond the reference) ---------------------------
NESTED = '''(component
  (component $inner
    (core module $m (global $g (mut i32) (i32.const 0)) (memory 1)
      (func (export "wizer-initialize") (global.set $g (i32.const 40)) (i32.store (i32.const 8) (i32.const 2)))
      (func (export "run") (param i32) (result i32) (i32.add (global.get $g) (i32.load (i32.const 8)))))
    (core instance $i (instantiate $m))''' + INIT_AND_RUN + ''')
  (instance $x (instantiate $inner))
  (export "wizer-initialize" (func $x "wizer-initialize"))
  (export "run" (func $x "run")))'''


@pytest.mark.parametrize("keep", [False, True])
def test_nested_component_with_module_is_preinitialized(keep, reference, tmp_path, wasm_tools):
    wasm = comp(NESTED)
    assert b"nested components with modules" in reference(wasm).stderr
    res = preinit(wasm, Options(keep_init_func=keep))
    validate(wasm_tools, res.output)
    assert call(res.output, "run", 0) == 42
    assert [a.path for a in res.instrumentation.accessors] == ["component 0", "component 0"]
    inner = parse_component(res.output).components[0].modules[0]
    assert inner.globals[0].init_expr == b"\x41\x28\x0b"      # i32.const 40, written into the definition
    assert ("wizer-initialize" in export_names(res.output)) == keep


def test_two_levels_of_nesting_and_a_sibling_module(tmp_path, wasm_tools):
    """State two levels down plus a module at the top: accessors are re-exported level by level."""
    inner = NESTED[len("(component"):-1]
    wasm = comp(f'''(component
      (component $mid {inner})
      (instance $y (instantiate $mid))
      (core module $top (global $t (mut i32) (i32.const 0)) (func (export "set") (global.set $t (i32.const 9)))
        (func (export "get") (result i32) (global.get $t)))
      (core instance $ti (instantiate $top))
      (func $run (result s32) (canon lift (core func $ti "get")))
      (export "wizer-initialize" (func $y "wizer-initialize"))
      (export "run" (func $y "run"))
      (export "top" (func $run)))''')
    res = preinit(wasm, Options())
    validate(wasm_tools, res.output)
    assert call(res.output, "run", 0) == 42 and call(res.output, "top") == 0
    assert sorted({(a.path, a.module) for a in res.instrumentation.accessors}) == [
        ("", 0), ("component 0 / component 0", 0)]
    deep = parse_component(res.output).components[0].components[0].modules[0]
    assert deep.globals[0].init_expr == b"\x41\x28\x0b"


def test_nested_instance_with_state_can_be_exported_whole():
    """The instrumented nested instance gains an export during init only; the output is clean."""
    wasm = comp(NESTED.replace('(export "run" (func $x "run")))',
                               '(export "run" (func $x "run")) (export "x:y/inner" (instance $x)))'))
    out = preinit(wasm, Options()).output
    assert export_names(out) == ["run", "x:y/inner"]
    assert call(out, "run", 0, instance="x:y/inner") == 42


# -- init functions: names, search, WAVE calls --------------------------------------------
@pytest.mark.parametrize("init,value", [("x:y/a.init@1.0.0", 1), ("x:y/b.init", 2), ("only-b", 2), ("set(-7)", -7),
                                        ("plain.init", 2)])   # beyond the reference: a plainly named instance
def test_init_function_names(init, value):
    res = preinit(comp(IFACES), Options(init_func=init))
    assert call(res.output, "get") == value
    assert export_names(res.output) == ["x:y/a@1.0.0", "x:y/b", "plain", "set", "get"]


def test_rewizening_an_output_accumulates():
    """SPEC §5.2 component_interfaces: an output pre-initialized again (keep-init-func) starts
    from the first snapshot's state."""
    first = preinit(comp(IFACES), Options(init_func="set(20)", keep_init_func=True)).output
    second = preinit(first, Options(init_func="x:y/a.init@1.0.0", keep_init_func=True)).output
    assert call(first, "get") == 20 and call(second, "get") == 1
    third = preinit(second, Options(init_func="set(-3)")).output
    assert call(third, "get") == -3 and export_names(third) == export_names(first)


def test_ambiguous_bare_name_lists_candidates():
    with pytest.raises(InitError, match=r"Multiple instances contained funcs named `init`.*`x:y/a.init@1.0.0`.*`x:y/b.init`"):
        preinit(comp(IFACES), Options(init_func="init"))


@pytest.mark.parametrize("init,match", [("nope", "No exported func named `nope`"),
                                        ("x:y/b.nope", "does not export the function"),
                                        ("set", r"does not have type `\[\] -> \[\]`"),
                                        ("set(1, 2)", "2 argument"), ('set("x")', "params as types"),
                                        ("set(1", "missing closing")])
def test_init_function_errors(init, match):
    with pytest.raises(InitError, match=match):
        preinit(comp(IFACES), Options(init_func=init))


WAVE_ARGS = '''(component
  (core module $m
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 1024))
    (global $sum (mut i64) (i64.const 0))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (global.set $heap (i32.add (local.get $p) (local.get 3))) (local.get $p))
    (func $bytes (param $p i32) (param $n i32) (result i64) (local $s i64)
      (block $done (loop $l (br_if $done (i32.eqz (local.get $n)))
        (local.set $s (i64.add (i64.mul (local.get $s) (i64.const 31)) (i64.load8_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1))) (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
      (local.get $s))
    (func (export "init") (param $a i32) (param $f f64) (param $b i32) (param $c i32) (param $sp i32) (param $sn i32)
          (param $lp i32) (param $ln i32) (param $ot i32) (param $ov i32) (param $rx i32) (param $ry i32) (result i32)
      (global.set $sum (i64.add (i64.add (i64.add (i64.extend_i32_s (local.get $a)) (i64.trunc_f64_s (local.get $f)))
                                          (i64.add (i64.extend_i32_u (local.get $b)) (i64.extend_i32_u (local.get $c))))
                                 (i64.add (i64.add (call $bytes (local.get $sp) (local.get $sn))
                                                   (call $bytes (local.get $lp) (i32.shl (local.get $ln) (i32.const 2))))
                                          (i64.add (i64.extend_i32_u (i32.mul (local.get $ot) (local.get $ov)))
                                                   (i64.extend_i32_u (i32.sub (local.get $rx) (local.get $ry)))))))
      (i32.const 99))
    (func (export "get") (result i64) (global.get $sum)))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $re))
  (type $r0 (record (field "x" u32) (field "y" u32)))
  (export $r "r" (type $r0))
  (func $init (param "a" s32) (param "f" f64) (param "b" bool) (param "c" char) (param "s" string)
               (param "l" (list u32)) (param "o" (option u32)) (param "r" $r) (result u32)
    (canon lift (core func $i "init") (memory $mem) (realloc $re)))
  (func $get (result s64) (canon lift (core func $i "get")))
  (export "init" (func $init))
  (export "get" (func $get)))'''


def test_wave_call_with_arguments_returns_results():
    init = 'init(-5, 2.75, true, \'A\', "hé", [1, 258], some(6), {x: 10, y: 3})'
    res = preinit(comp(WAVE_ARGS), Options(init_func=init))
    assert res.init.results == ["99"]
    h = 0
    for b in "hé".encode():
        h = h * 31 + b
    lst = 0
    for b in (1).to_bytes(4, "little") + (258).to_bytes(4, "little"):
        lst = lst * 31 + b
    assert call(res.output, "get") == -5 + 2 + 1 + ord("A") + h + lst + 6 + 7


# -- WASI during init ------------------------------------------------------------------------
def test_wasi_only_with_option():
    """Without -S cli a WASI import stubs out and traps when init calls it; with it, init runs."""
    wasm = comp('''(component
      (import "wasi:cli/environment@0.2.0" (instance $env
        (export "get-arguments" (func (result (list string))))))
      (core module $m (import "env" "args" (func $args (param i32)))
        (memory (export "memory") 1) (global $n (mut i32) (i32.const 0))
        (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
        (func (export "wizer-initialize") (call $args (i32.const 16)) (global.set $n (i32.add (i32.const 40) (i32.load (i32.const 20)))))
        (func (export "run") (param i32) (result i32) (global.get $n)))
      (core module $mem (memory (export "memory") 1) (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
      (core instance $tmp (instantiate $mem))
      (alias core export $tmp "memory" (core memory $tm))
      (alias core export $tmp "realloc" (core func $tr))
      (core func $args (canon lower (func $env "get-arguments") (memory $tm) (realloc $tr)))
      (core instance $i (instantiate $m (with "env" (instance (export "args" (func $args))))))''' + INIT_AND_RUN + ")")
    with pytest.raises(InitError, match="the initialization function trapped: attempted to call "
                                        "the unknown import `wasi:cli/environment@0.2.0#get-arguments`"):
        preinit(wasm, Options())
    out = preinit(wasm, Options(wasi=True)).output
    assert call(out, "run", 0, wasi=True) == 40     # init ran: the WASI call returned


def test_wasi_env_reaches_component_init():
    """--env works for components as for modules (WASI p2 through the same WasiConfig)."""
    wasm = comp('''(component
      (import "wasi:cli/environment@0.2.0" (instance $env
        (export "get-environment" (func (result (list (tuple string string)))))))
      (core module $mem (memory (export "memory") 1) (global $h (mut i32) (i32.const 1024))
        (func (export "realloc") (param i32 i32 i32 i32) (result i32) (local $p i32)
          (local.set $p (global.get $h)) (global.set $h (i32.add (global.get $h) (i32.const 256))) (local.get $p)))
      (core instance $tmp (instantiate $mem))
      (alias core export $tmp "memory" (core memory $tm))
      (alias core export $tmp "realloc" (core func $tr))
      (core func $get (canon lower (func $env "get-environment") (memory $tm) (realloc $tr)))
      (core module $m (import "env" "get" (func $get (param i32))) (import "env" "memory" (memory 1))
        (global $n (mut i32) (i32.const 0))
        (func (export "wizer-initialize") (call $get (i32.const 16)) (global.set $n (i32.load (i32.const 20))))
        (func (export "run") (param i32) (result i32) (global.get $n)))
      (core instance $i (instantiate $m (with "env" (instance (export "get" (func $get)) (export "memory" (memory $tm))))))'''
        + INIT_AND_RUN + ")")
    out = preinit(wasm, Options(wasi=True, env=[("A", "1"), ("B", "2"), ("C", "3")])).output
    assert call(out, "run", 0, wasi=True) == 3


def test_unknown_import_with_wasi_fails_instantiation_clearly():
    wasm = comp('(component (import "x:y/z" (instance $z (export "f" (func)))) ' + SIMPLE[len("(component"):])
    with pytest.raises(InitError, match="failed to instantiate the component: the import `x:y/z` is not provided"):
        preinit(wasm, Options(wasi=True))
    # without WASI every import is a trapping stub: init does not call it, so this works
    out = preinit(wasm, Options()).output
    assert [i.name for i in parse_component(out).imports] == ["x:y/z"]


# -- malformed input ------------------------------------------------------------------------
def test_truncated_or_corrupted_components_fail_cleanly():
    """Every truncation and every single-byte corruption of a component either parses or raises
    a WizerscopeError: never an IndexError or another internal error. A cut inside a section
    always raises, with the offset."""
    wasm = comp(NESTED)
    boundaries = {s.end for s in parse_component(wasm).sections} | {8}
    for cut in range(8, len(wasm)):
        if cut in boundaries:
            parse_component(wasm[:cut])      # a shorter, well-formed component
            continue
        with pytest.raises(WizerscopeError) as e:
            parse_component(wasm[:cut])
        assert e.value.offset is not None
    for pos in range(8, len(wasm)):
        for value in (0x00, 0x7F, 0xFF):
            bad = bytearray(wasm)
            bad[pos] = value
            try:
                parse_component(bytes(bad))
            except WizerscopeError:
                pass


def test_lazy_memory_windows_return_exact_bytes():
    """The windowed reader gives the same bytes as slicing the memory, in any order of slices,
    and fetches far less than the whole memory when the data is sparse."""
    import random
    from array import array
    from wizerscope.preinit.component.snapshot import WINDOW_GAP, LazyMemory
    from wizerscope.preinit.segment_plan import FlatRuns
    rng = random.Random(7)
    mem = bytearray(1 << 24)
    starts, ends = [], []
    pos = 0
    while True:
        # gaps that one read spans, and gaps wider than a window's: where the data is sparse
        pos += rng.choice([1, 3, 5, 600, 5000, 3 * WINDOW_GAP])
        n = rng.randint(1, 300)
        if pos + n >= len(mem):
            break
        mem[pos:pos + n] = bytes(rng.randint(1, 255) for _ in range(n))
        starts.append(pos)
        ends.append(pos + n)
        pos += n
    runs = FlatRuns(array("q", [x for pair in zip(starts, ends) for x in pair]))
    view = LazyMemory(lambda s, n: bytes(mem[s:s + n]), len(mem), runs)
    slices = [(s, e) for s, e in zip(starts, ends)] + [(0, 10), (len(mem) - 5, len(mem))]
    for s, e in slices:
        assert view[s:e] == bytes(mem[s:e])
    assert view.fetched < len(mem) // 2
    for s, e in rng.sample(slices, 50):
        assert view[s:e] == bytes(mem[s:e])
    batch = LazyMemory(lambda s, n: bytes(mem[s:s + n]), len(mem), runs)
    assert batch.segments(starts, ends) == [bytes(mem[s:e]) for s, e in zip(starts, ends)]
    assert batch.fetched < len(mem) // 2 and batch.calls < len(starts) // 2
    whole = LazyMemory(lambda s, n: bytes(mem[s:s + n]), len(mem), None)
    assert whole.segments([0], [len(mem)]) == [bytes(mem)]          # one segment larger than a read


def test_invalid_nested_module_is_reported_at_its_file_offset():
    """wasmtime counts a core module's offsets from the module's own start; the rejection names
    the byte in the component file, so the inspector's hex context shows the faulty instruction."""
    wasm = comp('''(component
      (core module $ok (func (export "f")))
      (core module $bad (func (export "wizer-initialize") (result i32) (i64.const 1))))''')
    c = parse_component(wasm)
    with pytest.raises(RejectedError) as info:
        preinit(wasm, Options())
    (r,) = [r for r in info.value.rejections if r.rule == "validation"]
    m = c.modules[1]
    assert r.item == "core module 1" and m.start < r.offset < m.end
    assert wasm[r.offset - 2:r.offset + 1] == bytes([0x42, 0x01, 0x0B])   # the `end` after i64.const 1


def test_trap_backtrace_names_the_module_and_function():
    """wasmtime prints component frames as `<unknown>!<wasm function N>`; the backtrace names
    the core module (by its path in the tree) and the function (export name) instead."""
    wasm = comp('''(component
      (component $inner
        (core module (global (mut i32) (i32.const 0)) (func (export "other"))
          (func (unreachable)) (func (export "wizer-initialize") (call 1)))
        (core instance $i (instantiate 0))
        (func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize"))))
      (instance $c (instantiate $inner))
      (alias export $c "wizer-initialize" (func $f))
      (export "wizer-initialize" (func $f)))''')
    with pytest.raises(InitError) as info:
        preinit(wasm, Options())
    bt = info.value.backtrace
    assert len(bt) == 2
    assert bt[0].endswith(" - component 0 / core module 0!<wasm function 1>")
    assert bt[1].endswith(" - component 0 / core module 0!wizer-initialize")


# A stateful nested component instantiated twice, and a second nested component defined after
# both instantiations (so the copy renumbers it); init sets the instances to 5 and 9.
COMPONENT_TWICE = """(component
  (component $counter
    (core module $m (global $n (mut i32) (i32.const 0)) (memory (export "mem") 1)
      (func (export "set") (param i32) (global.set $n (local.get 0)) (i32.store (i32.const 32) (local.get 0)))
      (func (export "get") (result i32) (i32.add (global.get $n) (i32.load (i32.const 32)))))
    (core instance $i (instantiate $m))
    (func (export "set") (param "v" s32) (canon lift (core func $i "set")))
    (func (export "get") (result s32) (canon lift (core func $i "get"))))
  (instance $a (instantiate $counter))
  (instance $b (instantiate $counter))
  (component $other
    (core module $o (global $g (mut i32) (i32.const 0))
      (func (export "get") (result i32) (global.get $g)) (func (export "bump") (global.set $g (i32.const 77))))
    (core instance $oi (instantiate $o))
    (func (export "bump") (canon lift (core func $oi "bump")))
    (func (export "get") (result s32) (canon lift (core func $oi "get"))))
  (instance $c (instantiate $other))
  (alias export $a "set" (func $set-a)) (alias export $b "set" (func $set-b))
  (alias export $c "bump" (func $bump))
  (core func $sa (canon lower (func $set-a))) (core func $sb (canon lower (func $set-b)))
  (core func $bc (canon lower (func $bump)))
  (core module $init (import "x" "a" (func $a (param i32))) (import "x" "b" (func $b (param i32)))
    (import "x" "c" (func $c))
    (func (export "wizer-initialize") (call $a (i32.const 5)) (call $b (i32.const 9)) (call $c)))
  (core instance $ii (instantiate $init (with "x" (instance (export "a" (func $sa)) (export "b" (func $sb))
                                                            (export "c" (func $bc))))))
  (func (export "wizer-initialize") (canon lift (core func $ii "wizer-initialize")))
  (alias export $a "get" (func $get-a)) (export "get-a" (func $get-a))
  (alias export $b "get" (func $get-b)) (export "get-b" (func $get-b))
  (alias export $c "get" (func $get-c)) (export "get-c" (func $get-c)))"""


def test_nested_component_instantiated_twice_gets_a_copy_per_instance(tmp_path, wasm_tools):
    wasm = comp(COMPONENT_TWICE)
    assert call(wasm, "get-a") == 0
    res = preinit(wasm, Options())
    out = tmp_path / "out.wasm"
    out.write_bytes(res.output)
    subprocess.run([wasm_tools, "validate", str(out)], check=True)
    assert (call(res.output, "get-a"), call(res.output, "get-b"), call(res.output, "get-c")) == (10, 18, 77)
    c = parse_component(res.output)
    assert len(c.components) == 3 and [len(c.component_instantiations(k)) for k in range(3)] == [1, 1, 1]
    paths = [m["path"] for m in report_json(res, len(wasm))["modules"]]
    assert sorted(paths) == ["component 0 / core module 0", "component 1 / core module 0",   # $a, the copy for $b
                             "component 2 / core module 0", "core module 0"]             # $other, $init


def test_three_instances_and_an_instance_bundle(tmp_path, wasm_tools):
    """Three instances of one module (three copies in all), a core export bundle between them and
    a module defined last: every reference lands on the right definition."""
    wasm = comp("""(component
      (core module $m (global $n (mut i32) (i32.const 0))
        (func (export "add") (param i32) (global.set $n (i32.add (global.get $n) (local.get 0))))
        (func (export "get") (result i32) (global.get $n)))
      (core instance $x (instantiate $m))
      (core instance $bundle (export "add" (func $x "add")))
      (core instance $y (instantiate $m))
      (core instance $z (instantiate $m))
      (core module $init (import "x" "add" (func $x (param i32))) (import "y" "add" (func $y (param i32)))
        (import "z" "add" (func $z (param i32)))
        (func (export "wizer-initialize") (call $x (i32.const 1)) (call $y (i32.const 20)) (call $z (i32.const 300))))
      (core instance $i (instantiate $init (with "x" (instance $bundle)) (with "y" (instance $y)) (with "z" (instance $z))))
      (func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize")))
      (func (export "get-x") (result s32) (canon lift (core func $x "get")))
      (func (export "get-y") (result s32) (canon lift (core func $y "get")))
      (func (export "get-z") (result s32) (canon lift (core func $z "get"))))""")
    res = preinit(wasm, Options())
    out = tmp_path / "out.wasm"
    out.write_bytes(res.output)
    subprocess.run([wasm_tools, "validate", str(out)], check=True)
    assert [call(res.output, f"get-{n}") for n in "xyz"] == [1, 20, 300]
    c = parse_component(res.output)
    assert len(c.modules) == 4 and c.copy_of == {} and [len(c.instantiations(i)) for i in range(4)] == [1, 1, 1, 1]


def test_specialised_output_equals_the_reference_on_hand_made_copies(reference):
    """The strongest check of the copies: write the copy by hand (a second, identical module
    definition instantiated by the second instance), give that to `wasmtime wizer`, and compare:
    wizerscope's output for the single definition is the same, byte for byte, names included."""
    counter = TWICE.split("(core module $counter", 1)[1].split("(core instance $a", 1)[0].rstrip()
    single = TWICE.replace("(core module $counter" + counter, "(core module" + counter) \
        .replace("(instantiate $counter)", "(instantiate 0)")
    by_hand = single.replace("(core instance $a (instantiate 0))",
                             "(core module" + counter + "\n  (core instance $a (instantiate 0))") \
        .replace("(core instance $b (instantiate 0))", "(core instance $b (instantiate 1))")
    ref = reference(comp(by_hand), "--keep-init-func=true")
    assert ref.returncode == 0, ref.stderr.decode()
    ours = preinit(comp(single), Options(keep_init_func=True)).output
    assert ours == ref.output
