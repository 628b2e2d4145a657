"""Inputs big in one dimension: the stages must stay linear in it (timings: benchmarks/bench_scale.py)."""
from __future__ import annotations

import wasmtime

from wizerscope.preinit.choose import pipeline_for
from wizerscope.preinit.options import Options
from wizerscope.preinit.pipeline import drive
from wizerscope.preinit.runtime import internals


def _globals_wat(n: int) -> str:
    globs = "\n".join(f'(global $g{i} (export "g{i}") (mut i32) (i32.const {i}))' for i in range(n))
    sets = "\n".join(f"(global.set $g{i} (i32.const {3 * i}))" for i in range(n))
    return f'(module {globs}\n(func (export "wizer-initialize") {sets}))'


def test_exports_are_found_by_name_without_the_walk(wat):
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    module = wasmtime.Module(engine, wat('(module (global (export "a") i32 (i32.const 7)) (func (export "f")))'))
    exports = internals.Exports(store, wasmtime.Instance(store, module, []))
    assert exports["a"].value(store) == 7 and isinstance(exports.get("f"), wasmtime.Func)
    assert exports.get("missing") is None and exports.get("missing", 1) == 1


def test_many_exported_globals_match_the_reference(wat, reference):
    wasm = wat(_globals_wat(3000))
    run = drive(pipeline_for(wasm), Options())
    assert run.output == reference(wasm).require_output()


def _segments_wat(n: int, spacing: int) -> str:
    """``n`` one-byte active segments ``spacing`` bytes apart (gaps too wide for the merge of close runs)."""
    pages = n * spacing // 65536 + 1
    data = "\n".join(f'(data (i32.const {spacing * i}) "\\01")' for i in range(n))
    return f'(module (memory (export "memory") {pages}) {data}\n(func (export "wizer-initialize")))'


def _memory_after_init(wasm: bytes) -> bytes:
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module(store.engine, wasm), [])
    init = inst.exports(store).get("wizer-initialize")
    if init is not None:
        init(store)
    return bytes(inst.exports(store)["memory"].read(store, 0))


def test_many_segments_are_merged_to_fit_the_limit(wat):
    wasm = wat(_segments_wat(95_000, 8))
    run = drive(pipeline_for(wasm), Options())
    plan = run.snapshot.plan
    assert len(plan.cap_arrays) == 95_000 - 10_000          # the reference's cap first
    assert plan.merged_to_fit == 5_000 and len(run.snapshot.segments) == 5_000
    wasmtime.Module.validate(wasmtime.Engine(), run.output)  # 95,000 emptied + 5,000 = the limit
    assert _memory_after_init(run.output) == _memory_after_init(wasm)


def test_segments_that_cannot_fit_are_rejected_with_the_arithmetic(wat, tmp_path, capsys):
    from wizerscope import cli
    src, out = tmp_path / "in.wasm", tmp_path / "out.wasm"
    src.write_bytes(wat(_segments_wat(100_000, 2)))
    assert cli.main(["init", str(src), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "100000 + 1 = 100001 > 100000" in err and "Traceback" not in err and not out.exists()


def _long_names_module(size: int) -> bytes:
    """An export and a custom section whose names have ``size`` bytes (built as bytes: fast)."""
    from wizerscope.binary import encode
    export = encode.name("wizer-initialize") + b"\x00\x00" + encode.name("e" * size) + b"\x00\x00"
    custom = encode.name("c" * size) + b"payload"
    return (b"\0asm\x01\0\0\0" + encode.section(1, b"\x01\x60\x00\x00") + encode.section(3, b"\x01\x00")
            + encode.section(7, b"\x02" + export) + encode.section(10, b"\x01\x02\x00\x0b") + encode.section(0, custom))


def test_names_over_the_limit_are_rejected_before_anything_reads_them(tmp_path):
    from tests.helpers.cli import run_cli
    src = tmp_path / "names.wasm"
    src.write_bytes(_long_names_module(8 << 20))
    p = run_cli("inspect", str(src))
    err = (p.stdout + p.stderr).decode()
    assert p.returncode == 1 and "a name of 8,388,608 bytes: names are limited to 100,000 bytes" in err
    assert len(err) < 20_000                                 # no megabytes of e's


def test_long_names_within_the_limit_are_shown_shortened_with_their_length():
    from wizerscope.inspector.session import Session
    s = Session("names.wasm", _long_names_module(99_000))
    labels = []

    def walk(node) -> None:
        labels.append(node.label)
        labels.extend(f"{k}: {v}" for k, v in node.details)
        for c in node.children:
            walk(c)
    walk(s.structure())
    assert max(len(line) for line in labels) < 400
    assert any("(99,000 bytes)" in line and line.startswith("export 'eee") for line in labels)


def test_inspect_output_of_long_names_stays_short(tmp_path):
    from tests.helpers.cli import run_cli
    src = tmp_path / "names.wasm"
    src.write_bytes(_long_names_module(99_000))
    p = run_cli("inspect", str(src))
    out = (p.stdout + p.stderr).decode()
    assert "99,000 bytes" in out and len(out) < 60_000


SPARSE = '''(module (memory (export "memory") i64 1)
  (func (export "wizer-initialize")
    (drop (memory.grow (i64.const 9599)))                       ;; 600 MiB, three scan chunks
    (i64.store8 (i64.const 0) (i64.const 1))
    (i64.store8 (i64.const 629145599) (i64.const 2))))'''


def test_the_sparse_scan_checks_between_chunks_and_stops_when_told(wat):
    from wizerscope.binary.types import MemoryType
    from wizerscope.errors import InitError
    from wizerscope.preinit.runtime.kernels.nonzero_runs import nonzero_runs
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module(store.engine, wat(SPARSE)), [])
    inst.exports(store)["wizer-initialize"](store)
    memory, mtype = inst.exports(store)["memory"], MemoryType(1, None, memory64=True)
    calls = []
    assert nonzero_runs(store, store.engine, memory, mtype, lambda: calls.append(1)) == ([0, 629145599],
                                                                                        [1, 629145600])
    assert len(calls) == 3

    def stop_second() -> None:
        calls.append(2)
        if calls.count(2) == 2:
            raise InitError("stopped")
    try:
        nonzero_runs(store, store.engine, memory, mtype, stop_second)
        raise AssertionError("the scan went on")
    except InitError:
        assert calls.count(2) == 2


def test_a_cancel_during_the_scan_stops_the_run(wat):
    from wizerscope.preinit.pipeline import Hooks
    from wizerscope.errors import InitError

    class CancelAtSnapshot(Hooks):
        def started(self, runner) -> None:
            self.runner = runner

        def step(self, name: str, trace) -> None:
            if name == "snapshot after":
                self.runner.interrupt()          # what the inspector's cancel does
    try:
        drive(pipeline_for(wat(SPARSE)), Options(), CancelAtSnapshot())
        raise AssertionError("the run was not stopped")
    except InitError as e:
        assert e.message.endswith("cancelled")
