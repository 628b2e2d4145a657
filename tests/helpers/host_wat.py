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

# the component's one memory:
#   [0x100, 0x10c) wall clock (seconds u64, nanoseconds u32)   [0x110, 0x118) monotonic clock
#   [0x200, 0x210) 16 random bytes (their list at [0x180, 0x188), the bytes from the bump allocator at 0x2000)
#   [0x220, 0x228) an insecure u64          [0x230, 0x240) the insecure seed
#   [0x300, 0x308) the environment list (pointer, count), its entries and strings from 0x3000
COMPONENT_RANGES = {"clock": (0x100, 0x118), "random": (0x200, 0x240), "environment": (0x300, 0x308)}

COMPONENT_SOURCES = """(component
  (import "wasi:clocks/wall-clock@0.2.3" (instance $wall
     (type $dt (record (field "seconds" u64) (field "nanoseconds" u32)))
     (export "datetime" (type $dte (eq $dt)))
     (export "now" (func (result $dte)))))
  (import "wasi:clocks/monotonic-clock@0.2.3" (instance $mono (export "now" (func (result u64)))))
  (import "wasi:random/random@0.2.3" (instance $rand
     (export "get-random-bytes" (func (param "len" u64) (result (list u8))))))
  (import "wasi:random/insecure@0.2.3" (instance $insec (export "get-insecure-random-u64" (func (result u64)))))
  (import "wasi:random/insecure-seed@0.2.3" (instance $seed (export "insecure-seed" (func (result (tuple u64 u64))))))
  (import "wasi:cli/environment@0.2.3" (instance $env
     (export "get-environment" (func (result (list (tuple string string)))))))
  (core module $mem
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 0x2000))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (local $r i32)
      (local.set $r (i32.and (i32.add (global.get $bump) (i32.const 7)) (i32.const -8)))
      (global.set $bump (i32.add (local.get $r) (local.get 3)))
      (local.get $r)))
  (core instance $mi (instantiate $mem))
  (alias core export $mi "memory" (core memory $memory))
  (core func $wall_now (canon lower (func $wall "now") (memory $memory)))
  (core func $mono_now (canon lower (func $mono "now")))
  (core func $rand_bytes (canon lower (func $rand "get-random-bytes") (memory $memory) (realloc (core func $mi "realloc"))))
  (core func $insec_u64 (canon lower (func $insec "get-insecure-random-u64")))
  (core func $seed_get (canon lower (func $seed "insecure-seed") (memory $memory)))
  (core func $env_get (canon lower (func $env "get-environment") (memory $memory) (realloc (core func $mi "realloc"))))
  (core module $m
    (import "h" "wall" (func $wall (param i32)))
    (import "h" "mono" (func $mono (result i64)))
    (import "h" "rand" (func $rand (param i64 i32)))
    (import "h" "insec" (func $insec (result i64)))
    (import "h" "seed" (func $seed (param i32)))
    (import "h" "env" (func $env (param i32)))
    (import "m" "memory" (memory 1))
    (func (export "wizer-initialize")
      (call $wall (i32.const 0x100))
      (i64.store (i32.const 0x110) (call $mono))
      (call $rand (i64.const 16) (i32.const 0x180))
      (memory.copy (i32.const 0x200) (i32.load (i32.const 0x180)) (i32.const 16))
      (i64.store (i32.const 0x180) (i64.const 0))
      (i64.store (i32.const 0x220) (call $insec))
      (call $seed (i32.const 0x230))
      (call $env (i32.const 0x300)))
    (func (export "clock") (result i64) (i64.load (i32.const 0x100)))
    (func (export "random") (result i64) (i64.load (i32.const 0x200))))
  (core instance $i (instantiate $m
    (with "h" (instance (export "wall" (func $wall_now)) (export "mono" (func $mono_now))
                        (export "rand" (func $rand_bytes)) (export "insec" (func $insec_u64))
                        (export "seed" (func $seed_get)) (export "env" (func $env_get))))
    (with "m" (instance $mi))))
  (func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize")))
  (func (export "clock") (result u64) (canon lift (core func $i "clock")))
  (func (export "random") (result u64) (canon lift (core func $i "random")))
)"""

# init opens /d/data.txt in the first preopened directory and reads up to 16 bytes to 0x400
READS_FILE = """(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x40) "data.txt")
  (func (export "wizer-initialize")
    (drop (call $open (i32.const 3) (i32.const 0) (i32.const 0x40) (i32.const 8) (i32.const 0)
                      (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0x80)))
    (i32.store (i32.const 0x90) (i32.const 0x400))
    (i32.store (i32.const 0x94) (i32.const 16))
    (drop (call $read (i32.load (i32.const 0x80)) (i32.const 0x90) (i32.const 1) (i32.const 0x98)))))
"""
