"""A deep init must not run out of stack where `wasmtime wizer` does not (docs/stack.md).

The input reproduces the class without a big file: a recursive init whose frames are large (64
live i64 locals). The reference's optimised code runs it within wasmtime's default 512 KiB stack;
Winch and unoptimised Cranelift frames are several times larger, so under that default it traps.
"""
from __future__ import annotations

import json

import pytest
import wasmtime

from wizerscope import cli
from wizerscope.preinit.runtime import engines, internals

LOCALS = 64
DEEP = 16000       # the reference passes (it fails at 32000); Winch at 512 KiB fails from about 1000
MEDIUM = 1500      # fits Winch within 2 MiB: no retry needed


def deep_wat(depth: int, nlocals: int = LOCALS) -> str:
    """``$rec(n)`` keeps ``nlocals`` i64 locals live across its recursive call, ``depth`` deep."""
    sets = "\n".join(f"(local.set {i + 1} (i64.add (local.get {i + 1}) (i64.extend_i32_u (local.get 0))))"
                     for i in range(nlocals))
    total = "".join(f"(i64.add (local.get {i + 1})" for i in range(nlocals)) + " (i64.const 0)" + ")" * nlocals
    return f'''(module (memory (export "memory") 1) (global $g (mut i64) (i64.const 0))
  (func $rec (param i32) (result i64) (local {" ".join(["i64"] * nlocals)})
    {sets}
    (if (result i64) (i32.eqz (local.get 0)) (then (i64.const 1))
      (else (i64.add (call $rec (i32.sub (local.get 0) (i32.const 1))) {total}))))
  (func (export "wizer-initialize")
    (global.set $g (call $rec (i32.const {depth})))
    (i64.store (i32.const 0) (global.get $g))))'''


def _runs_at_old_default(wasm: bytes) -> bool:
    """Whether the init fits the settings wizerscope had before: Winch, wasmtime's default stack."""
    c = wasmtime.Config()
    c.max_wasm_stack = engines.WASMTIME_DEFAULT_STACK
    if engines.winch_supported():
        internals.use_winch(c)
    else:
        c.cranelift_opt_level = "none"
    engine = wasmtime.Engine(c)
    store = wasmtime.Store(engine)
    inst = wasmtime.Instance(store, wasmtime.Module(engine, wasm), [])
    try:
        inst.exports(store)["wizer-initialize"](store)
    except wasmtime.Trap as e:
        assert "call stack exhausted" in str(e)
        return False
    return True


def _init(tmp_path, capsys, wasm: bytes, *flags: str) -> tuple[int, dict | None, str, bytes | None]:
    src, out = tmp_path / "in.wasm", tmp_path / "out.wasm"
    src.write_bytes(wasm)
    code = cli.main(["init", str(src), "-o", str(out), "--json", *flags])
    captured = capsys.readouterr()
    report = json.loads(captured.out) if code == 0 else None
    return code, report, captured.err, out.read_bytes() if out.exists() else None


@pytest.mark.parametrize("depth", [MEDIUM, DEEP])
def test_deep_init_that_the_reference_runs_succeeds(depth, tmp_path, capsys, wat, reference):
    wasm = wat(deep_wat(depth))
    assert not _runs_at_old_default(wasm)            # the class: today's settings ran out of stack
    code, report, err, out = _init(tmp_path, capsys, wasm)
    assert code == 0, err
    assert out == reference(wasm).require_output()
    retried = any("optimised Cranelift" in n for n in report["notes"])
    assert retried == (depth == DEEP)                 # 2 MiB of stack suffices for the medium one
    if retried:
        assert "note: init ran out of wasm stack" in err and report["compiler"] == "cranelift"


def test_a_too_small_stack_fails_with_the_trap_and_its_backtrace(tmp_path, capsys, wat):
    code, _, err, out = _init(tmp_path, capsys, wat(deep_wat(DEEP * 8)), "-W", "max-wasm-stack=65536")
    assert code == 1 and "call stack exhausted" in err and out is None
    assert "Traceback" not in err


@pytest.mark.parametrize("value", ["0", "2097153", "big"])
def test_max_wasm_stack_is_validated(value, tmp_path, capsys, wat):
    code, _, err, _ = _init(tmp_path, capsys, wat(deep_wat(1)), "-W", f"max-wasm-stack={value}")
    assert code == 2 and "max-wasm-stack" in err


def test_a_repeated_deep_init_is_compiled_optimised_at_once(tmp_path, capsys, wat, cache_home):
    """The retry is remembered beside the check verdicts (preinit/verdicts.py): the next run of
    the same init on the same input does not run into the exhaustion first. Only with the cache on,
    and per init function."""
    wasm = wat(deep_wat(DEEP))
    code, first, err, out1 = _init(tmp_path, capsys, wasm)
    assert code == 0, err
    assert any("compiled again with optimised Cranelift" in n for n in first["notes"])
    code, second, err, out2 = _init(tmp_path, capsys, wasm)
    assert code == 0, err
    assert any("in an earlier run" in n for n in second["notes"]) and out2 == out1
    assert second["compiler"] == "cranelift" and "instrument" in second["timings"]
    code, off, err, out3 = _init(tmp_path, capsys, wasm, "-C", "cache=n")
    assert code == 0 and out3 == out1
    assert any("compiled again with optimised Cranelift" in n for n in off["notes"])
