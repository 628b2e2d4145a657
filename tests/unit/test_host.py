"""Init's host sources: the shadows of WASI p1 and p2 are what init really calls, --deterministic
gives byte-identical outputs that still run, and every host call is counted."""
from __future__ import annotations


from wizerscope.preinit.choose import pipeline_for
from wizerscope.preinit.options import Options
from wizerscope.preinit.pipeline import drive
from wizerscope.preinit.runtime.host import (CLOCK_STEP_NS, DEFAULT_EPOCH_S, MONOTONIC_START_NS, SeededBytes)
from wizerscope.preinit.runtime.wat import assemble

from tests.helpers.component import call as component_call
from tests.helpers.wasm import call
from tests.helpers.host_wat import COMPONENT_SOURCES, CORE_SOURCES, READS_FILE

P1 = "wasi_snapshot_preview1."
DET = dict(wasi=True, deterministic=True, env=[("A", "1")])


def init(text: str, **opts):
    return drive(pipeline_for(assemble(text)), Options(**opts))


def memory(run, start: int, end: int) -> bytes:
    """Bytes [start, end) of the run's (only) snapshotted memory 0."""
    from wizerscope.preinit.statediff import SparseMemory
    return SparseMemory.from_snapshot(run.units[0].after, 0).read(start, end - start)


def test_core_deterministic_runs_are_byte_identical_and_run():
    first, second = init(CORE_SOURCES, **DET), init(CORE_SOURCES, **DET)
    assert first.output == second.output
    wall = DEFAULT_EPOCH_S * 10**9
    assert call(first.output, "clock", wasi=True) == wall          # the output starts from the frozen clock
    assert call(first.output, "random", wasi=True) == int.from_bytes(SeededBytes(0, "random").take(8), "little", signed=True)


def test_core_shadows_are_what_init_calls():
    run = init(CORE_SOURCES, **DET)
    wall = DEFAULT_EPOCH_S * 10**9
    assert memory(run, 0x100, 0x110) == wall.to_bytes(8, "little") + \
        (MONOTONIC_START_NS + CLOCK_STEP_NS).to_bytes(8, "little")          # one clock read later
    assert memory(run, 0x200, 0x220) == SeededBytes(0, "random").take(32)
    assert memory(run, 0x300, 0x308) == (1).to_bytes(4, "little") + (4).to_bytes(4, "little")
    assert memory(run, 0x400, 0x404) == b"A=1\0"             # the environment is exactly the options'
    assert run.init.stdout == b"hi\n"                        # a forwarded call still reaches wasmtime's WASI
    assert run.init.host.call_list() == [(P1 + "clock_time_get", 2), (P1 + "random_get", 1),
                                         (P1 + "environ_sizes_get", 1), (P1 + "environ_get", 1),
                                         (P1 + "fd_write", 1)]


def test_seed_and_source_date_epoch(monkeypatch):
    seeded = init(CORE_SOURCES, **DET, seed=7)
    assert memory(seeded, 0x200, 0x220) == SeededBytes(7, "random").take(32)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    dated = init(CORE_SOURCES, **DET)
    assert memory(dated, 0x100, 0x108) == (1_700_000_000 * 10**9).to_bytes(8, "little")


def test_host_mode_counts_calls_and_reads_the_real_clock():
    import time
    before = time.time_ns()
    run = init(CORE_SOURCES, wasi=True)
    assert before <= int.from_bytes(memory(run, 0x100, 0x108), "little") <= time.time_ns()
    assert dict(run.init.host.call_list())[P1 + "clock_time_get"] == 2


def test_file_bytes_and_fuel(tmp_path):
    (tmp_path / "data.txt").write_bytes(b"0123456789")
    run = init(READS_FILE, wasi=True, dirs=[(str(tmp_path), "/d")], fuel=1_000_000)
    assert run.init.host.file_bytes_read == 10
    assert memory(run, 0x400, 0x40a) == b"0123456789"
    assert dict(run.init.host.call_list()) == {P1 + "path_open": 1, P1 + "fd_read": 1}
    assert 0 < run.init.fuel_used < 1_000_000


def test_exit_through_a_forwarded_call_is_still_an_exit():
    from wizerscope.errors import InitError
    text = """(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1) (func (export "wizer-initialize") (call $exit (i32.const 3))))"""
    try:
        init(text, wasi=True)
    except InitError as e:
        assert "exited with status 3" in e.message
    else:
        raise AssertionError("proc_exit did not stop init")


def test_component_shadows_and_identical_outputs():
    opts = dict(DET, keep_init_func=True)
    first, second = init(COMPONENT_SOURCES, **opts), init(COMPONENT_SOURCES, **opts)
    assert first.output == second.output
    wall = memory(first, 0x100, 0x10c)
    assert wall == DEFAULT_EPOCH_S.to_bytes(8, "little") + (0).to_bytes(4, "little")
    assert memory(first, 0x110, 0x118) == (MONOTONIC_START_NS + CLOCK_STEP_NS).to_bytes(8, "little")
    assert memory(first, 0x200, 0x210) == SeededBytes(0, "random").take(16)
    assert memory(first, 0x220, 0x228) == SeededBytes(0, "insecure").take(8)
    assert memory(first, 0x230, 0x240) == SeededBytes(0, "insecure-seed").take(16)
    assert memory(first, 0x304, 0x308) == (1).to_bytes(4, "little")          # one variable: A=1
    names = [name for name, n in first.init.host.call_list() if n == 1]
    assert names == ["wasi:clocks/wall-clock@0.2.3.now", "wasi:clocks/monotonic-clock@0.2.3.now",
                     "wasi:random/random@0.2.3.get-random-bytes",
                     "wasi:random/insecure@0.2.3.get-insecure-random-u64",
                     "wasi:random/insecure-seed@0.2.3.insecure-seed", "wasi:cli/environment@0.2.3.get-environment"]
    assert component_call(first.output, "clock", wasi=True) == DEFAULT_EPOCH_S
    assert component_call(first.output, "random", wasi=True) == int.from_bytes(SeededBytes(0, "random").take(8), "little")


def test_component_host_mode_differs_between_runs():
    opts = dict(wasi=True, keep_init_func=True)
    assert init(COMPONENT_SOURCES, **opts).output != init(COMPONENT_SOURCES, **opts).output
