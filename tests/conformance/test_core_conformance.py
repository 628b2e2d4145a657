"""Conformance with `wasmtime wizer` on core modules: SPEC §5.1, §5.3 and the edge cases of §2.

Every accepted case runs our pipeline in-process with the CLI's own flag parsing, checks the
output's behaviour by calling its exports, and (unless the case documents a reference bug)
compares the bytes with the reference CLI's output for the same flags. Every rejected case checks
our message and, where the reference rejects cleanly, the reference's message too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import wasmtime

from wizerscope.binary.module import parse_module
from wizerscope.binary.types import CUSTOM, TYPE
from wizerscope.cli import build_parser, options_from_args
from wizerscope.errors import WizerscopeError
from wizerscope.preinit import preinit

INIT = '(func (export "wizer-initialize")'


@dataclass
class Case:
    """One fixture. ``checks``: (export, args, expected result) run on the output. ``ref``:
    "same" = byte-identical to the reference; otherwise a reason why not (a reference bug)."""

    name: str
    wat: str
    checks: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    ref_flags: list = field(default_factory=list)      # extra flags only the reference needs
    ref: str = "same"
    exports: list | None = None                        # the output's export names, when checked
    preloads: dict = field(default_factory=dict)       # name -> WAT, written next to the input
    transform: object = None                           # bytes -> bytes after wat2wasm

    def __str__(self) -> str:
        return self.name


def _inc_module(k: int) -> str:
    return f'(module (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const {k}))))'


def _custom_section(name: str, payload: bytes) -> bytes:
    body = bytes((len(name),)) + name.encode() + payload
    return bytes((0, len(body))) + body


def _name_section_first(wasm: bytes) -> bytes:
    """Move the `name` section right after the type section (valid: custom sections go anywhere)."""
    m = parse_module(wasm)
    secs = [bytes(s.raw(m.data)) for s in m.sections]
    name_i = next(i for i, s in enumerate(m.sections) if s.id == CUSTOM and s.custom_name == "name")
    name = secs.pop(name_i)
    type_i = next(i for i, s in enumerate(m.sections) if s.id == TYPE)
    secs.insert(type_i + 1, name)
    return wasm[:8] + b"".join(secs)


def _with_data_count(wasm: bytes) -> bytes:
    """Insert a DataCount section (count = number of data segments) before the code section."""
    m = parse_module(wasm)
    out = [wasm[:8]]
    for s in m.sections:
        if s.id == 10:
            out.append(bytes((12, 1, len(m.segments))))
        out.append(bytes(s.raw(m.data)))
    return b"".join(out)


ACCEPT = [
    # ---- SPEC §5.1 (tests.rs) ----
    Case("basic_global", f"""(module (global $g (mut i32) (i32.const 0))
        {INIT} (global.set $g (i32.const 42)))
        (func (export "run") (result i32) (global.get $g)))""", [("run", (), 42)], exports=["run"]),
    Case("basic_memory", f"""(module (memory 1)
        {INIT} (i32.store (i32.const 1337) (i32.const 42)))
        (func (export "run") (result i32) (i32.load (i32.const 1337))))""", [("run", (), 42)]),
    Case("multi_memory", f"""(module (memory $a 1) (memory $b 1)
        {INIT} (i32.store $a (i32.const 1337) (i32.const 41)) (i32.store $b (i32.const 1337) (i32.const 1)))
        (func (export "run") (result i32)
          (i32.add (i32.load $a (i32.const 1337)) (i32.load $b (i32.const 1337)))))""", [("run", (), 42)]),
    Case("indirect_call_with_reference_types", f"""(module (type $t (func (result i32)))
        (table $t0 0 funcref) (table $t1 1 funcref)
        (elem (table $t1) (i32.const 0) func $f)
        (func $f (result i32) (i32.const 42))
        {INIT})
        (func (export "run") (result i32) (call_indirect $t1 (type $t) (i32.const 0))))""", [("run", (), 42)]),
    Case("data_segment_at_end_of_memory", f"""(module (memory 1)
        {INIT} (i32.store8 (i32.const 65535) (i32.const 42)))
        (func (export "run") (result i32) (i32.load8_u (i32.const 65535))))""", [("run", (), 42)]),
    Case("too_many_data_segments_for_engines", f"""(module (memory 10)
        {INIT} (local $i i32)
          (loop $l (i32.store8 (local.get $i) (i32.const 42))
            (local.set $i (i32.add (local.get $i) (i32.const 6)))
            (br_if $l (i32.lt_u (local.get $i) (i32.const 655360)))))
        (func (export "run") (result i32)
          (i32.add (i32.load8_u (i32.const 655356)) (i32.load8_u (i32.const 655357)))))""",
         [("run", (), 42)]),
    Case("rename_functions", """(module
        (func (export "wizer-initialize"))
        (func (export "func_a") (result i32) (i32.const 1))
        (func (export "func_b") (result i32) (i32.const 2))
        (func (export "func_c") (result i32) (i32.const 3)))""",
         [("func_a", (), 2), ("func_b", (), 3)], flags=["-r", "func_a=func_b", "-r", "func_b=func_c"],
         exports=["func_a", "func_b"]),
    Case("wasi_reactor", """(module (global $g (mut i32) (i32.const 0))
        (func (export "_initialize") (global.set $g (i32.const 6)))
        (func (export "wizer-initialize") (global.set $g (i32.mul (global.get $g) (i32.const 7))))
        (func (export "run") (result i32) (global.get $g)))""", [("run", (), 42)], exports=["run"]),
    Case("wasi_reactor_initializer_as_init_func", """(module (global $g (mut i32) (i32.const 0))
        (func (export "_initialize") (global.set $g (i32.add (global.get $g) (i32.const 1))))
        (func (export "run") (result i32) (global.get $g)))""", [("run", (), 1)],
         flags=["-f", "_initialize"], exports=["run"],
         ref="the reference CLI calls `_initialize` twice when it is the init function (SPEC §2.5)"),
    Case("wasi_reactor_initializer_with_keep_init", """(module (global $g (mut i32) (i32.const 0))
        (func (export "_initialize") (global.set $g (i32.const 1)))
        (func (export "wizer-initialize") (global.set $g (i32.const 2)))
        (func (export "run") (result i32) (global.get $g)))""", [("run", (), 2)],
         flags=["--keep-init-func"], exports=["wizer-initialize", "run"]),
    Case("allow_undefined_import_function", f"""(module (import "x" "f" (func $f))
        (global $g (mut i32) (i32.const 0))
        {INIT} (global.set $g (i32.const 42)))
        (func (export "never") (call $f))
        (func (export "run") (result i32) (global.get $g)))""", [("run", (), 42)],
         ref_flags=["-W", "unknown-imports-trap=y"]),
    Case("accept_bulk_memory_copy", f"""(module (memory 1) (data (i32.const 0) "\\01\\02\\03\\04")
        {INIT} (memory.copy (i32.const 100) (i32.const 0) (i32.const 4)))
        (func (export "run") (result i32) (i32.add (i32.load (i32.const 0)) (i32.load (i32.const 100)))))""",
         [("run", (), 2 * 0x04030201)]),
    Case("accept_bulk_memory_fill", f"""(module (memory 1)
        {INIT} (memory.fill (i32.const 100) (i32.const 7) (i32.const 4)))
        (func (export "run") (result i32) (i32.load (i32.const 100))))""", [("run", (), 0x07070707)]),
    Case("accept_bulk_memory_init", f"""(module (memory 1) (data $d "\\01\\02\\03\\04")
        {INIT} (memory.init $d (i32.const 100) (i32.const 0) (i32.const 4)))
        (func (export "run") (result i32) (i32.load (i32.const 100))))""", [("run", (), 0x04030201)]),
    Case("accept_bulk_memory_data_count", f"""(module (memory 1)
        (data (i32.const 0) "\\01\\02\\03\\04") (data (i32.const 4) "\\05\\06\\07\\08")
        {INIT} (i32.store (i32.const 8) (i32.const 42)))
        (func (export "run") (result i32) (i32.add (i32.load8_u (i32.const 8)) (i32.sub (i32.load8_u (i32.const 7))
          (i32.load8_u (i32.const 7))))))""", [("run", (), 42)], transform=_with_data_count),
    Case("accept_simd128", f"""(module (global $g (mut v128) (v128.const i32x4 1 2 3 7))
        {INIT} (global.set $g (i32x4.mul (global.get $g) (global.get $g))))
        (func (export "run") (result i32) (i32x4.extract_lane 3 (global.get $g))))""", [("run", (), 49)]),
    # relaxed madd is fused under deterministic semantics: 4097*4097 - 16785408 = 1.0, unfused 0.0
    Case("relaxed_simd_deterministic", f"""(module (memory 1)
        {INIT} (v128.store (i32.const 0) (f32x4.relaxed_madd (v128.const f32x4 4097 4097 4097 4097)
          (v128.const f32x4 4097 4097 4097 4097) (v128.const f32x4 -16785408 -16785408 -16785408 -16785408))))
        (func (export "run") (result i32) (i32.load (i32.const 0))))""", [("run", (), 0x3F800000)]),
    Case("immutable_global_of_reference_type", f"""(module (global $r funcref (ref.func $f))
        (func $f (result i32) (i32.const 42)) (elem declare func $f) {INIT})
        (func (export "run") (result i32) (i32.add (ref.is_null (global.get $r)) (i32.const 42))))""",
         [("run", (), 42)]),
    Case("mixture_of_globals", f"""(module (global $a (mut i32) (i32.const 0)) (global $b i32 (i32.const 2))
        (global $c (mut i32) (i32.const 0)) (global $d i32 (i32.const 4))
        {INIT} (global.set $a (i32.const 42)) (global.set $c (i32.const 43)))
        (func (export "run") (result i32) (i32.add (i32.add (global.get $a) (global.get $b))
          (i32.add (global.get $c) (global.get $d)))))""", [("run", (), 42 + 2 + 43 + 4)]),
    Case("memory_init_and_data_segments", f"""(module (memory 1)
        (data $a "\\01\\02\\03\\04") (data $b (i32.const 100) "\\09\\09\\09\\09") (data $c "\\05\\06")
        {INIT} (memory.init $a (i32.const 2) (i32.const 0) (i32.const 4)))
        (func (export "run") (result i32)
          (memory.init $c (i32.const 200) (i32.const 0) (i32.const 2))
          (memory.init $a (i32.const 202) (i32.const 0) (i32.const 2))
          (i32.add (i32.add (i32.load (i32.const 200)) (i32.load (i32.const 2))) (i32.load (i32.const 100)))))""",
         [("run", (), (0x02010605 + 0x04030201 + 0x09090909) & 0xFFFFFFFF)]),
    Case("memory64", f"""(module (memory i64 1)
        {INIT} (i32.store (i64.const 1337) (i32.const 10)))
        (func (export "run") (result i32) (i32.load (i64.const 1337))))""", [("run", (), 10)]),
    # ---- SPEC §5.3: preloads and the custom-linker analogue ----
    Case("preloads", """(module (import "mod1" "f" (func $f1 (param i32) (result i32)))
        (import "mod2" "f" (func $f2 (param i32) (result i32)))
        (global $a (mut i32) (i32.const 0)) (global $b (mut i32) (i32.const 0))
        (func (export "wizer-initialize")
          (global.set $a (call $f1 (i32.const 100))) (global.set $b (call $f2 (i32.const 100))))
        (func (export "run") (param i32 i32) (result i32)
          (i32.add (i32.add (global.get $a) (global.get $b))
                   (i32.add (call $f1 (local.get 0)) (call $f2 (local.get 1))))))""",
         [("run", (200, 201), 607)], flags=["--preload", "mod1={tmp}/mod1.wat", "--preload", "mod2={tmp}/mod2.wat"],
         preloads={"mod1": _inc_module(1), "mod2": _inc_module(2)}),
    # the output runs with `foo.bar` trapping: the value was snapshotted, the import not re-called
    Case("custom_linker", """(module (import "foo" "bar" (func $bar (param i32) (result i32)))
        (global $g (mut i32) (i32.const 0))
        (func (export "wizer-initialize") (global.set $g (call $bar (i32.const 0))))
        (func (export "run") (result i32) (global.get $g))
        (func (export "bar") (result i32) (call $bar (i32.const 0))))""",
         [("run", (), 1), ("bar", (), "trap")], flags=["--preload", "foo={tmp}/foo.wat"],
         preloads={"foo": _inc_module(1).replace('"f"', '"bar"')}),
    # ---- SPEC §2 edge cases ----
    Case("keep_init_func_explicit_false", f"""(module (global $g (mut i32) (i32.const 0))
        {INIT} (global.set $g (i32.const 3))) (func (export "run") (result i32) (global.get $g)))""",
         [("run", (), 3)], flags=["--keep-init-func=false"], exports=["run"]),
    Case("keep_init_func_reruns_on_call", f"""(module (global $g (mut i32) (i32.const 0))
        {INIT} (global.set $g (i32.add (global.get $g) (i32.const 1))))
        (func (export "run") (result i32) (global.get $g)))""",
         [("run", (), 1), ("wizer-initialize", (), None), ("run", (), 2)], flags=["--keep-init-func=true"],
         exports=["wizer-initialize", "run"]),
    Case("rename_memory_export", f"""(module (memory (export "memory") 1)
        {INIT} (i32.store (i32.const 0) (i32.const 5))))""", [], flags=["-r", "heap=memory"],
         exports=["heap"]),
    Case("rename_dst_dropped_when_src_missing", f"""(module {INIT})
        (func (export "run") (result i32) (i32.const 1)))""", [], flags=["-r", "run=nothing"], exports=[]),
    Case("rename_init_func_without_keep_drops_both", f"""(module {INIT})
        (func (export "run") (result i32) (i32.const 1)))""", [], flags=["-r", "run=wizer-initialize"],
         exports=[]),
    Case("rename_init_func_with_keep", f"""(module (global $g (mut i32) (i32.const 0))
        {INIT} (global.set $g (i32.add (global.get $g) (i32.const 9))))
        (func (export "run") (result i32) (i32.const -1)) (func (export "get") (result i32) (global.get $g)))""",
         [("get", (), 9), ("run", (), None), ("get", (), 18)], flags=["--keep-init-func", "-r", "run=wizer-initialize"],
         exports=["run", "get"]),
    Case("init_with_results", """(module (global $g (mut i32) (i32.const 0))
        (func (export "init") (result i32) (global.set $g (i32.const 5)) (i32.const 7))
        (func (export "run") (result i32) (global.get $g)))""", [("run", (), 5)], flags=["-f", "init"],
         exports=["run"]),
    Case("start_function_runs_once", f"""(module (global $g (mut i32) (i32.const 0))
        (func $s (global.set $g (i32.add (global.get $g) (i32.const 1)))) (start $s)
        {INIT} (global.set $g (i32.mul (global.get $g) (i32.const 10))))
        (func (export "run") (result i32) (global.get $g)))""", [("run", (), 10)]),
    Case("no_memory_no_data", f"(module {INIT}))", [], exports=[]),
    Case("passive_segments_and_data_count", f"""(module (memory 1) (data $p "\\aa\\bb") (data (i32.const 16) "\\cc")
        {INIT} (memory.init $p (i32.const 32) (i32.const 0) (i32.const 2)))
        (func (export "run") (result i32) (i32.add (i32.load16_u (i32.const 32)) (i32.load8_u (i32.const 16)))))""",
         [("run", (), 0xBBAA + 0xCC)]),
    Case("custom_page_size_1", f"""(module (memory $m 10 (pagesize 1))
        {INIT} (drop (memory.grow (i32.const 1000))) (i32.store8 (i32.const 1005) (i32.const 42)))
        (func (export "run") (result i32) (i32.add (memory.size) (i32.load8_u (i32.const 1005)))))""",
         [("run", (), 1010 + 42)], ref_flags=["-W", "custom-page-sizes=y"]),
    Case("memory_grows_and_minimum_follows", f"""(module (memory 1 5)
        {INIT} (drop (memory.grow (i32.const 2))) (i32.store (i32.const 131072) (i32.const 8)))
        (func (export "run") (result i32) (i32.add (memory.size) (i32.load (i32.const 131072)))))""",
         [("run", (), 3 + 8)]),
    Case("nan_and_v128_globals", f"""(module
        (global $f (mut f32) (f32.const 0)) (global $d (mut f64) (f64.const 0)) (global $v (mut v128) (v128.const i64x2 0 0))
        {INIT} (global.set $f (f32.reinterpret_i32 (i32.const 0x7fa00001)))
          (global.set $d (f64.reinterpret_i64 (i64.const 0xfff4000000000001)))
          (global.set $v (v128.const i32x4 0xffffffff 0x80000000 0x7fc00001 0x12345678)))
        (func (export "f") (result i32) (i32.reinterpret_f32 (global.get $f)))
        (func (export "d") (result i64) (i64.reinterpret_f64 (global.get $d)))
        (func (export "v") (result i32) (i32x4.extract_lane 2 (global.get $v))))""",
         [("f", (), 0x7FA00001), ("d", (), -0xBFFFFFFFFFFFF), ("v", (), 0x7FC00001)]),
    Case("name_section_before_code", f"""(module (memory 1) (global $counter (mut i32) (i32.const 0))
        (func $helper (result i32) (i32.const 7))
        {INIT} (global.set $counter (call $helper)) (i32.store (i32.const 8) (i32.const 3)))
        (func (export "run") (result i32) (i32.add (global.get $counter) (i32.load (i32.const 8)))))""",
         [("run", (), 10)], transform=_name_section_first,
         ref="the reference places the data section before the early `name` section: invalid output"),
    Case("wasi_during_init", """(module (import "wasi_snapshot_preview1" "fd_write"
          (func $w (param i32 i32 i32 i32) (result i32)))
        (memory (export "memory") 1) (data (i32.const 16) "hi\\n")
        (func (export "wizer-initialize")
          (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 3))
          (drop (call $w (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8))))
        (func (export "run") (result i32) (i32.load (i32.const 8))))""", [("run", (), 3)], flags=["-S", "cli"]),

    Case("multi_memory_mixed_index_types_and_page_sizes", f"""(module (memory $a 1) (memory $b i64 1)
        (memory $c 100 (pagesize 1))
        {INIT} (drop (memory.grow $a (i32.const 1))) (i32.store $a (i32.const 70000) (i32.const 5))
          (i32.store $b (i64.const 65000) (i32.const 6)) (i32.store8 $c (i32.const 99) (i32.const 7)))
        (func (export "run") (result i32) (i32.add (i32.add (i32.load $a (i32.const 70000))
          (i32.load $b (i64.const 65000))) (i32.add (i32.load8_u $c (i32.const 99)) (memory.size $a)))))""",
         [("run", (), 5 + 6 + 7 + 2)], ref_flags=["-W", "custom-page-sizes=y"]),
    Case("trailing_custom_section_without_name_section", f"""(module (memory 1)
        {INIT} (i32.store (i32.const 4) (i32.const 9))) (func (export "run") (result i32) (i32.load (i32.const 4))))""",
         [("run", (), 9)], transform=lambda w: w + _custom_section("producers", b"\x00")),
    Case("init_func_exported_twice", """(module (global $g (mut i32) (i32.const 0))
        (func $i (global.set $g (i32.add (global.get $g) (i32.const 1))))
        (export "wizer-initialize" (func $i)) (export "again" (func $i))
        (func (export "run") (result i32) (global.get $g)))""",
         [("run", (), 1), ("again", (), None), ("run", (), 2)], exports=["again", "run"]),
    Case("initialize_export_that_is_not_a_function", f"""(module (global (export "_initialize") i32 (i32.const 0))
        (global $g (mut i32) (i32.const 0)) {INIT} (global.set $g (i32.const 1)))
        (func (export "run") (result i32) (global.get $g)))""", [("run", (), 1)], exports=["run"]),
    Case("wasi_env_during_init", """(module (import "wasi_snapshot_preview1" "environ_sizes_get"
          (func $sizes (param i32 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "wizer-initialize") (drop (call $sizes (i32.const 0) (i32.const 4))))
        (func (export "run") (result i32) (i32.add (i32.mul (i32.load (i32.const 0)) (i32.const 100))
          (i32.load (i32.const 4)))))""", [("run", (), 2 * 100 + len("A=1\0BB=22\0"))],
         flags=["-S", "cli", "--env", "A=1", "--env", "BB=22"]),
    Case("init_is_a_reexported_import", """(module (import "helper" "f" (func $f))
        (export "wizer-initialize" (func $f)) (export "again" (func $f)))""", [("again", (), None)],
         flags=["--preload", "helper={tmp}/helper.wat"], exports=["again"],
         preloads={"helper": '(module (global $g (mut i32) (i32.const 0)) (func (export "f")))'}),
]


SAME = "same"     # the reference's message is ours
REJECT = [
    # (name, wat, flags, our message, the reference's message (SAME, or None when it crashes/differs))
    ("reject_imported_memory", f'(module (import "env" "m" (memory 1)) {INIT}))', [],
     "imported memories are not supported", SAME),
    ("reject_imported_global", f'(module (import "env" "g" (global i32)) {INIT}))', [],
     "imported globals are not supported", SAME),
    ("reject_imported_table", f'(module (import "env" "t" (table 1 externref)) {INIT}))', [],
     "imported tables are not supported", SAME),
    ("reject_mutable_globals_of_reference_types", f'(module (global (mut funcref) (ref.null func)) {INIT}))', [],
     "unsupported mutable global containing a reference type", SAME),
    ("reject_import_prefix_module", f'(module (import "__wizer_x" "f" (func)) {INIT}))', [],
     "already imports entities named with the `__wizer_*` prefix", SAME),
    ("reject_import_prefix_field", f'(module (import "env" "__wizer_f" (func)) {INIT}))', [],
     "already imports entities named with the `__wizer_*` prefix", SAME),
    ("reject_export_prefix", f'(module (global (export "__wizer_global_0") i32 (i32.const 0)) {INIT}))', [],
     "already exports entities named with the `__wizer_*` prefix", SAME),
    ("reject_validation", f'(module {INIT} (i32.add)))', [], "wasm validation failed", SAME),
    # the reference crashes on these two (SPEC §2.2, §2.8): we reject cleanly
    ("reject_imported_tag", f'(module (import "env" "t" (tag (param i32))) {INIT}))', [],
     "imported tags are not supported", None),
    ("reject_shared_memory", f'(module (memory 1 1 shared) {INIT}))', [],
     "shared memories are not supported", None),
    ("call_undefined_import_function_during_init", f'(module (import "x" "f" (func $f)) {INIT} (call $f)))',
     ["-W", "unknown-imports-trap=y"], "attempted to call an unknown imported function: 'x' 'f'", "x::f"),
    ("init_trap", f"(module {INIT} unreachable))", [], "the `wizer-initialize` function trapped", "unreachable"),
    ("init_missing", "(module (func (export \"other\")))", [],
     "the Wasm module does not have a `wizer-initialize` export", "no func export named `wizer-initialize` found"),
    ("init_not_a_function", '(module (global (export "wizer-initialize") i32 (i32.const 0)))', [],
     "the Wasm module's `wizer-initialize` export is not a function", None),
    ("init_with_params", '(module (func (export "wizer-initialize") (param i32)))', [],
     "does not have type `[] -> []`", "not enough arguments for `wizer-initialize`"),
    ("initialize_with_params", '(module (func (export "_initialize") (param i32)) (func (export "wizer-initialize")))',
     [], "calling the Reactor initialization function", "type mismatch with parameters"),
    ("rename_duplicate_dst", f"(module {INIT}))", ["-r", "a=b", "-r", "a=c"],
     "Duplicated function rename dst a", SAME),
    ("rename_duplicate_src", f"(module {INIT}))", ["-r", "a=c", "-r", "b=c"],
     "Duplicated function rename src c", SAME),
    ("rename_without_equals", f"(module {INIT}))", ["-r", "ab"],
     "must contain exactly one equals character ('=')", SAME),
    ("proc_exit_during_init", '(module (import "wasi_snapshot_preview1" "proc_exit" (func $e (param i32))) '
     f'(memory (export "memory") 1) {INIT} (call $e (i32.const 3))))', ["-S", "cli"],
     "exited with status 3", None),
    ("fuel_runs_out", f"(module {INIT} (loop $l (br $l))))", ["-W", "fuel=100000"], "ran out of fuel", None),
    ("timeout", f"(module {INIT} (loop $l (br $l))))", ["-W", "timeout=200ms"], "did not finish within 0.2 s",
     None),
    ("bad_preload_option", f"(module {INIT}))", ["--preload", "foo"], "Bad preload option: foo",
     "must contain exactly one equals character"),
    ("missing_preload_file", f"(module {INIT}))", ["--preload", "foo=/nonexistent/x.wat"],
     "failed to process preload `foo`", 'failed to open wasm module "/nonexistent/x.wat"'),
    ("wasi_without_flag", '(module (import "wasi_snapshot_preview1" "proc_exit" (func $e (param i32))) '
     f'{INIT} (call $e (i32.const 0))))', [], "'wasi_snapshot_preview1' 'proc_exit'", "proc_exit"),
]

_TABLE = "(table $t 1 funcref) (elem $e func $z) (func $z)"
_GC = "(type $s (struct (field (mut i32)))) (type $a (array (mut i32))) (memory 1) (data $d \"\\00\\00\\00\\00\")"
FORBIDDEN = [
    ("table.copy", _TABLE, "(table.copy $t $t (i32.const 0) (i32.const 0) (i32.const 0))"),
    ("table.init", _TABLE, "(table.init $t $e (i32.const 0) (i32.const 0) (i32.const 0))"),
    ("table.set", _TABLE, "(table.set $t (i32.const 0) (table.get $t (i32.const 0)))"),
    ("table.grow", _TABLE, "(drop (table.grow $t (ref.func $z) (i32.const 1)))"),
    ("table.fill", _TABLE, "(table.fill $t (i32.const 0) (ref.null func) (i32.const 0))"),
    ("elem.drop", _TABLE, "(elem.drop $e)"),
    ("data.drop", "(memory 1) (data $d \"x\")", "(data.drop $d)"),
    ("struct.set", _GC, "(struct.set $s 0 (struct.new $s (i32.const 1)) (i32.const 2))"),
    ("array.set", _GC, "(array.set $a (array.new $a (i32.const 0) (i32.const 1)) (i32.const 0) (i32.const 1))"),
    ("array.fill", _GC, "(array.fill $a (array.new $a (i32.const 0) (i32.const 1)) (i32.const 0) (i32.const 1) "
                        "(i32.const 0))"),
    ("array.copy", _GC, "(array.copy $a $a (array.new $a (i32.const 0) (i32.const 1)) (i32.const 0) "
                        "(array.new $a (i32.const 0) (i32.const 1)) (i32.const 0) (i32.const 1))"),
    ("array.init_data", _GC, "(array.init_data $a $d (array.new $a (i32.const 0) (i32.const 1)) (i32.const 0) "
                             "(i32.const 0) (i32.const 1))"),
    ("array.init_elem", "(type $fa (array (mut funcref))) (elem $e func $z) (func $z)",
     "(array.init_elem $fa $e (array.new_default $fa (i32.const 1)) (i32.const 0) (i32.const 0) (i32.const 1))"),
]


# -- helpers --------------------------------------------------------------------------------
def _ours(wasm: bytes, flags: list[str]):
    a = build_parser().parse_args(["init", "-", *flags])
    return preinit(wasm, options_from_args(a))


def _engine() -> wasmtime.Engine:
    c = wasmtime.Config()
    for f in ("wasm_multi_memory", "wasm_memory64", "wasm_custom_page_sizes", "wasm_simd", "wasm_relaxed_simd",
              "wasm_reference_types", "wasm_function_references", "wasm_gc", "wasm_bulk_memory"):
        setattr(c, f, True)
    c.wasm_relaxed_simd_deterministic = True
    return wasmtime.Engine(c)


def _instantiate(wasm: bytes, tmp: Path, case: Case):
    engine = _engine()
    store = wasmtime.Store(engine)
    linker = wasmtime.Linker(engine)
    if any(f == "cli" for f in case.flags):
        store.set_wasi(wasmtime.WasiConfig())
        linker.define_wasi()
    module = wasmtime.Module(engine, wasm)
    for name in case.preloads:
        if name != "foo":          # custom_linker: `foo.bar` must not be callable after init
            inst = linker.instantiate(store, wasmtime.Module(engine, wasmtime.wat2wasm(case.preloads[name])))
            linker.define_instance(store, name, inst)
    linker.define_unknown_imports_as_traps(module)
    return store, linker.instantiate(store, module), module


def _prepare(case: Case, tmp: Path) -> tuple[bytes, list[str]]:
    wasm = wasmtime.wat2wasm(case.wat)
    if case.transform:
        wasm = case.transform(wasm)
    for name, text in case.preloads.items():
        (tmp / f"{name}.wat").write_text(text)
    return wasm, [f.replace("{tmp}", str(tmp)) for f in case.flags]


# -- accepted inputs --------------------------------------------------------------------------
@pytest.mark.parametrize("case", ACCEPT, ids=str)
def test_accepts(case: Case, tmp_path, reference):
    wasm, flags = _prepare(case, tmp_path)
    result = _ours(wasm, flags)
    out = result.output
    store, inst, module = _instantiate(out, tmp_path, case)
    for export, args, expected in case.checks:
        func = inst.exports(store)[export]
        if expected == "trap":
            with pytest.raises((wasmtime.Trap, wasmtime.WasmtimeError)):
                func(store, *args)
        else:
            assert func(store, *args) == expected, export
    if case.exports is not None:
        assert [e.name for e in module.exports] == case.exports
    assert parse_module(out).start_func is None          # the start function already ran
    proc = reference(wasm, *case.ref_flags, *flags)
    ref = proc.output
    if case.ref == "same":
        assert proc.returncode == 0, proc.stderr.decode()
        assert out == ref, "output differs from `wasmtime wizer`"
    else:
        assert ref is None or out != ref, f"expected a documented difference: {case.ref}"


def test_init_results_are_reported(reference):
    wasm = wasmtime.wat2wasm('(module (func (export "init") (result i32 i64) (i32.const 7) (i64.const -3)))')
    assert _ours(wasm, ["-f", "init"]).init.results == [7, -3]
    ref = reference(wasm, "-f", "init")
    assert ref.returncode == 0 and ref.output is not None


def test_init_v128_results_are_read_raw(reference):
    """wasmtime-py cannot convert a v128 result (found by the differential fuzz test): read raw."""
    wasm = wasmtime.wat2wasm("""(module (global $g (mut i32) (i32.const 0))
        (func (export "init") (result v128 i32) (global.set $g (i32.const 3))
          (v128.const i64x2 1 2) (i32.const 4)) (func (export "run") (result i32) (global.get $g)))""")
    result = _ours(wasm, ["-f", "init"])
    assert result.init.results == [1 | 2 << 64, 4]
    assert result.output == reference(wasm, "-f", "init").output


def test_initialize_as_init_func_runs_once_where_the_reference_runs_it_twice(tmp_path, reference):
    case = next(c for c in ACCEPT if c.name == "wasi_reactor_initializer_as_init_func")
    wasm, flags = _prepare(case, tmp_path)
    ref = reference(wasm, *flags).output
    store, inst, _ = _instantiate(ref, tmp_path, case)
    assert inst.exports(store)["run"](store) == 2          # the reference bug this guards against


def test_name_section_before_code_reference_output_is_invalid(tmp_path, reference):
    case = next(c for c in ACCEPT if c.name == "name_section_before_code")
    wasm, flags = _prepare(case, tmp_path)
    ref = reference(wasm, *flags).output
    assert ref is not None
    with pytest.raises(wasmtime.WasmtimeError):
        wasmtime.Module.validate(_engine(), ref)
    ours = _ours(wasm, flags).output
    names = [s.custom_name for s in parse_module(ours).sections if s.id == CUSTOM]
    assert names == ["name"]


def test_too_many_segments_output_has_exactly_the_cap():
    case = next(c for c in ACCEPT if c.name == "too_many_data_segments_for_engines")
    result = _ours(wasmtime.wat2wasm(case.wat), [])
    segs = result.snapshot.segments
    assert len(segs) == 10_000
    assert (segs[0].offset, len(segs[0].data)) == (0, 595_363)
    assert parse_module(result.output).segments[-1].length == 1


# -- rejected inputs --------------------------------------------------------------------------
@pytest.mark.parametrize("name, wat, flags, ours, theirs", REJECT, ids=[r[0] for r in REJECT])
def test_rejects(name, wat, flags, ours, theirs, reference):
    ref_flags = ["-W", "threads=y,shared-memory=y"] if "shared" in name else []
    wasm = wasmtime.wat2wasm(wat)
    with pytest.raises(WizerscopeError) as e:
        _ours(wasm, flags)
    assert ours in str(e.value), str(e.value)
    proc = reference(wasm, *ref_flags, *flags)
    ref = proc.output
    assert ref is None and proc.returncode != 0, "the reference accepted it"
    if theirs is not None:
        theirs = ours if theirs == SAME else theirs
        assert theirs in proc.stderr.decode(), proc.stderr.decode()


@pytest.mark.parametrize("instruction, decls, body", FORBIDDEN, ids=[f[0] for f in FORBIDDEN])
def test_rejects_forbidden_instruction(instruction, decls, body, reference):
    """The check is static: the instruction sits in a function init never calls."""
    wasm = wasmtime.wat2wasm(f"(module {decls} {INIT}) (func (export \"later\") {body}))")
    message = f"unsupported `{instruction}` instruction"
    with pytest.raises(WizerscopeError) as e:
        _ours(wasm, [])
    assert message in str(e.value)
    assert e.value.rejections[0].item.startswith("func ")
    proc = reference(wasm)
    assert proc.output is None and message in proc.stderr.decode(), proc.stderr.decode()


# -- the segment cap's tie-break, against the reference on generated heaps ---------------------
def _scatter_module(seed: int, spread: int, run_mask: int, pages: int) -> str:
    """Init writes runs of 1..(run_mask+1) bytes separated by pseudo-random gaps of 5..5+spread-1
    (an LCG): tens of thousands of segments with many equal gaps, so the cap's tie-break decides."""
    return f"""(module (memory {pages})
      (func (export "wizer-initialize") (local $pos i32) (local $x i32) (local $len i32)
        (local.set $x (i32.const {seed}))
        (loop $l
          (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
          (local.set $len (i32.add (i32.const 1) (i32.and (i32.shr_u (local.get $x) (i32.const 8))
                                                          (i32.const {run_mask}))))
          (memory.fill (local.get $pos) (i32.const 7) (local.get $len))
          (local.set $pos (i32.add (i32.add (local.get $pos) (local.get $len))
            (i32.add (i32.const 5) (i32.rem_u (i32.shr_u (local.get $x) (i32.const 16)) (i32.const {spread})))))
          (br_if $l (i32.lt_u (local.get $pos) (i32.const {pages * 65536 - 64}))))))"""


@pytest.mark.parametrize("seed, spread, run_mask, pages", [
    (1, 2, 0, 4), (2, 3, 1, 6), (3, 7, 3, 8), (4, 40, 0, 6), (5, 60, 7, 10), (6, 2, 3, 2), (7, 5, 15, 12),
    (8, 3, 0, 12), (9, 13, 1, 5),
])
def test_segment_cap_tie_break_matches_reference(seed, spread, run_mask, pages, reference):
    wasm = wasmtime.wat2wasm(_scatter_module(seed, spread, run_mask, pages))
    result = _ours(wasm, [])
    assert len(result.snapshot.plan.merged) > 10_000          # the cap is in play
    assert result.output == reference(wasm).require_output()
