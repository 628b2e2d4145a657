"""WAT inputs with a known memory layout, for the anatomy, dead-stack and start-up tests.

``LAYOUT`` is laid out the way wasm-ld lays out a C program by default: static data from 1024
(``.rodata`` then ``.data``), zero-initialised data up to ``__data_end`` = 1100, the stack from
1104 (aligned) up to the stack pointer's initial 8192, the heap from ``__heap_base`` = 8192. Its
init leaves 4 bytes below the data (unknown), 4 in .bss, 16 dead stack bytes at 8128, 8 live ones
at 8160 (the stack pointer ends at 8160) and 100 heap bytes at 10000.
"""
from __future__ import annotations

LAYOUT = r"""(module
  (memory (export "memory") 2)
  (global $__stack_pointer (mut i32) (i32.const 8192))
  (global $__data_end i32 (i32.const 1100))
  (global $__heap_base i32 (i32.const 8192))
  (export "__data_end" (global $__data_end))
  (export "__heap_base" (global $__heap_base))
  (data $.rodata (i32.const 1024) "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10")
  (data $.data (i32.const 1040) "\11\12\13\14\15\16\17\18")
  (func (export "wizer-initialize")
    (global.set $__stack_pointer (i32.const 8128))
    (i64.store (i32.const 8128) (i64.const -1))
    (i64.store (i32.const 8136) (i64.const -1))
    (global.set $__stack_pointer (i32.const 8160))
    (i64.store (i32.const 8160) (i64.const -1))
    (i32.store (i32.const 1072) (i32.const -1))
    (i32.store (i32.const 512) (i32.const -1))
    (memory.fill (i32.const 10000) (i32.const 7) (i32.const 100)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "sp") (result i32) (global.get $__stack_pointer)))
"""

# the expected anatomy of LAYOUT: (kind, name, start, end, snapshot bytes)
LAYOUT_REGIONS = [
    ("unknown", None, 0, 1024, 4),
    ("static", ".rodata", 1024, 1040, 16),
    ("static", ".data", 1040, 1048, 8),
    ("bss", ".bss", 1048, 1100, 4),
    ("stack-dead", "below the stack pointer", 1104, 8160, 16),
    ("stack-live", "stack", 8160, 8192, 8),
    ("heap", "heap", 8192, 131072, 100),
]

# wasm-ld --stack-first: the stack from 0 to 4096, data above it, the heap from __heap_base = 4112.
STACK_FIRST = r"""(module
  (memory (export "memory") 1)
  (global $__stack_pointer (mut i32) (i32.const 4096))
  (global $__heap_base i32 (i32.const 4112))
  (export "__heap_base" (global $__heap_base))
  (data $.rodata (i32.const 4096) "abcdefgh")
  (func (export "wizer-initialize")
    (i64.store (i32.const 4000) (i64.const -1))
    (i32.store (i32.const 5000) (i32.const -1))))
"""

STACK_FIRST_REGIONS = [
    ("stack-dead", "below the stack pointer", 0, 4096, 8),
    ("static", ".rodata", 4096, 4104, 8),
    ("heap", "heap", 4112, 65536, 4),
]

# no names, no exports: nothing is known but the (unnamed) segment
OPAQUE = r"""(module
  (memory (export "memory") 1)
  (global (mut i32) (i32.const 4096))
  (data (i32.const 16) "xyz")
  (func (export "wizer-initialize") (i32.store (i32.const 9000) (i32.const -1))))
"""

OPAQUE_REGIONS = [
    ("static", None, 16, 19, 3),
    ("unknown", "heap or .bss (no __heap_base)", 19, 65536, 4),
]

# init spins a while (a costly init) and leaves one table in memory: the start-up win is large
COSTLY = r"""(module
  (memory (export "memory") 1)
  (global $acc (mut i32) (i32.const 0))
  (func (export "wizer-initialize") (local $i i32)
    (loop $l
      (global.set $acc (i32.add (global.get $acc) (i32.mul (local.get $i) (local.get $i))))
      (i32.store (i32.and (i32.shl (local.get $i) (i32.const 2)) (i32.const 4095)) (global.get $acc))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3000000)))))
  (func (export "acc") (result i32) (global.get $acc)))
"""

# no names either, but init grows the memory: the grown page can only be heap
GROWS = r"""(module
  (memory (export "memory") 1)
  (data (i32.const 16) "xyz")
  (func (export "wizer-initialize")
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.const 9000) (i32.const -1))
    (i32.store (i32.const 70000) (i32.const -1))))
"""

GROWS_REGIONS = [
    ("static", None, 16, 19, 3),
    ("unknown", "heap or .bss (no __heap_base)", 19, 65536, 4),
    ("heap", "heap (pages grown during init)", 65536, 131072, 4),
]
