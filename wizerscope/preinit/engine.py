"""The wasmtime engines wizerscope uses: one that validates everything, one that runs init fast."""
from __future__ import annotations

import functools
import re

import wasmtime

from ..errors import WizerscopeError

_FEATURES = ("wasm_bulk_memory", "wasm_multi_memory", "wasm_multi_value", "wasm_reference_types",
             "wasm_simd", "wasm_relaxed_simd", "wasm_tail_call", "wasm_threads", "wasm_memory64",
             "wasm_custom_page_sizes", "wasm_gc", "wasm_function_references", "wasm_exceptions",
             "wasm_wide_arithmetic", "wasm_component_model", "gc_support")


def _config(*, epoch: bool = False, fuel: bool = False, opt_level: str = "none") -> wasmtime.Config:
    c = wasmtime.Config()
    for f in _FEATURES:
        setattr(c, f, True)
    # Deterministic relaxed SIMD, as `wasmtime wizer` forces: the snapshot must not depend on the CPU.
    c.wasm_relaxed_simd_deterministic = True
    # The init function runs once: optimising its code costs more than it saves (measured on
    # componentize-py's 18 MB component: 6.8 s at "speed", 5.5 s at "none").
    c.cranelift_opt_level = opt_level
    # Cranelift's single-pass register allocator compiles about 1.6x faster than the default
    # backtracking one (1.5 MB QuickJS: 0.55 s -> 0.31 s); code quality does not matter for one run.
    c.cranelift_flag_set("regalloc_algorithm", "single_pass")
    c.epoch_interruption = epoch
    c.consume_fuel = fuel
    return c


def validation_engine() -> wasmtime.Engine:
    """An engine with every proposal on (like the reference validator). It is the plain run
    engine: one engine per process keeps start-up time and memory down."""
    return run_engine(epoch=False, fuel=False)


@functools.lru_cache(maxsize=None)
def run_engine(*, epoch: bool, fuel: bool) -> wasmtime.Engine:
    """The engine init runs on; epoch interruption and fuel only when asked for (they cost speed)."""
    return wasmtime.Engine(_config(epoch=epoch, fuel=fuel))


def validate(wasm: bytes | memoryview, what: str = "input") -> None:
    """Raise a WizerscopeError with wasmtime's message (it carries the offset) if a core module
    is invalid."""
    try:
        wasmtime.Module.validate(validation_engine(), wasm)
    except wasmtime.WasmtimeError as e:
        message = _first_line(e)
        at = re.search(r"\(at offset (0x[0-9a-fA-F]+)\)", message)   # wasmtime names the byte
        raise WizerscopeError(f"wasm validation failed: {message}", offset=int(at.group(1), 16) if at else None,
                              hint=f"the {what} is not valid WebAssembly") from None


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return " ".join(line.strip() for line in text.splitlines() if line.strip()) or type(e).__name__
