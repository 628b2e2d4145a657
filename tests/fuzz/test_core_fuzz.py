"""Differential check on random modules (the idea of the reference's `same_result` fuzzer).

`wasm-tools smith` turns fixed seeds into valid modules (no imports, terminating, every function
exported, up to four memories of mixed index types and page sizes, mutable globals of every
numeric type). For each, an exported function without parameters is the init function; our
output must be byte-identical to `wasmtime wizer`'s, or both must refuse the module.
"""
from __future__ import annotations

import random
import subprocess

import pytest

from wizerscope.binary.module import parse_module
from wizerscope.errors import WizerscopeError
from wizerscope.preinit.options import Options
from wizerscope.preinit import preinit

SMITH = ["--max-imports", "0", "--ensure-termination", "--export-everything", "true", "--min-funcs", "6",
         "--min-memories", "1", "--max-memories", "4", "--max-memory32-bytes", "196608",
         "--max-memory64-bytes", "196608", "--memory64-enabled", "true", "--custom-page-sizes-enabled", "true",
         "--simd-enabled", "true", "--max-data-segments", "20", "--min-globals", "2", "--max-globals", "12",
         "--gc-enabled", "false", "--exceptions-enabled", "false", "--threads-enabled", "false"]
# like the reference fuzzer: no reference types or bulk memory in the first batch (so that most
# modules are accepted); the second batch keeps them (so that rejections are compared too)
# (first seed, seeds, extra smith flags, at least this many identical outputs, ... and refusals)
BATCHES = [(1000, 70, ["--reference-types-enabled", "false", "--bulk-memory-enabled", "false"], 5, 1),
           (0, 40, [], 1, 5)]


def _module(wasm_tools: str, seed: int, extra: list[str]) -> bytes:
    rnd = random.Random(seed)
    data = bytes(rnd.randrange(256) for _ in range(rnd.choice((200, 800, 3000))))
    return subprocess.run([wasm_tools, "smith", *SMITH, *extra], input=data, capture_output=True,
                          check=True).stdout


def _init_func(wasm: bytes, seed: int) -> str | None:
    m = parse_module(wasm)
    names = [e.name for e in m.exports if e.kind == "func" and not (m.func_type(e.index) or _NoParams).params
             and "\0" not in e.name]          # a command-line argument cannot hold NUL
    return names[seed % len(names)] if names else None


class _NoParams:
    params = ()


@pytest.mark.parametrize("start, count, extra, min_same, min_refused", BATCHES, ids=["plain", "bulk+reftypes"])
def test_random_modules_match_reference(start, count, extra, min_same, min_refused, wasm_tools, reference):
    outcomes = {"same output": 0, "both refuse": 0}
    for seed in range(start, start + count):
        wasm = _module(wasm_tools, seed, extra)
        init = _init_func(wasm, seed)
        if init is None:
            continue
        ref = reference(wasm, "-W", "custom-page-sizes=y", "-f", init)
        try:
            ours = preinit(wasm, Options(init_func=init)).output
        except WizerscopeError as e:
            assert ref.returncode != 0, f"seed {seed}: only we refuse: {e}"
            if "unsupported" in ref.stderr.decode():
                assert str(e).split(" [")[0] in ref.stderr.decode(), f"seed {seed}: {e}"
            outcomes["both refuse"] += 1
            continue
        assert ref.returncode == 0, f"seed {seed}: only the reference refuses: {ref.stderr.decode()[:300]}"
        assert ours == ref.output, f"seed {seed} (init {init!r}): output differs from `wasmtime wizer`"
        outcomes["same output"] += 1
    # the batch really exercised both paths
    assert outcomes["same output"] >= min_same and outcomes["both refuse"] >= min_refused, outcomes
