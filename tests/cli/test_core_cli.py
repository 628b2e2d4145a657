"""`wizerscope init` as a user runs it: exit codes, one-paragraph errors on stderr, no output
file on failure (and an existing one left alone), `-` for stdin/stdout, `--json`, `--check`."""
from __future__ import annotations

import json

import pytest
import wasmtime

from tests.helpers.cli import run_cli

GOOD = """(module (memory (export "memory") 1) (global $g (mut i32) (i32.const 0))
  (func (export "wizer-initialize") (global.set $g (i32.const 42)) (i32.store (i32.const 64) (i32.const 7)))
  (func (export "run") (result i32) (global.get $g)))"""
THREE_PROBLEMS = """(module (import "env" "m" (memory 1)) (elem $e func 0)
  (func (export "wizer-initialize")) (func (export "x") (elem.drop $e))
  (export "__wizer_x" (func 0)))"""
TRAPS = '(module (func (export "wizer-initialize") unreachable))'


def _no_traceback(stderr: bytes) -> str:
    text = stderr.decode()
    assert "Traceback" not in text, text
    return text


def test_file_to_file_with_json_report(tmp_path, reference):
    src, out = tmp_path / "in.wat", tmp_path / "out.wasm"
    src.write_text(GOOD)
    p = run_cli("init", str(src), "-o", str(out), "--json")
    assert p.returncode == 0, p.stderr.decode()
    rep = json.loads(p.stdout)
    assert rep["schema"] == 1 and rep["kind"] == "module" and rep["component"] is None
    (mod,) = rep["modules"]
    assert mod["path"] == "" and mod["core_instance"] is None
    assert mod["globals"] == [{"index": 0, "name": "g", "type": "i32", "before": "0", "after": "42",
                               "changed": True}]
    assert mod["segments"]["final"] == 1 and mod["segments"]["list"] == [{"memory": 0, "offset": 64, "length": 1}]
    assert mod["memories"][0]["pages_after"] == 1
    sizes = {k: rep["sizes"][k] for k in ("input", "output", "snapshot")}
    assert sizes == {"input": len(wasmtime.wat2wasm(GOOD)), "output": out.stat().st_size, "snapshot": 1}
    assert mod["rewrite"]["removed_exports"] == ["wizer-initialize"]
    assert set(rep["timings"]) >= {"check", "instrument", "compile", "instantiate", "init", "snapshot after",
                                   "rewrite", "validate"}
    assert out.read_bytes() == reference(src).require_output()


def test_stdin_to_stdout_matches_reference(reference):
    wasm = wasmtime.wat2wasm(GOOD)
    p = run_cli("init", "-", "-o", "-", input=wasm)
    assert p.returncode == 0, p.stderr.decode()
    ref = reference(wasm, stdin=True)
    assert ref.returncode == 0
    assert p.stdout == ref.stdout and p.stdout[:4] == b"\0asm"
    # without -o, stdout is the default output too (and WAT on stdin works)
    p = run_cli("init", "-", input=GOOD.encode())
    assert p.returncode == 0 and p.stdout == ref.stdout


@pytest.mark.parametrize("wat, flags, expected", [
    (THREE_PROBLEMS, [], ["3 rejections", "unsupported `elem.drop` instruction",
                          "already exports entities named with the `__wizer_*` prefix",
                          "imported memories are not supported"]),
    (TRAPS, [], ["the `wizer-initialize` function trapped", "unreachable"]),
    (GOOD, ["-f", "nope"], ["the Wasm module does not have a `nope` export", "`run`"]),
    ("(module (func (result i32)))", [], ["wasm validation failed"]),
])
def test_failures_exit_1_and_write_nothing(wat, flags, expected, tmp_path):
    src, out = tmp_path / "in.wat", tmp_path / "out.wasm"
    src.write_text(wat)
    out.write_bytes(b"previous")                     # an existing output stays as it was
    p = run_cli("init", str(src), "-o", str(out), *flags)
    assert p.returncode == 1
    text = _no_traceback(p.stderr)
    for piece in expected:
        assert piece in text, text
    assert out.read_bytes() == b"previous"
    assert sorted(f.name for f in tmp_path.iterdir()) == ["in.wat", "out.wasm"]   # no temp files left
    assert p.stdout == b""


@pytest.mark.parametrize("flags, expected", [
    (["-r", "x"], "must contain exactly one equals character ('=')"),
    (["--dir", "/tmp"], "need WASI"),
])
def test_option_errors_exit_2_and_write_nothing(flags, expected, tmp_path):
    """A bad option value is an argument error, like argparse's own: exit 2, nothing written."""
    src, out = tmp_path / "in.wat", tmp_path / "out.wasm"
    src.write_text(GOOD)
    p = run_cli("init", str(src), "-o", str(out), *flags)
    assert p.returncode == 2 and expected in _no_traceback(p.stderr)
    assert not out.exists() and p.stdout == b""


@pytest.mark.parametrize("content, expected", [
    (b"garbage!", "is not a WebAssembly binary"),
    (b"\0asm\x01\x00", "truncated"),
    (b"", "empty"),
    (b"(module (func", "is not valid WAT text"),
    (None, "failed to read input Wasm module"),
])
def test_bad_input_is_one_paragraph(content, expected, tmp_path):
    src = tmp_path / "in.wasm"
    if content is not None:
        src.write_bytes(content)
    p = run_cli("init", str(src), "-o", str(tmp_path / "out.wasm"))
    assert p.returncode == 1
    text = _no_traceback(p.stderr)
    assert expected in text and text.startswith("error: ") and text.count("\n") == 1, text
    assert not (tmp_path / "out.wasm").exists()


def test_check_lists_every_rejection(tmp_path):
    src = tmp_path / "in.wat"
    src.write_text(THREE_PROBLEMS)
    p = run_cli("init", "--check", str(src))
    assert p.returncode == 1
    lines = [ln for ln in _no_traceback(p.stderr).splitlines() if ln.startswith("rejected: ")]
    assert len(lines) == 3
    src.write_text(GOOD)
    p = run_cli("init", "--check", str(src))
    assert p.returncode == 0 and "no rejections" in p.stderr.decode()


def test_json_needs_an_output_file(tmp_path):
    src = tmp_path / "in.wat"
    src.write_text(GOOD)
    p = run_cli("init", str(src), "--json")
    assert p.returncode == 1 and "needs -o FILE" in _no_traceback(p.stderr)


def test_init_results_are_printed(tmp_path, reference):
    src, out = tmp_path / "in.wat", tmp_path / "out.wasm"
    src.write_text('(module (func (export "init") (result i32) (i32.const 7)))')
    p = run_cli("init", str(src), "-f", "init", "-o", str(out))
    assert p.returncode == 0 and "7" in p.stdout.decode()
    ref = reference(src, "-f", "init")
    assert ref.returncode == 0 and ref.stdout.decode().strip() == "7"
    assert out.read_bytes() == ref.output


# -- the compiler for init code: Winch where it can, Cranelift where it must ----------------------
SIMD = """(module (memory (export "memory") 1) (global $g (mut i64) (i64.const 0))
  (func (export "wizer-initialize")
    (v128.store (i32.const 16) (i32x4.add (v128.const i32x4 1 2 3 4) (v128.const i32x4 10 20 30 40)))
    (global.set $g (i64.load (i32.const 16))))
  (func (export "run") (result i64) (global.get $g)))"""
FLOATS = """(module (memory (export "memory") 1) (global $f (mut f64) (f64.const 0)) (global $n (mut f32) (f32.const 0))
  (func (export "wizer-initialize")
    (global.set $f (f64.sqrt (f64.const 2)))
    (global.set $n (f32.add (f32.const nan:0x200001) (f32.const 1)))
    (f32.store (i32.const 8) (f32.div (f32.const 0) (f32.const 0)))
    (f64.store (i32.const 16) (f64.min (f64.const -0) (f64.const 0)))
    (f32.store (i32.const 24) (f32.demote_f64 (f64.const nan:0x8000000000001)))))"""


@pytest.mark.parametrize("wat, compiler", [(GOOD, "winch"), (FLOATS, "winch"), (SIMD, "cranelift")])
def test_every_compiler_gives_the_references_bytes(wat, compiler, tmp_path, reference):
    """The init code is compiled by Winch (faster to compile; init runs once), or by Cranelift
    when it uses a proposal Winch lacks (SIMD here); both give the reference's exact output,
    NaN payloads included."""
    from wizerscope.preinit.runtime.engines import winch_supported
    if not winch_supported():           # not x86-64 with SSE4/AVX: Cranelift compiles everything
        compiler = "cranelift"
    src = tmp_path / "in.wat"
    src.write_text(wat)
    ref = reference(src).require_output()
    outs = {}
    for flag in ("auto", "cranelift") + (("winch",) if compiler == "winch" else ()):
        out = tmp_path / f"{flag}.wasm"
        p = run_cli("init", str(src), "-o", str(out), "--json", "-C", f"compiler={flag}")
        assert p.returncode == 0, p.stderr.decode()
        outs[flag] = (out.read_bytes(), json.loads(p.stdout)["compiler"])
    assert outs["auto"][1] == compiler and outs["cranelift"][1] == "cranelift"
    assert all(data == ref for data, _ in outs.values())


def test_winch_only_cannot_compile_simd(tmp_path):
    from wizerscope.preinit.runtime.engines import winch_supported
    if not winch_supported():
        pytest.skip("Winch is not used on this CPU")
    src = tmp_path / "simd.wat"
    src.write_text(SIMD)
    p = run_cli("init", str(src), "-o", str(tmp_path / "out.wasm"), "-C", "compiler=winch")
    text = _no_traceback(p.stderr)
    assert p.returncode == 1 and text.startswith("error: failed to compile the Wasm module:")
    assert "SIMD" in text and not (tmp_path / "out.wasm").exists()
    p = run_cli("init", str(src), "-o", str(tmp_path / "out.wasm"), "-C", "compiler=fast")
    assert p.returncode == 2 and "expected auto, winch or cranelift" in _no_traceback(p.stderr)


def test_names_with_control_characters_keep_messages_on_one_line(tmp_path):
    """Found by the mutation fuzzer: an export named `wi<newline>er-initialize` made the
    missing-export message two lines. Names from the binary are escaped in every message."""
    src = tmp_path / "odd.wat"
    src.write_text('(module (func (export "wi\\0aer-initialize")) (func (export "tab\\09bed") (param i32)))')
    p = run_cli("init", str(src), "-o", str(tmp_path / "out.wasm"))
    text = _no_traceback(p.stderr)
    assert p.returncode == 1 and text.count("\n") == 1 and "`wi\\ner-initialize`" in text
