"""WAT inputs shared by the session, inspect and TUI tests (written to files: the app opens paths)."""
from __future__ import annotations

from pathlib import Path

from tests.helpers import ROOT

COUNTER = (ROOT / "examples" / "counter.wat").read_text()

# The start function runs at instantiation: "before init" must show its effect, not the binary's initializer.
START_THEN_INIT = """(module
  (memory (export "memory") 1)
  (global $phase (mut i32) (i32.const 0))
  (func $start (global.set $phase (i32.const 5)) (i32.store8 (i32.const 100) (i32.const 1)))
  (start $start)
  (func (export "wizer-initialize") (global.set $phase (i32.const 7)) (i32.store8 (i32.const 101) (i32.const 2))))
"""

FOREVER = """(module
  (memory (export "memory") 1)
  (func (export "wizer-initialize") (loop $l (br $l))))
"""

TRAPS = """(module
  (func $deep (unreachable))
  (func $middle (call $deep))
  (func (export "wizer-initialize") (call $middle)))
"""

REJECTED = """(module
  (table $t 1 externref)
  (memory (export "memory") 1)
  (func (export "wizer-initialize") (drop (table.grow $t (ref.null extern) (i32.const 1))))
  (func (export "other") (table.set $t (i32.const 0) (ref.null extern))))
"""

# init asks WASI for random bytes and stores them: every run freezes different bytes.
RANDOM = """(module
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $seed (mut i64) (i64.const 0))
  (func (export "wizer-initialize")
    (drop (call $random_get (i32.const 256) (i32.const 32)))
    (global.set $seed (i64.load (i32.const 256)))))
"""

# 100 MiB of memory with a few bytes written far apart: the diff must stay cheap.
BIG = """(module
  (memory (export "memory") 1600)
  (func (export "wizer-initialize")
    (i32.store8 (i32.const 16) (i32.const 1))
    (i32.store8 (i32.const 52428800) (i32.const 2))
    (i32.store8 (i32.const 104857599) (i32.const 3))))
"""

NESTED = """(component
  (component $inner
    (core module $m
      (memory (export "memory") 1)
      (global $g (mut i32) (i32.const 0))
      (func (export "wizer-initialize")
        (global.set $g (i32.const 42))
        (i32.store (i32.const 64) (i32.const 0x2a2a2a2a)))
      (func (export "get") (result i32) (global.get $g)))
    (core instance $i (instantiate $m))
    (func $init (canon lift (core func $i "wizer-initialize")))
    (func $get (result s32) (canon lift (core func $i "get")))
    (export "wizer-initialize" (func $init))
    (export "get" (func $get)))
  (instance $x (instantiate $inner))
  (alias export $x "wizer-initialize" (func $f))
  (alias export $x "get" (func $g))
  (export "wizer-initialize" (func $f))
  (export "get" (func $g)))
"""


# A counter module instantiated twice; init bumps the first instance once and the second three
# times (through a second init function that the same module exports), so the two instances end
# in different states that one shared definition could not hold.
TWICE = """(component
  (core module $counter (memory (export "mem") 1) (global $n (mut i32) (i32.const 0))
    (data (i32.const 8) "seed")
    (func (export "bump") (global.set $n (i32.add (global.get $n) (i32.const 1)))
      (i32.store (i32.const 64) (i32.mul (global.get $n) (i32.const 1111))))
    (func (export "get") (result i32) (i32.add (global.get $n) (i32.load (i32.const 64)))))
  (core instance $a (instantiate $counter))
  (core instance $b (instantiate $counter))
  (core module $init (import "a" "bump" (func $a)) (import "b" "bump" (func $b))
    (func (export "wizer-initialize") (call $a) (call $b) (call $b) (call $b)))
  (core instance $i (instantiate $init (with "a" (instance $a)) (with "b" (instance $b))))
  (func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize")))
  (func (export "get-a") (result s32) (canon lift (core func $a "get")))
  (func (export "get-b") (result s32) (canon lift (core func $b "get"))))"""


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)
