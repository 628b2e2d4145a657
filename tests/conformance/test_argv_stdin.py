"""What init sees of the process (issue 11): like `wasmtime wizer`, argv is the input's name as
given and stdin is ours; the snapshot shows both (compared byte for byte with the reference)."""
from __future__ import annotations

import subprocess
import sys

import wasmtime

from tests.helpers.reference import ENV

# stores argc and the argv buffer size at 0, argv pointers at 16, argv bytes at 100, stdin at 300
ARGS = '''(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sz (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $rd (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wizer-initialize")
    (drop (call $sz (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 16) (i32.const 100)))
    (i32.store (i32.const 40) (i32.const 300)) (i32.store (i32.const 44) (i32.const 64))
    (drop (call $rd (i32.const 0) (i32.const 40) (i32.const 1) (i32.const 48)))))'''


def _ours(cwd) -> bytes:
    p = subprocess.run([sys.executable, "-m", "wizerscope", "init", "-S", "cli", "args.wasm", "-o", "ours.wasm"],
                       cwd=cwd, input=b"STDIN-DATA\n", capture_output=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return (cwd / "ours.wasm").read_bytes()


def test_init_sees_its_name_and_our_stdin(tmp_path):
    (tmp_path / "args.wasm").write_bytes(wasmtime.wat2wasm(ARGS))
    out = _ours(tmp_path)
    assert b"args.wasm" in out and b"STDIN-DATA\n" in out


def test_same_as_the_reference(tmp_path, wasmtime_cli):
    (tmp_path / "args.wasm").write_bytes(wasmtime.wat2wasm(ARGS))
    p = subprocess.run([wasmtime_cli, "wizer", "-C", "cache=n", "-S", "cli", "args.wasm", "-o", "ref.wasm"],
                       cwd=tmp_path, input=b"STDIN-DATA\n", capture_output=True, timeout=120, env=ENV)
    assert p.returncode == 0, p.stderr
    assert _ours(tmp_path) == (tmp_path / "ref.wasm").read_bytes()
