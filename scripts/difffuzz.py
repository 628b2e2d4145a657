#!/usr/bin/env python3
"""Differential fuzzing of wizerscope against plain execution and against `wasmtime wizer`.

Why: a pre-initializer is only correct if running its output behaves exactly like running the
original and calling init first. This is the reference's `same_result` fuzz target (SPEC §5.5) plus
a byte-for-byte comparison with the reference tool:

* modules come from ``wasm-tools smith`` configured like `same_result`: no imports, at most 10
  memories of at most 2 pages, termination guaranteed by smith's fuel counter, no reference types,
  no bulk memory (so no table mutation or segment dropping), no GC, threads, exceptions, memory64 or
  custom page sizes (the reference's target leaves those off too);
* for every exported ``[] -> []`` function used as init function, wizerscope pre-initializes the
  module in-process and ``wasmtime wizer`` does the same in a subprocess;
* both must accept or both must fail; when both accept, the outputs must be byte-identical;
* for every other exported function ("main"): (a) instantiate the original, call init, call main;
  (b) instantiate wizerscope's output, call main. Results (or "trapped"), every exported global (raw
  bits; NaNs compare equal as in the reference) and every exported memory must be identical.

Usage::

    python scripts/difffuzz.py --count 1000 --jobs 2            # the long run
    python scripts/difffuzz.py --count 20 --seed 7 --keep /tmp/mismatches
    python scripts/difffuzz.py --count 1000 --no-simd          # every init compiled by Winch

Exit status 1 when any mismatch was found; each mismatch is printed with its seed so it can be
reproduced (``--only-seed N``) and, with ``--keep DIR``, the module is saved there.
"""
from __future__ import annotations

import argparse
import collections
import ctypes
import json
import multiprocessing
import re
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import wasmtime  # noqa: E402
from wasmtime import _ffi as ffi  # noqa: E402
from wasmtime._func import enter_wasm  # noqa: E402

from wizerscope.binary.module import Module, parse_module  # noqa: E402
from wizerscope.binary.types import FuncType  # noqa: E402
from wizerscope.errors import WizerscopeError  # noqa: E402
from wizerscope.preinit.runtime import engines  # noqa: E402
from wizerscope.preinit.options import Options  # noqa: E402
from wizerscope.preinit import preinit  # noqa: E402

# Like the reference's `same_result` WasmConfig (max 10 memories, 2 pages, >= 1 func and export,
# offsets inside the minimum), with the features it leaves off disabled explicitly.
SMITH_FLAGS = (
    "--ensure-termination", "--fuel", "1000",
    "--max-imports", "0",
    "--max-memories", "10", "--max-memory32-bytes", str(2 * 65536),
    "--memory64-enabled", "false", "--custom-page-sizes-enabled", "false",
    "--min-exports", "1",
    "--memory-offset-choices", "1,0,0",
    "--reference-types-enabled", "false", "--bulk-memory-enabled", "false",
    "--gc-enabled", "false", "--exceptions-enabled", "false", "--threads-enabled", "false",
    "--shared-everything-threads-enabled", "false", "--tail-call-enabled", "false",
    "--relaxed-simd-enabled", "false", "--multi-value-enabled", "true",
)

# --no-simd: modules Winch compiles (with SIMD most fall back to Cranelift), so that the compiler
# wizerscope prefers for init code is what gets compared
EXTRA_SMITH_FLAGS: tuple[str, ...] = ()

# Left to itself smith rarely exports a `[] -> []` function, so half of the seeds ask for this export
# shape (several init candidates, mains of every value type, state to compare) and the other half
# export everything smith generates.
EXPORT_SHAPE = """(module
  (memory (export "mem0") 1 2) (memory (export "mem1") 0 2)
  (global (export "g_i32") (mut i32) (i32.const 0)) (global (export "g_i64") (mut i64) (i64.const 0))
  (global (export "g_f32") (mut f32) (f32.const 0)) (global (export "g_f64") (mut f64) (f64.const 0))
  (global (export "g_v128") (mut v128) (v128.const i64x2 0 0))
  (func (export "init0")) (func (export "init1")) (func (export "init2"))
  (func (export "main_i32") (result i32) i32.const 0)
  (func (export "main_i64") (param i32) (result i64) i64.const 0)
  (func (export "main_f32") (result f32) f32.const 0)
  (func (export "main_f64") (param f64 i64) (result f64) f64.const 0)
  (func (export "main_v128") (result v128) v128.const i64x2 0 0)
  (func (export "main_multi") (result i32 i64) i32.const 0 i64.const 0))"""

_KIND = {"i32": 0, "i64": 1, "f32": 2, "f64": 3, "v128": 4}
_WIDTH = {"i32": 4, "i64": 8, "f32": 4, "f64": 8, "v128": 16}


def _tool(name: str) -> str:
    exe = Path(sys.executable).parent / name
    return str(exe) if exe.exists() else name


@dataclass
class Mismatch:
    """One disagreement, with enough context to reproduce it."""

    seed: int
    init_func: str
    kind: str            # acceptance | bytes | result | trap | global | memory
    detail: str

    def describe(self) -> str:
        return f"seed {self.seed} init {self.init_func!r}: {self.kind}: {self.detail}"


@dataclass
class CaseResult:
    """What one generated module contributed to the totals."""

    seed: int
    generated: bool = False
    init_funcs: int = 0
    both_accepted: int = 0
    both_failed: int = 0
    mains_compared: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    seconds: float = 0.0
    refusals: collections.Counter = field(default_factory=collections.Counter)


# -- generation ----------------------------------------------------------------------------------
def smith(seed: int, workdir: str, size: int | None = None) -> bytes | None:
    """A module from ``wasm-tools smith`` for this seed, or None when smith declines the seed."""
    rng = random.Random(seed)
    n = size if size is not None else rng.randint(64, 6000)
    seed_path = os.path.join(workdir, f"seed-{seed}.bin")
    out_path = os.path.join(workdir, f"smith-{seed}.wasm")
    with open(seed_path, "wb") as f:
        f.write(rng.randbytes(n))
    if seed % 2 == 0:
        shape_path = os.path.join(workdir, "exports.wasm")
        if not os.path.exists(shape_path):
            with open(shape_path, "wb") as f:
                f.write(wasmtime.wat2wasm(EXPORT_SHAPE))
        shape = ["--exports", shape_path, "--min-funcs", "1"]
    else:
        shape = ["--export-everything", "true", "--min-funcs", "3"]
    p = subprocess.run([_tool("wasm-tools"), "smith", *SMITH_FLAGS, *EXTRA_SMITH_FLAGS, *shape, seed_path, "-o", out_path],
                       capture_output=True)
    try:
        if p.returncode != 0:
            return None
        with open(out_path, "rb") as f:
            return f.read()
    finally:
        for path in (seed_path, out_path):
            if os.path.exists(path):
                os.unlink(path)


# -- raw calls and state (v128 included, which wasmtime-py's Val does not support) ----------------
def call_raw(store: wasmtime.Store, func: wasmtime.Func, sig: FuncType) -> tuple[str, object]:
    """Call ``func`` with zero arguments of its parameter types: ("ok", [raw bits]) or ("trap", why).

    The signature comes from our own parser: wasmtime-py aborts the process when asked to describe
    a v128 value type."""
    params = [p.name for p in sig.params]
    results = [r.name for r in sig.results]
    args = (ffi.wasmtime_val_t * len(params))()
    for i, p in enumerate(params):
        args[i].kind = _KIND[p]
        ctypes.memset(ctypes.addressof(args[i].of), 0, 16)
    out = (ffi.wasmtime_val_t * len(results))()
    try:
        with enter_wasm(store) as trap:
            error = ffi.wasmtime_func_call(store._context(), ctypes.byref(func._func), args, len(params),
                                           out, len(results), trap)
            if error:
                raise wasmtime.WasmtimeError._from_ptr(error)
    except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
        return "trap", str(e).splitlines()[0] if str(e) else type(e).__name__
    values = []
    for i, r in enumerate(results):
        raw = ctypes.string_at(ctypes.addressof(out[i].of), _WIDTH[r])
        values.append((r, int.from_bytes(raw, "little")))
    return "ok", values


def global_raw(store: wasmtime.Store, g: wasmtime.Global, name: str) -> tuple[str, int]:
    """A global's type (``name``) and raw bit pattern."""
    raw = ffi.wasmtime_val_t()
    ffi.wasmtime_global_get(store._context(), ctypes.byref(g._global), ctypes.byref(raw))
    bits = int.from_bytes(ctypes.string_at(ctypes.addressof(raw.of), _WIDTH.get(name, 8)), "little")
    return name, bits


def same_value(a: tuple[str, int], b: tuple[str, int]) -> bool:
    """Equal bits, or both NaN of the same float type (as the reference's `assert_val_eq`)."""
    if a == b:
        return True
    if a[0] != b[0]:
        return False
    if a[0] == "f32":
        return all((x >> 23) & 0xFF == 0xFF and x & 0x7FFFFF for x in (a[1], b[1]))
    if a[0] == "f64":
        return all((x >> 52) & 0x7FF == 0x7FF and x & ((1 << 52) - 1) for x in (a[1], b[1]))
    return False


def memory_bytes(store: wasmtime.Store, mem: wasmtime.Memory) -> bytes:
    n = mem.data_len(store)
    if n == 0:
        return b""
    return ctypes.string_at(ctypes.addressof(mem.data_ptr(store).contents), n)


# -- the oracle ----------------------------------------------------------------------------------
def init_candidates(m: Module) -> tuple[list[str], dict[str, FuncType]]:
    """(init functions = exported ``[] -> []`` funcs, every exported func with its signature)."""
    inits, mains = [], {}
    for exp in m.exports:
        if exp.kind == "func":
            sig = m.func_type(exp.index)
            mains[exp.name] = sig
            if not sig.params and not sig.results:
                inits.append(exp.name)
    return inits, mains


def exported_global_types(m: Module) -> dict[str, str]:
    """Exported global name → value type name (no imports in smith modules)."""
    base = m.num_imported_globals
    return {e.name: m.globals[e.index - base].type.value.name for e in m.exports if e.kind == "global"}


def reference_wizer(wasm_path: str, init: str, out_path: str) -> tuple[bytes | None, str]:
    """`wasmtime wizer`'s output, or None and its error text."""
    if os.path.exists(out_path):
        os.unlink(out_path)
    p = subprocess.run([_tool("wasmtime"), "wizer", f"--init-func={init}", wasm_path, "-o", out_path],
                       capture_output=True, timeout=120)
    if p.returncode != 0 or not os.path.exists(out_path):
        lines = p.stderr.decode(errors="replace").strip().splitlines()
        return None, (lines[-1] if lines else f"exit status {p.returncode}")
    with open(out_path, "rb") as f:
        return f.read(), ""


def refusal_reason(message: str) -> str:
    """Why both tools refused, without function names, addresses or sizes (for the histogram)."""
    text = re.sub(r"the `[^`]*` function", "the init function", message)
    if "wasm trap:" in text:
        text = "init trapped: " + text.split("wasm trap:", 1)[1].strip()
    return text.split(" (")[0].split(" [")[0].split(". ")[0].strip()[:80]


def compare_main(engine: wasmtime.Engine, original: wasmtime.Module, snapshot: wasmtime.Module,
                 init: str, main: str, sig: FuncType, gtypes: dict[str, str]) -> tuple[str, str] | None:
    """(kind, detail) of the first difference between (a) original+init+main and (b) snapshot+main."""
    store = wasmtime.Store(engine)
    snap_inst = wasmtime.Instance(store, snapshot, [])
    snap_main = snap_inst.exports(store)[main]
    b = call_raw(store, snap_main, sig)
    inst = wasmtime.Instance(store, original, [])
    status, why = call_raw(store, inst.exports(store)[init], FuncType((), ()))
    if status != "ok":
        return "trap", f"init trapped when run directly but not under pre-initialization: {why}"
    a = call_raw(store, inst.exports(store)[main], sig)
    if a[0] != b[0]:
        return "trap", f"main {main!r}: original+init {a[0]} ({a[1]}), snapshot {b[0]} ({b[1]})"
    if a[0] == "ok" and (len(a[1]) != len(b[1]) or not all(same_value(x, y) for x, y in zip(a[1], b[1]))):
        return "result", f"main {main!r}: original+init {a[1]}, snapshot {b[1]}"
    snap_exports = snap_inst.exports(store)
    orig_exports = inst.exports(store)
    for name in snap_exports:
        s_item = snap_exports[name]
        if isinstance(s_item, wasmtime.Global):
            t = gtypes[name]
            x, y = global_raw(store, orig_exports[name], t), global_raw(store, s_item, t)
            if not same_value(x, y):
                return "global", f"after main {main!r}: global {name!r} original+init {x}, snapshot {y}"
        elif isinstance(s_item, wasmtime.Memory):
            x, y = memory_bytes(store, orig_exports[name]), memory_bytes(store, s_item)
            if x != y:
                where = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
                return "memory", (f"after main {main!r}: memory {name!r} differs (lengths {len(x)} vs "
                                  f"{len(y)}, first difference at byte {where})")
    return None


def check_module(seed: int, wasm: bytes, workdir: str, *, reference: bool = True) -> CaseResult:
    """Run the oracle on one module; every disagreement becomes a Mismatch."""
    res = CaseResult(seed, generated=True)
    engine = engines.run_engine(epoch=False, fuel=False)
    original = wasmtime.Module(engine, wasm)
    parsed = parse_module(wasm)
    inits, mains = init_candidates(parsed)
    gtypes = exported_global_types(parsed)
    wasm_path = os.path.join(workdir, f"in-{seed}.wasm")
    ref_path = os.path.join(workdir, f"ref-{seed}.wasm")
    with open(wasm_path, "wb") as f:
        f.write(wasm)
    try:
        for init in inits:
            if "\0" in init:
                continue          # cannot be passed on a command line
            res.init_funcs += 1
            try:
                ours = preinit(wasm, Options(init_func=init)).output
                our_error = ""
            except WizerscopeError as e:
                ours, our_error = None, str(e)
            if reference:
                ref, ref_error = reference_wizer(wasm_path, init, ref_path)
                if (ours is None) != (ref is None):
                    res.mismatches.append(Mismatch(seed, init, "acceptance",
                                                   f"wizerscope: {our_error or 'ok'}; wasmtime wizer: "
                                                   f"{ref_error or 'ok'}"))
                    continue
                if ours is not None and ours != ref:
                    res.mismatches.append(Mismatch(seed, init, "bytes",
                                                   f"outputs differ ({len(ours)} vs {len(ref)} bytes)"))
            if ours is None:
                res.both_failed += 1
                res.refusals[refusal_reason(our_error)] += 1
                continue
            res.both_accepted += 1
            snapshot = wasmtime.Module(engine, ours)
            for main, sig in mains.items():
                if main == init:
                    continue      # the init export is removed from the output
                res.mains_compared += 1
                diff = compare_main(engine, original, snapshot, init, main, sig, gtypes)
                if diff is not None:
                    res.mismatches.append(Mismatch(seed, init, *diff))
    finally:
        for path in (wasm_path, ref_path):
            if os.path.exists(path):
                os.unlink(path)
    return res


def run_seed(args: tuple[int, bool, str | None]) -> CaseResult:
    """One seed end to end (a worker's unit of work)."""
    seed, reference, keep = args
    t = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="difffuzz-") as workdir:
        wasm = smith(seed, workdir)
        if wasm is None:
            return CaseResult(seed)
        try:
            res = check_module(seed, wasm, workdir, reference=reference)
        except Exception as e:     # a crash of wizerscope or of the oracle is a finding too
            res = CaseResult(seed, generated=True,
                             mismatches=[Mismatch(seed, "", "crash", f"{type(e).__name__}: {e}")])
        if res.mismatches and keep:
            os.makedirs(keep, exist_ok=True)
            with open(os.path.join(keep, f"seed-{seed}.wasm"), "wb") as f:
                f.write(wasm)
    res.seconds = time.perf_counter() - t
    return res


@dataclass
class Totals:
    """The sums over all seeds of a run (what the closing report quotes)."""

    modules: int = 0
    declined: int = 0
    init_funcs: int = 0
    both_accepted: int = 0
    both_failed: int = 0
    mains_compared: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    refusals: collections.Counter = field(default_factory=collections.Counter)

    def add(self, r: CaseResult) -> None:
        if not r.generated:
            self.declined += 1
            return
        self.modules += 1
        self.init_funcs += r.init_funcs
        self.both_accepted += r.both_accepted
        self.both_failed += r.both_failed
        self.mains_compared += r.mains_compared
        self.mismatches += r.mismatches
        self.refusals.update(r.refusals)

    def to_json(self) -> dict:
        return {"modules": self.modules, "smith_declined": self.declined, "init_funcs": self.init_funcs,
                "both_accepted": self.both_accepted, "both_failed": self.both_failed,
                "mains_compared": self.mains_compared, "mismatches": len(self.mismatches),
                "refusals": dict(self.refusals.most_common())}


def run(count: int, start_seed: int = 0, *, jobs: int = 1, reference: bool = True,
        keep: str | None = None, progress: bool = False) -> Totals:
    """Generate and check ``count`` modules (seeds start_seed, start_seed+1, ...)."""
    totals = Totals()
    work = [(s, reference, keep) for s in range(start_seed, start_seed + count)]
    if jobs > 1:
        with multiprocessing.get_context("spawn").Pool(jobs) as pool:
            results = pool.imap_unordered(run_seed, work, chunksize=4)
            for i, r in enumerate(results, 1):
                totals.add(r)
                _report_progress(progress, i, count, totals, r)
    else:
        for i, w in enumerate(work, 1):
            r = run_seed(w)
            totals.add(r)
            _report_progress(progress, i, count, totals, r)
    return totals


def _report_progress(on: bool, i: int, count: int, totals: Totals, r: CaseResult) -> None:
    for m in r.mismatches:
        print("MISMATCH " + m.describe(), file=sys.stderr, flush=True)
    if on and (i % 50 == 0 or i == count):
        print(f"[{i}/{count}] {json.dumps(totals.to_json())}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=100, help="number of smith seeds to try")
    p.add_argument("--seed", type=int, default=0, help="first seed")
    p.add_argument("--only-seed", type=int, help="reproduce one seed")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--no-reference", action="store_true", help="skip the `wasmtime wizer` comparison")
    p.add_argument("--keep", metavar="DIR", help="save modules that produced a mismatch here")
    p.add_argument("--no-simd", action="store_true",
                   help="no SIMD in the modules: every init is compiled by Winch, not Cranelift")
    a = p.parse_args(argv)
    if a.no_simd:
        global EXTRA_SMITH_FLAGS
        EXTRA_SMITH_FLAGS = ("--simd-enabled", "false")
    if a.only_seed is not None:
        a.seed, a.count, a.jobs = a.only_seed, 1, 1
    t = time.perf_counter()
    totals = run(a.count, a.seed, jobs=a.jobs, reference=not a.no_reference, keep=a.keep, progress=True)
    report = totals.to_json()
    report["seconds"] = round(time.perf_counter() - t, 1)
    print(json.dumps(report, indent=2))
    return 1 if totals.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
