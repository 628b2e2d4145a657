"""Components in tests: WAT to bytes, calling an export, and the small WAT building blocks that
the component conformance and reference-gap tests share."""
from __future__ import annotations

import wasmtime
from wasmtime import component as wc

from wizerscope.binary.component import parse_component


def comp(text: str) -> bytes:
    return wasmtime.wat2wasm(text)


def call(wasm: bytes, name: str, *args, wasi: bool = False, instance: str | None = None):
    """Instantiate a component fresh and call one export (inside ``instance`` if given)."""
    engine = wasmtime.Engine()
    c = wc.Component(engine, wasm)
    linker = wc.Linker(engine)
    store = wasmtime.Store(engine)
    if wasi:
        linker.add_wasip2()
        store.set_wasi(wasmtime.WasiConfig())
    inst = linker.instantiate(store, c)
    parent = inst.get_export_index(store, instance) if instance else None
    f = inst.get_func(store, inst.get_export_index(store, name, parent))
    value = f(store, *args)
    f.post_return(store)
    return value


def export_names(wasm: bytes) -> list[str]:
    return [e.name for e in parse_component(wasm).exports]


def lifted(core: str, exports: str, pre: str = "") -> str:
    """A component holding one core module instance $i and lifted exports."""
    return f"(component {pre} (core module $m {core}) (core instance $i (instantiate $m)) {exports})"


INIT_AND_RUN = '''
  (func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize")))
  (func (export "run") (param "arg" s32) (result s32) (canon lift (core func $i "run")))'''

SIMPLE = lifted('''
    (func (export "wizer-initialize"))
    (func (export "run") (param i32) (result i32) (i32.const 42))''', INIT_AND_RUN)

# init stores 100 at 200 and 101 at 300; run returns their sum (201)
MEMORY_RUN = lifted('''
    (memory (export "memory") 1)
    (func (export "wizer-initialize") (i32.store (i32.const 200) (i32.const 100)) (i32.store (i32.const 300) (i32.const 101)))
    (func (export "run") (param i32) (result i32) (i32.add (i32.load (i32.const 200)) (i32.load (i32.const 300))))''',
    INIT_AND_RUN)


# one module state behind init functions of every naming: in interfaces (versioned or not), in a
# plainly named instance, at the top level with parameters
IFACES = lifted('''
    (global $g (mut i32) (i32.const 0))
    (func (export "a-init") (global.set $g (i32.const 1)))
    (func (export "b-init") (global.set $g (i32.const 2)))
    (func (export "set") (param i32) (global.set $g (local.get 0)))
    (func (export "get") (result i32) (global.get $g))''', '''
  (func $ai (canon lift (core func $i "a-init")))
  (func $bi (canon lift (core func $i "b-init")))
  (func $set (param "v" s32) (canon lift (core func $i "set")))
  (func $get (result s32) (canon lift (core func $i "get")))
  (instance $a (export "init" (func $ai)))
  (instance $b (export "init" (func $bi)) (export "only-b" (func $bi)))
  (export "x:y/a@1.0.0" (instance $a))
  (export "x:y/b" (instance $b))
  (instance $plain (export "init" (func $bi)))
  (export "plain" (instance $plain))
  (export "set" (func $set))
  (export "get" (func $get))''')


def analyze(wasm: bytes):
    """(the component the engine would run, its rejections): the input's specialisation when it
    is accepted, the input as parsed otherwise."""
    from wizerscope.preinit.component.pipeline import ComponentPipeline
    p = ComponentPipeline(wasm)
    rejections = p.rejections()
    return p.runnable, rejections


def report_json(run, input_size: int) -> dict:
    """``init --json``'s report of a run, as the CLI prints it."""
    from wizerscope.report.build import run_report
    from wizerscope.report.json import as_json
    return as_json(run_report(run, input_size, []))
