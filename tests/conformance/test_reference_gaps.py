"""The inspector's "reference gaps": what `wasmtime wizer` would refuse, crash on or break, read
off the input without running anything, and checked here against the reference itself."""
from __future__ import annotations

import json
import subprocess

import pytest
import wasmtime

from wizerscope.binary.component import parse_component
from wizerscope.binary.module import parse_module
from wizerscope.preinit.options import Options
from wizerscope.preinit.component.reference_gaps import component_gaps
from wizerscope.preinit.reference_gaps import module_gaps
from wizerscope.inspector.session import Session

from tests.helpers.cli import run_cli
from tests.helpers.inspector_wat import NESTED, TWICE, write
from tests.helpers.component import INIT_AND_RUN, MEMORY_RUN, SIMPLE, comp, lifted

CASES = {
    "memory-at-maximum + memory64-in-component": lifted('''
        (memory $a 1 1) (memory $b i64 1 2)
        (func (export "wizer-initialize") (i32.store $a (i32.const 8) (i32.const 7)))
        (func (export "run") (param i32) (result i32) (i32.load $a (i32.const 8)))''', INIT_AND_RUN),
    "no-export-section": '''(component
        (core module $hidden (memory 1) (global $g (mut i32) (i32.const 0))
          (func $s (global.set $g (i32.const 5))) (start $s))
        (core instance $h (instantiate $hidden))
        (core module $m (func (export "wizer-initialize")) (func (export "run") (param i32) (result i32) (i32.const 4)))
        (core instance $i (instantiate $m))''' + INIT_AND_RUN + ")",
    "v128-global": lifted('''
        (global $v (mut v128) (v128.const i64x2 0 0))
        (func (export "wizer-initialize") (global.set $v (v128.const i64x2 1 2)))
        (func (export "run") (param i32) (result i32) (i32.const 0))''', INIT_AND_RUN),
    "module-instantiated-twice": TWICE,
    "nested-component-with-modules": NESTED,
}


@pytest.mark.parametrize("name", list(CASES))
def test_each_gap_is_one_the_reference_really_has(name, reference):
    wasm = comp(CASES[name])
    rules = {g.rule for g in component_gaps(parse_component(wasm), Options(keep_init_func=True))}
    assert rules == set(name.split(" + "))
    ref = reference(wasm, "--keep-init-func=true")
    assert ref.returncode != 0, "the reference accepted an input reported as a gap"


def test_aliased_init_export_is_a_gap_only_without_keep(reference, wasm_tools, tmp_path):
    wasm = comp(MEMORY_RUN)
    (gap,) = component_gaps(parse_component(wasm), Options())
    assert gap.rule == "aliased-init-export" and "#13168" in gap.reference
    assert wasm[gap.offset:gap.offset + 17] == b"\x10wizer-initialize"     # the core export's name
    assert component_gaps(parse_component(wasm), Options(keep_init_func=True)) == []
    ref = reference(wasm)
    assert ref.returncode == 0
    (tmp_path / "ref.wasm").write_bytes(ref.output)
    assert subprocess.run([wasm_tools, "validate", str(tmp_path / "ref.wasm")], capture_output=True).returncode != 0


def test_no_gaps_where_the_reference_is_right():
    assert component_gaps(parse_component(comp(SIMPLE)), Options(keep_init_func=True)) == []
    m = parse_module(wasmtime.wat2wasm('(module (func (export "wizer-initialize")))'))
    assert module_gaps(m, Options()) == []


def test_initialize_as_init_function_is_a_module_gap():
    m = parse_module(wasmtime.wat2wasm('(module (func (export "_initialize")))'))
    (gap,) = module_gaps(m, Options(init_func="_initialize"))
    assert gap.rule == "initialize-called-twice" and "twice" in gap.reference


def test_session_and_inspect_json_list_the_gaps(tmp_path):
    path = write(tmp_path, "twice.wat", TWICE)
    s = Session.open(path)
    assert [g.rule for g in s.reference_gaps()] == ["module-instantiated-twice", "aliased-init-export"]
    p = run_cli("inspect", path, "--json")
    rules = [g["rule"] for g in json.loads(p.stdout)["reference_gaps"]]
    assert rules == ["module-instantiated-twice", "aliased-init-export"]


def test_cli_check_and_json_report_the_gaps(tmp_path):
    path = write(tmp_path, "twice.wat", TWICE)
    p = run_cli("init", "--check", path)
    assert p.returncode == 0
    assert "note: `wasmtime wizer` modules may be instantiated at most once [core module 0" in p.stderr.decode()
    p = run_cli("init", path, "-o", str(tmp_path / "out.wasm"), "--json", "--keep-init-func=true")
    assert p.returncode == 0, p.stderr.decode()
    assert [g["rule"] for g in json.loads(p.stdout)["reference_gaps"]] == ["module-instantiated-twice"]


def test_gaps_of_an_unvalidated_component_do_not_crash():
    """Found by the in-suite fuzzer: an instantiation of a module index that does not exist (the
    inspector reads the input before validation) must not crash the gap analysis."""
    wasm = bytearray(comp('''(component
      (core module $m (func (export "wizer-initialize")))
      (core instance $a (instantiate $m))
      (core module $n (import "x" "wizer-initialize" (func)))
      (core instance $b (instantiate $n (with "x" (instance $a))))
      (func (export "wizer-initialize") (canon lift (core func $a "wizer-initialize"))))'''))
    c = parse_component(bytes(wasm))
    at = c.core_instances[1].offset
    assert wasm[at:at + 2] == b"\x00\x01"              # instantiate module 1
    wasm[at + 1] = 0x07                                 # ... module 7, which does not exist
    gaps = component_gaps(parse_component(bytes(wasm)), Options())
    assert [g.rule for g in gaps] == ["aliased-init-export"]
