"""Inputs whose init reads the clock, randomness and the environment, each into its own bytes, so a
test knows exactly where every host source lands in the snapshot."""
from __future__ import annotations

# memory 0 of the core module:
#   [0x100, 0x108) wall clock (ns)          [0x108, 0x110) monotonic clock (ns)
#   [0x200, 0x220) 32 random bytes          [0x300, 0x308) environ count and buffer size
#   [0x400, ...)   the environment strings (their pointers at [0x380, ...))
# global 0 ($t) holds the wall clock too; init also writes "hi\n" to stdout (a forwarded call).
CORE_RANGES = {"clock": (0x100, 0x110), "random": (0x200, 0x220), "environment": (0x300, 0x500)}

CORE_SOURCES = """(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $t (mut i64) (i64.const 0))
  (data (i32.const 0x40) "hi\\n")
  (func (export "wizer-initialize")
    (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 0x100)))
    (drop (call $clock (i32.const 1) (i64.const 1) (i32.const 0x108)))
    (global.set $t (i64.load (i32.const 0x100)))
    (drop (call $random (i32.const 0x200) (i32.const 32)))
    (drop (call $env_sizes (i32.const 0x300) (i32.const 0x304)))
    (drop (call $env_get (i32.const 0x380) (i32.const 0x400)))
    (i32.store (i32.const 0x50) (i32.const 0x40))
    (i32.store (i32.const 0x54) (i32.const 3))
    (drop (call $fd_write (i32.const 1) (i32.const 0x50) (i32.const 1) (i32.const 0x58)))
    (i32.store (i32.const 0x58) (i32.const 0)))
  (func (export "clock") (result i64) (i64.load (i32.const 0x100)))
  (func (export "random") (result i64) (i64.load (i32.const 0x200))))
"""
