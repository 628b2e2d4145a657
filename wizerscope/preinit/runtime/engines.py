"""The wasmtime engines wizerscope uses: one (Cranelift) that validates everything and runs our own
helper modules, and the ones init code is compiled with (Winch where it can, else Cranelift)."""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

import wasmtime

from ...errors import WizerscopeError
from ..options import MAX_WASM_STACK
from . import internals

_FEATURES = ("wasm_bulk_memory", "wasm_multi_memory", "wasm_multi_value", "wasm_reference_types",
             "wasm_simd", "wasm_relaxed_simd", "wasm_tail_call", "wasm_threads", "wasm_memory64",
             "wasm_custom_page_sizes", "wasm_gc", "wasm_function_references", "wasm_exceptions",
             "wasm_wide_arithmetic", "wasm_component_model", "gc_support")


# wasmtime's own default limit on the wasm stack; ours is higher (see EngineSettings)
WASMTIME_DEFAULT_STACK = 512 * 1024


@dataclass(frozen=True)
class EngineSettings:
    """What of the user's options goes into an engine: the wasm stack limit and the compile cache.

    The stack defaults to the most wasmtime-py allows: Winch and unoptimised Cranelift (what init
    is compiled with, for speed) build frames several times larger than the reference's optimised
    code, so under wasmtime's 512 KiB default a deep init that passes `wasmtime wizer` (a CPython
    interpreter importing its standard library) runs out of stack here (docs/stack.md).
    ``cache`` is wasmtime's compilation cache: True (its default configuration and location),
    False (``-C cache=n``) or the path of a cache configuration file (``-C cache-config=FILE``)."""

    max_wasm_stack: int = MAX_WASM_STACK
    cache: bool | str = True


DEFAULT_SETTINGS = EngineSettings()

# The engines that check inputs and outputs and run our helper modules use wasmtime's cache the
# way the run does: after `-C cache=n` nothing of the command writes to a cache (a component's
# structure check and output validation compile it whole; the scan kernels compile too).
_helpers = [DEFAULT_SETTINGS]


def helpers_follow(cache: bool | str) -> None:
    """Make the helper engines use wasmtime's cache as ``cache`` says (True, False, a config file)."""
    _helpers[0] = EngineSettings(cache=cache)


def helper_settings() -> EngineSettings:
    return _helpers[0]


@functools.lru_cache(maxsize=None)
def cache_problem(cache: bool | str) -> str | None:
    """Why wasmtime's cache cannot be used with ``cache`` (an unreadable configuration, a cache
    directory that cannot be created), as one line; None when it can (or it is off)."""
    if cache is False:
        return None
    try:
        wasmtime.Config().cache = cache
    except wasmtime.WasmtimeError as e:
        lines = [line.strip() for line in str(e).splitlines() if line.strip()]
        return lines[0] + (f" ({lines[-1]})" if len(lines) > 1 else "")   # what failed, and its cause
    return None


def _apply(c: wasmtime.Config, s: EngineSettings) -> None:
    c.max_wasm_stack = min(s.max_wasm_stack, MAX_WASM_STACK)
    # No .eh_frame for the compiled code: only native debuggers and profilers read it; wasmtime's
    # traps, wasm backtraces and exception handling walk frames with its own metadata. It cost
    # componentize-py's compile ~12 MB of peak memory (the reference's whole run is ~377 MB).
    c.native_unwind_info = False
    if s.cache is not False and cache_problem(s.cache) is None:
        c.cache = s.cache


def _config(*, epoch: bool = False, fuel: bool = False, opt_level: str = "none",
            settings: EngineSettings = DEFAULT_SETTINGS) -> wasmtime.Config:
    c = wasmtime.Config()
    _apply(c, settings)
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


# What Winch (wasmtime's baseline compiler) is given: the proposals it compiles on x86-64 and
# no more (asking a Winch engine for one it lacks aborts the process, it does not raise). A module
# that uses another proposal fails to compile there and is compiled by Cranelift instead.
_WINCH_FEATURES = ("wasm_bulk_memory", "wasm_multi_value", "wasm_reference_types", "wasm_multi_memory",
                   "wasm_memory64", "wasm_component_model")


def _machine() -> str:
    """The CPU architecture, as ``platform.machine()`` says it (without importing platform, ~1 ms)."""
    uname = getattr(os, "uname", None)
    if uname is not None:
        return uname().machine
    import platform
    return platform.machine()


@functools.lru_cache(maxsize=1)
def winch_supported() -> bool:
    """Winch compiles for x86-64 only (its aarch64 backend is incomplete), and there wants the
    SSE4/AVX generation of instructions; on an older CPU Cranelift compiles everything."""
    if _machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), None)
    except OSError:
        return True                     # not Linux: x86-64 hosts without AVX are long gone
    return flags is None or {"sse4_1", "sse4_2", "popcnt", "avx"} <= set(flags)


@functools.lru_cache(maxsize=None)
def winch_engine(*, epoch: bool, fuel: bool, settings: EngineSettings = DEFAULT_SETTINGS) -> wasmtime.Engine:
    """An engine that compiles with Winch: init runs once, and Winch compiles 2-3x faster than
    even unoptimised Cranelift (measured: QuickJS 1.5 MB 0.26 -> 0.12 s; componentize-py's 18 MB
    component 2.0 -> 1.2 s), which outweighs its slower code for every corpus init."""
    c = wasmtime.Config()
    _apply(c, settings)
    for f in _FEATURES:
        setattr(c, f, f in _WINCH_FEATURES)
    internals.use_winch(c)
    # Cranelift still compiles the trampolines and the component model's fused adapters
    # (componentize-py: compile 1.25 -> 1.1 s, 20 MB less at the peak with these settings)
    c.cranelift_opt_level = "none"
    c.cranelift_flag_set("regalloc_algorithm", "single_pass")
    c.epoch_interruption = epoch
    c.consume_fuel = fuel
    return wasmtime.Engine(c)


def init_engines(compiler: str, *, epoch: bool, fuel: bool,
                 settings: EngineSettings = DEFAULT_SETTINGS) -> list[wasmtime.Engine]:
    """The engines to compile the init code with, in the order to try them (``-C compiler=``)."""
    cranelift = run_engine(epoch=epoch, fuel=fuel, settings=settings)
    if compiler == "cranelift" or not winch_supported():
        if compiler == "winch":
            raise WizerscopeError(f"-C compiler=winch: Winch does not compile for {_machine()}",
                                  hint="use -C compiler=cranelift (or auto)")
        return [cranelift]
    winch = winch_engine(epoch=epoch, fuel=fuel, settings=settings)
    return [winch] if compiler == "winch" else [winch, cranelift]


def validation_engine() -> wasmtime.Engine:
    """An engine with every proposal on (like the reference validator). It is the plain run
    engine: one engine per process keeps start-up time and memory down."""
    # the same arguments as init_engines passes, so lru_cache hands back the same engine
    return run_engine(epoch=False, fuel=False, settings=helper_settings())


@functools.lru_cache(maxsize=None)
def run_engine(*, epoch: bool, fuel: bool, settings: EngineSettings = DEFAULT_SETTINGS) -> wasmtime.Engine:
    """The engine init runs on; epoch interruption and fuel only when asked for (they cost speed)."""
    return wasmtime.Engine(_config(epoch=epoch, fuel=fuel, settings=settings))


def kernel_engine() -> wasmtime.Engine:
    """The engine our own kernels (the cap's sort, the forbidden-instruction scan) are compiled
    on: optimised Cranelift with its backtracking register allocator. They are a few KB compiled
    once (and kept in wasmtime's cache) and then run over every gap or code byte of the input:
    componentize-py's 206k-gap sort takes 9 ms instead of 19 ms under single-pass allocation,
    for ~3 ms more compile."""
    return _kernel_engine(helper_settings())


@functools.lru_cache(maxsize=None)
def _kernel_engine(settings: EngineSettings) -> wasmtime.Engine:
    c = _config(opt_level="speed", settings=settings)
    c.cranelift_flag_set("regalloc_algorithm", "backtracking")
    return wasmtime.Engine(c)


@functools.lru_cache(maxsize=None)
def optimised_engine(*, epoch: bool, fuel: bool, settings: EngineSettings = DEFAULT_SETTINGS) -> wasmtime.Engine:
    """Cranelift at "speed": the retry after init ran out of stack. Optimised code has the small
    frames the reference's has, so an init as deep as one `wasmtime wizer` runs fits again."""
    c = _config(epoch=epoch, fuel=fuel, opt_level="speed", settings=settings)
    c.cranelift_flag_set("regalloc_algorithm", "backtracking")
    return wasmtime.Engine(c)


def validate(wasm: bytes | memoryview, what: str = "input") -> None:
    """Raise a WizerscopeError with wasmtime's message (it carries the offset) if a core module
    is invalid."""
    try:
        internals.validate_module(validation_engine(), wasm)
    except wasmtime.WasmtimeError as e:
        message = first_line(e)
        at = re.search(r"\(at offset (0x[0-9a-fA-F]+)\)", message)   # wasmtime names the byte
        raise WizerscopeError(f"wasm validation failed: {message}", offset=int(at.group(1), 16) if at else None,
                              hint=f"the {what} is not valid WebAssembly") from None


def first_line(e: BaseException) -> str:
    text = str(e).strip()
    return " ".join(line.strip() for line in text.splitlines() if line.strip()) or type(e).__name__
