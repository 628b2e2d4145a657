#!/usr/bin/env python3
"""Mutation fuzzing of wizerscope's input handling: hostile bytes must end in a clean error.

Why: wizerscope sits in build pipelines and its inspector gets pointed at anything, so every input,
however broken, must end in either a :class:`~wizerscope.errors.WizerscopeError` (one paragraph,
the CLI's exit 1) or a valid pre-initialized output, never another exception, a hang or a memory
blow-up. This file is the harness: the seeds (modules and components built from WAT, plus the
shared corpus's small items when it is present), the mutators, and the oracle. The test suite runs
it for a few seconds through hypothesis (``tests/fuzz/test_fuzz_inputs.py``); this script runs it long::

    python scripts/fuzz_inputs.py --count 10000 --seed 1

Every input goes through what the CLI and the inspector do with it: the header check, the core or
component parser, the inspector's analysis (:class:`wizerscope.session.Session`, which must keep
errors as rejections and never raise), then a full pre-initialization bounded by fuel, a timeout
and a memory cap. An output must validate and parse again. Exit status 1 if any input crashed; the
crashing inputs are saved with ``--keep DIR``.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import random
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import wasmtime  # noqa: E402

from wizerscope.binary.component import recursion_room  # noqa: E402
from wizerscope.errors import WizerscopeError  # noqa: E402
from wizerscope.preinit.runtime.engines import validate  # noqa: E402
from wizerscope.preinit.options import Options  # noqa: E402

CORPUS = Path(os.environ.get("WIZERSCOPE_CORPUS", "/tmp/wizerscope-corpus"))

# Limits that keep one input cheap: a mutated loop bound or memory.grow must not stall the run.
FUEL = 200_000_000
TIMEOUT = 5.0
MAX_MEMORY = 64 << 20


@dataclass(frozen=True)
class Seed:
    """A real input to mutate, with the options it pre-initializes with."""

    name: str
    wasm: bytes
    init_func: str = "wizer-initialize"
    wasi: bool = False


MODULE_WAT = r"""(module $seed
  (type $t (func (result i32)))
  (import "env" "never_called" (func $ext (param i32)))
  (memory $m0 1 4)
  (memory $m1 i64 1)
  (table 2 funcref)
  (global $counter (mut i32) (i32.const 0))
  (global $wide (mut i64) (i64.const -1))
  (global $f (mut f32) (f32.const nan:0x200001))
  (global $d (mut f64) (f64.const -0.5))
  (global $v (mut v128) (v128.const i32x4 1 2 3 4))
  (global $k i32 (i32.const 7))
  (elem (i32.const 0) $get $sq)
  (data (i32.const 16) "hello")
  (data $p "passive bytes")
  (func $start (global.set $counter (i32.const 1)))
  (start $start)
  (func $get (type $t) (global.get $counter))
  (func $sq (type $t) (i32.mul (global.get $k) (global.get $k)))
  (func $init (export "wizer-initialize")
    (local $i i32)
    (memory.init $p (i32.const 100) (i32.const 0) (i32.const 13))
    (loop $l
      (i32.store8 (i32.add (i32.const 4096) (local.get $i)) (local.get $i))
      (i64.store $m1 (i64.extend_i32_u (i32.mul (local.get $i) (i32.const 64))) (i64.const 0x0102030405060708))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 200))))
    (drop (memory.grow (i32.const 1)))
    (global.set $counter (i32.add (global.get $counter) (call_indirect (type $t) (i32.const 1))))
    (global.set $wide (i64.const 0x1122334455667788))
    (global.set $v (i32x4.add (global.get $v) (global.get $v))))
  (func (export "run") (result i32) (i32.add (global.get $counter) (i32.load8_u (i32.const 4100))))
  (func (export "_initialize") (global.set $d (f64.const 2.5)))
  (export "mem" (memory $m0)))"""

COMPONENT_WAT = r"""(component
  (core module $m
    (memory (export "memory") 1)
    (global $g (mut i32) (i32.const 0))
    (global $h (mut i64) (i64.const 0))
    (func (export "wizer-initialize")
      (global.set $g (i32.const 41))
      (global.set $h (i64.const 9))
      (i32.store (i32.const 1024) (i32.const 0xdeadbeef)))
    (func (export "run") (param i32) (result i32)
      (i32.add (local.get 0) (i32.add (global.get $g) (i32.load8_u (i32.const 1024))))))
  (core instance $i (instantiate $m))
  (core module $other (global (export "x") (mut f64) (f64.const 1.5)) (func (export "f")))
  (core instance $o (instantiate $other))
  (type $shim-ty (instance (export "ping" (func (result s32)))))
  (func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize")))
  (func $run (export "run") (param "arg" s32) (result s32) (canon lift (core func $i "run"))))"""

# a module and a nested component each instantiated twice: the specialisation path (copies and
# renumbered indices) under mutation
TWICE_WAT = r"""(component
  (core module $m (global $n (mut i32) (i32.const 0)) (memory (export "mem") 1)
    (func (export "bump") (global.set $n (i32.add (global.get $n) (i32.const 1))) (i32.store (i32.const 8) (global.get $n)))
    (func (export "get") (result i32) (global.get $n)))
  (core instance $a (instantiate $m))
  (core instance $b (instantiate $m))
  (component $c
    (core module $k (global $g (mut i32) (i32.const 0)) (func (export "set") (global.set $g (i32.const 3))))
    (core instance $ki (instantiate $k))
    (func (export "set") (canon lift (core func $ki "set"))))
  (instance $x (instantiate $c))
  (instance $y (instantiate $c))
  (alias export $y "set" (func $set-y))
  (core func $sy (canon lower (func $set-y)))
  (core module $init (import "a" "bump" (func $a)) (import "b" "bump" (func $b)) (import "y" "set" (func $y))
    (func (export "wizer-initialize") (call $a) (call $b) (call $b) (call $y)))
  (core instance $i (instantiate $init (with "a" (instance $a)) (with "b" (instance $b))
                                       (with "y" (instance (export "set" (func $sy))))))
  (func (export "wizer-initialize") (canon lift (core func $i "wizer-initialize")))
  (func (export "get") (result s32) (canon lift (core func $b "get"))))"""

# (corpus file, init function, needs WASI): the small items, so a mutation is cheap to run
CORPUS_SEEDS = (("as_state.wasm", "wizerInitialize", False), ("c_hashmap.wasm", "wizer-initialize", True),
                ("reject_calls_import.wasm", "wizer-initialize", False),
                ("reject_table_set.wasm", "wizer-initialize", False),
                ("comp_counter.wasm", "wizer-initialize", False),
                ("reject_nested_component.wasm", "wizer-initialize", False))


def seeds(corpus: Path | None = CORPUS) -> list[Seed]:
    """The inputs mutations start from: WAT-built ones always, corpus ones when present."""
    out = [Seed("module.wat", wasmtime.wat2wasm(MODULE_WAT)),
           Seed("component.wat", wasmtime.wat2wasm(COMPONENT_WAT)),
           Seed("twice.wat", wasmtime.wat2wasm(TWICE_WAT)),
           Seed("counter.wat", wasmtime.wat2wasm((ROOT / "examples/counter.wat").read_text()))]
    if corpus is not None and corpus.is_dir():
        for name, init, wasi in CORPUS_SEEDS:
            path = corpus / name
            if path.exists():
                out.append(Seed(name, path.read_bytes(), init, wasi))
    return out


# -- mutators: each takes the bytes and a random source and returns new bytes ----------------------
def _section_starts(data: bytes) -> list[tuple[int, int, int]]:
    """(offset, id, total length) of each top-level section, as far as the framing is readable."""
    out, pos = [], 8
    while pos < len(data):
        start, sid = pos, data[pos]
        pos += 1
        size = shift = 0
        while pos < len(data):
            b = data[pos]
            pos += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80 or shift > 35:
                break
        end = pos + size
        if end > len(data):
            break
        out.append((start, sid, end - start))
        pos = end
    return out


def truncate(data: bytes, rnd: random.Random) -> bytes:
    return data[:rnd.randrange(len(data) + 1)]


def flip_bit(data: bytes, rnd: random.Random) -> bytes:
    if not data:
        return data
    i = rnd.randrange(len(data))
    return data[:i] + bytes((data[i] ^ (1 << rnd.randrange(8)),)) + data[i + 1:]


def set_byte(data: bytes, rnd: random.Random) -> bytes:
    """A byte set to a boundary value: LEB continuation, sign bit, zero, all ones, a section id."""
    if not data:
        return data
    i = rnd.randrange(len(data))
    v = rnd.choice((0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0B, 0x40, rnd.randrange(256)))
    return data[:i] + bytes((v,)) + data[i + 1:]


def leb_bomb(data: bytes, rnd: random.Random) -> bytes:
    """An over-long or overflowing LEB128 spliced in (counts, sizes, indices become absurd)."""
    i = rnd.randrange(8, len(data) + 1) if len(data) > 8 else len(data)
    bomb = rnd.choice((b"\xff\xff\xff\xff\x0f", b"\xff\xff\xff\xff\x7f", b"\x80\x80\x80\x80\x80\x00",
                       b"\xff" * 11, b"\x80\x80\x80\x80\x10"))
    return data[:i] + bomb + data[i + rnd.choice((0, 1, 2, 5)):]


def insert_bytes(data: bytes, rnd: random.Random) -> bytes:
    i = rnd.randrange(len(data) + 1)
    return data[:i] + rnd.randbytes(rnd.randint(1, 16)) + data[i:]


def delete_range(data: bytes, rnd: random.Random) -> bytes:
    if not data:
        return data
    i = rnd.randrange(len(data))
    return data[:i] + data[i + rnd.randint(1, 32):]


def duplicate_section(data: bytes, rnd: random.Random) -> bytes:
    secs = _section_starts(data)
    if not secs:
        return insert_bytes(data, rnd)
    start, _, length = rnd.choice(secs)
    at = rnd.choice(secs)[0]
    return data[:at] + data[start:start + length] + data[at:]


def drop_section(data: bytes, rnd: random.Random) -> bytes:
    secs = _section_starts(data)
    if not secs:
        return delete_range(data, rnd)
    start, _, length = rnd.choice(secs)
    return data[:start] + data[start + length:]


def swap_header(data: bytes, rnd: random.Random) -> bytes:
    """Module bytes under a component header and vice versa, or a bogus version."""
    head = rnd.choice((b"\0asm\x01\0\0\0", b"\0asm\x0d\0\x01\0", b"\0asm\x02\0\0\0", b"\0asm\x0d\0\x02\0"))
    return head + data[8:]


def unknown_section(data: bytes, rnd: random.Random) -> bytes:
    secs = _section_starts(data)
    at = rnd.choice(secs)[0] if secs else len(data)
    payload = rnd.randbytes(rnd.randint(0, 8))
    sid = rnd.choice((0x0E, 0x0F, 0x14, 0x42, 0x7F, 0xFF))
    return data[:at] + bytes((sid, len(payload))) + payload + data[at:]


def bad_utf8_name(data: bytes, rnd: random.Random) -> bytes:
    """A name-length byte followed by an invalid UTF-8 sequence at a random place."""
    i = rnd.randrange(8, len(data)) if len(data) > 8 else len(data)
    bad = rnd.choice((b"\x02\xff\xfe", b"\x03\xe2\x28\xa1", b"\x01\x80", b"\x04\xed\xa0\x80\x41"))
    return data[:i] + bad + data[i + len(bad):]


def section_size_past_end(data: bytes, rnd: random.Random) -> bytes:
    secs = _section_starts(data)
    if not secs:
        return leb_bomb(data, rnd)
    start, _, length = rnd.choice(secs)
    big = rnd.choice((b"\xff\xff\xff\xff\x0f", b"\x80\x80\x04", bytes((0x7F,))))
    size_end = start + 1
    while size_end < len(data) and data[size_end] & 0x80:
        size_end += 1
    return data[:start + 1] + big + data[size_end + 1:]


def splice(data: bytes, rnd: random.Random, other: bytes | None = None) -> bytes:
    """Head of this input, tail of another (sections from a module inside a component, ...)."""
    other = other if other is not None else data
    return data[:rnd.randrange(len(data) + 1)] + other[rnd.randrange(len(other) + 1):]


def nest_bomb(data: bytes, rnd: random.Random) -> bytes:
    """A component nesting components hundreds of levels deep."""
    depth = rnd.choice((70, 200, 1000))
    inner = b"\0asm\x0d\0\x01\0"
    for _ in range(depth):
        inner = b"\0asm\x0d\0\x01\0" + bytes((0x04,)) + _uleb(len(inner)) + inner
    return inner


def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


MUTATORS = (truncate, flip_bit, set_byte, leb_bomb, insert_bytes, delete_range, duplicate_section,
            drop_section, swap_header, unknown_section, bad_utf8_name, section_size_past_end, splice, nest_bomb)
# Most mutations should keep the input mostly intact, so that the deeper stages get exercised.
WEIGHTS = (4, 6, 6, 3, 3, 3, 2, 2, 1, 2, 2, 2, 2, 1)


def mutate(data: bytes, rnd: random.Random, pool: list[Seed]) -> bytes:
    """One to three mutations in a row."""
    for _ in range(rnd.choice((1, 1, 1, 2, 3))):
        m = rnd.choices(MUTATORS, WEIGHTS)[0]
        data = m(data, rnd, rnd.choice(pool).wasm) if m is splice else m(data, rnd)
    return data


# -- the oracle ----------------------------------------------------------------------------------
def options_for(seed: Seed) -> Options:
    return Options(init_func=seed.init_func, wasi=seed.wasi, fuel=FUEL, timeout=TIMEOUT,
                   max_memory=MAX_MEMORY, keep_init_func=True)


def check_input(data: bytes, options: Options) -> str:
    """Drive ``data`` through every stage; the outcome name, or raise if wizerscope misbehaves.

    Outcomes: ``error:<Class>`` (a clean WizerscopeError at some stage) or ``ok`` (a valid output).
    Any other exception propagates: that is the finding.
    """
    with recursion_room():                          # hypothesis runs tests under a limit of its own
        return _check_input(data, options)


def _check_input(data: bytes, options: Options) -> str:
    from wizerscope.inspector.session import Session
    session = Session("fuzz.wasm", data)          # must never raise: errors become rejections
    session.structure()
    session.candidates()
    session.reference_gaps()
    from wizerscope.preinit.choose import pipeline_for
    from wizerscope.preinit.pipeline import drive
    try:
        pipeline = pipeline_for(data)
    except WizerscopeError as e:
        outcome = _clean(e)
        if data[4:8] == b"\x01\x00\x00\x00" and _wasmtime_accepts(data):
            raise AssertionError(f"our parser rejects a module wasmtime validates: {e}") from None
        return outcome
    try:
        out = drive(pipeline, options).output
    except WizerscopeError as e:
        return _clean(e)
    pipeline_for(out)                              # the output parses again
    if pipeline.kind == "module":
        validate(out, "output")
    return "ok"


def _clean(e: WizerscopeError) -> str:
    """The outcome name of a clean error, after checking it is one paragraph."""
    text = str(e).strip()
    assert text and "\n" not in text, f"error message is not one paragraph: {text!r}"
    return f"error:{type(e).__name__}"


def _wasmtime_accepts(data: bytes) -> bool:
    try:
        validate(data)
    except WizerscopeError:
        return False
    return True


def run(count: int, seed: int = 0, *, keep: str | None = None, progress: bool = False,
        corpus: Path | None = CORPUS) -> dict:
    """Mutate ``count`` inputs; return the outcome histogram and the crashes."""
    rnd = random.Random(seed)
    pool = seeds(corpus)
    outcomes: collections.Counter[str] = collections.Counter()
    crashes: list[dict] = []
    slowest = (0.0, "")
    t0 = time.perf_counter()
    for i in range(count):
        base = rnd.choice(pool)
        data = mutate(base.wasm, rnd, pool)
        t = time.perf_counter()
        try:
            outcomes[check_input(data, options_for(base))] += 1
        except Exception as e:                     # the finding: anything but a WizerscopeError
            outcomes["CRASH"] += 1
            crashes.append({"index": i, "seed": base.name, "error": f"{type(e).__name__}: {e}",
                            "traceback": traceback.format_exc(limit=6)})
            if keep:
                os.makedirs(keep, exist_ok=True)
                Path(keep, f"crash-{seed}-{i}.wasm").write_bytes(data)
        dt = time.perf_counter() - t
        if dt > slowest[0]:
            slowest = (dt, base.name)
        if progress and (i + 1) % 500 == 0:
            print(f"[{i + 1}/{count}] {dict(outcomes)}", file=sys.stderr, flush=True)
    return {"inputs": count, "seeds": [s.name for s in pool], "outcomes": dict(outcomes),
            "crashes": crashes, "seconds": round(time.perf_counter() - t0, 1),
            "slowest_input_s": round(slowest[0], 3), "slowest_seed": slowest[1]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep", metavar="DIR", help="save crashing inputs here")
    p.add_argument("--no-corpus", action="store_true", help="only the WAT-built seeds")
    a = p.parse_args(argv)
    report = run(a.count, a.seed, keep=a.keep, progress=True, corpus=None if a.no_corpus else CORPUS)
    for c in report["crashes"]:
        print(f"CRASH #{c['index']} from {c['seed']}: {c['error']}\n{c['traceback']}", file=sys.stderr)
    print(json.dumps({k: v for k, v in report.items() if k != "crashes"} | {"crashes": len(report["crashes"])},
                     indent=2))
    return 1 if report["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
