"""Run a core module's initialization under wasmtime (SPEC §2.5), step by step.

The steps are separate methods so a caller (the inspector) can look at the instance between them:
compile → instantiate (the start function runs) → initialize (`_initialize`, then the init
function). WASI is off unless asked for; function imports nobody provides trap with a message that
names them; an endless init stops at the timeout (epoch interruption) or when fuel runs out.
"""
from __future__ import annotations

import ctypes
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field

import wasmtime

from ..binary.module import Module
from ..binary.types import FuncType
from ..errors import InitError, WizerscopeError
from . import engine as engines
from .instrument import GlobalProbe, MemoryProbe
from .options import Options

WASI_MODULES = ("wasi_snapshot_preview1", "wasi_unstable")
_UNKNOWN_IMPORT = re.compile(r"unknown import: `(.+?)::(.+?)` has not been defined")


@dataclass
class InitReport:
    """What the init run produced besides state: results, captured output, timings."""

    results: list = field(default_factory=list)
    stdout: bytes = b""
    stderr: bytes = b""
    timings: dict[str, float] = field(default_factory=dict)
    called_initialize: bool = False
    compiler: str = ""                  # "winch" or "cranelift": what compiled the init code


def check_init_export(m: Module, name: str) -> FuncType:
    """The init function's type, or an InitError with the reference's wording."""
    exp = m.export(name)
    if exp is None:
        raise InitError(f"the Wasm module does not have a `{name}` export",
                        hint=_export_hint(m, name))
    if exp.kind != "func":
        raise InitError(f"the Wasm module's `{name}` export is not a function")
    ft = m.func_type(exp.index)
    if ft is not None and ft.params:
        raise InitError(f"the Wasm module's `{name}` function export does not have type `[] -> []`: "
                        f"it takes parameters {ft}",
                        hint="an init function is called without arguments; export a wrapper that takes none")
    return ft or FuncType((), ())


def _export_hint(m: Module, name: str) -> str:
    funcs = [e.name for e in m.exports if e.kind == "func" and not (m.func_type(e.index) or FuncType((), ())).params]
    if not funcs:
        return "the module exports no function that could serve as init function"
    shown = ", ".join(f"`{f}`" for f in funcs[:8]) + (" ..." if len(funcs) > 8 else "")
    return f"choose one with -f/--init-func; exported functions without parameters: {shown}"


def trap_backtrace(e: BaseException, module: Module | None = None) -> list[str]:
    """Wasm frames of a trap, innermost first, as readable lines.

    Functions without a name in the name section are named after their export or import (our
    parser's ``func_name``), so a stripped module still shows `wizer-initialize` rather than
    `<wasm function 7>`. Runs of identical frames (deep recursion) collapse into one line with a
    count, so a stack overflow does not bury the frames that led into the recursion.
    """
    frames = getattr(e, "frames", None)
    if frames:
        lines = []
        for f in frames:
            name = f.func_name or (module.func_name(f.func_index) if module is not None else None) \
                or f"<wasm function {f.func_index}>"
            offset = f.module_offset
            where = f"{offset:#x}" if offset is not None and 0 <= offset < 1 << 32 else "??"
            lines.append(f"{where} - {f.module_name or '<module>'}!{name}")
        return collapse_repeats(lines)
    text = str(e)
    if "wasm backtrace:" in text:
        part = text.split("wasm backtrace:", 1)[1].split("Caused by:", 1)[0]
        return collapse_repeats([re.sub(r"^\s*\d+:\s*", "", ln).strip() for ln in part.splitlines()
                                 if ln.strip()])
    return []


def collapse_repeats(lines: list[str]) -> list[str]:
    """Replace runs of identical consecutive lines by the line and a count of the repeats."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j + 1 < len(lines) and lines[j + 1] == lines[i]:
            j += 1
        out.append(lines[i])
        if j > i:
            out.append(f"... the frame above repeated {j - i} more time{'s' if j - i > 1 else ''}")
        i = j + 1
    return out


def trap_reason(e: BaseException) -> str:
    text = str(e)
    if "Caused by:" in text:
        text = text.split("Caused by:", 1)[1]
    elif "wasm backtrace:" in text:
        text = text.split("wasm backtrace:", 1)[0]
    # "Caused by:" lists the chain as "0: ...", "1: ..."; keep the trap line and the detail
    lines = [re.sub(r"^\d+:\s*", "", ln.strip()) for ln in text.splitlines() if ln.strip()]
    traps = [ln for ln in lines if ln.startswith("wasm trap:")]
    if traps:
        details = [ln for ln in lines if ln not in traps]
        return traps[0] + (f" ({details[0]})" if details else "")
    return lines[0] if lines else type(e).__name__


def _call_raw(store: wasmtime.Store, func: wasmtime.Func, ft: FuncType) -> list:
    """Call a function without parameters through the C API, reading v128 results as integers
    (little-endian lane bytes) and every other result the way wasmtime-py does."""
    from wasmtime._func import enter_wasm
    n = len(ft.results)
    results = (wasmtime._bindings.wasmtime_val_t * n)()
    with enter_wasm(store) as trap:
        error = wasmtime._ffi.wasmtime_func_call(store._context(), ctypes.byref(func._func), None, 0,
                                                 results, n, trap)
        if error:
            raise wasmtime.WasmtimeError._from_ptr(error)
    out = []
    for raw, ty in zip(results, ft.results):
        if ty.name == "v128":
            out.append(int.from_bytes(bytes(raw.of.v128), "little"))
        else:
            out.append(wasmtime.Val._from_raw(store, raw).value)
    return out


class CoreRunner:
    """One instantiation of an instrumented module, driven step by step."""

    def __init__(self, instrumented: bytes, module: Module, options: Options, *,
                 interruptible: bool = False) -> None:
        self.module = module
        self.options = options
        self.instrumented = instrumented
        self.report = InitReport()
        self._epoch = interruptible or options.timeout is not None
        self._engines = engines.init_engines(options.compiler, epoch=self._epoch, fuel=options.fuel is not None)
        self._use_engine(self._engines[0])
        self._tmp = tempfile.TemporaryDirectory(prefix="wizerscope-")
        self._out = os.path.join(self._tmp.name, "stdout")
        self._err = os.path.join(self._tmp.name, "stderr")
        self.compiled: wasmtime.Module | None = None
        self.instance: wasmtime.Instance | None = None
        self._timer: threading.Timer | None = None
        self.interrupted = False

    # -- set-up -----------------------------------------------------------------------------
    # What compile() builds, and its name in messages (the component runner builds components).
    _compiled_type = wasmtime.Module
    _unit_name = "module"

    def _use_engine(self, engine: wasmtime.Engine) -> None:
        """A fresh store and linker on ``engine`` (nothing is linked or instantiated yet)."""
        options = self.options
        self.engine = engine
        self.store = wasmtime.Store(engine)
        if self._epoch:
            self.store.set_epoch_deadline(1)
        if options.fuel is not None:
            self.store.set_fuel(options.fuel)
        if options.max_memory is not None:
            self.store.set_limits(memory_size=options.max_memory)
        self.linker = self._new_linker()

    def _new_linker(self):
        return wasmtime.Linker(self.engine)

    def compile(self) -> None:
        """Compile with the first engine that can: Winch, or Cranelift when the code uses a
        proposal Winch lacks (SIMD, tail calls, GC, exceptions, ...)."""
        t = time.perf_counter()
        for engine in self._engines:
            if engine is not self.engine:
                self._use_engine(engine)
            try:
                self.compiled = self._compiled_type(self.engine, self.instrumented)
                break
            except wasmtime.WasmtimeError as e:
                if engine is self._engines[-1]:
                    raise WizerscopeError(f"failed to compile the Wasm {self._unit_name}: "
                                          f"{engines._first_line(e)}") from None
        self.report.compiler = "cranelift" if self.engine is engines.run_engine(
            epoch=self._epoch, fuel=self.options.fuel is not None) else "winch"
        self.report.timings["compile"] = time.perf_counter() - t

    def share_compiled(self, other: "CoreRunner") -> None:
        """Reuse ``other``'s compiled code (the determinism check's second instance)."""
        if other.engine is not self.engine:
            self._use_engine(other.engine)
        self.compiled = other.compiled
        self.report.compiler = other.report.compiler

    def _configure_wasi(self) -> None:
        opts = self.options
        cfg = wasmtime.WasiConfig()
        cfg.stdout_file = self._out
        cfg.stderr_file = self._err
        env: list[tuple[str, str]] = []
        if opts.inherit_env:
            cfg.inherit_env()
        for k, v in opts.env:
            env.append((k, os.environ.get(k, "") if v is None else v))
        if env:
            cfg.env = env
        for host, guest in opts.dirs:
            if not os.path.isdir(host):
                raise WizerscopeError(f"--dir {host!r}: no such directory")
            cfg.preopen_dir(host, guest)
        self.store.set_wasi(cfg)
        self.linker.define_wasi()

    def _load_preloads(self) -> None:
        for name, path in self.options.preloads:
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError as e:
                raise WizerscopeError(f"failed to process preload `{name}` at `{path}`: {e.strerror}") from None
            try:
                if data[:4] != b"\0asm":
                    data = wasmtime.wat2wasm(data.decode("utf-8", "replace"))
                if data[4:8] != b"\x01\x00\x00\x00":
                    raise WizerscopeError("components cannot be loaded with --preload")
                mod = wasmtime.Module(self.engine, data)
                inst = self.linker.instantiate(self.store, mod)
                self.linker.define_instance(self.store, name, inst)
            except wasmtime.WasmtimeError as e:
                raise WizerscopeError(f"failed to process preload `{name}` at `{path}`: "
                                      f"{engines._first_line(e)}") from None

    # What instantiate() says when instantiation traps (the component runner says its own).
    _instantiate_context = "instantiating the module (its start function trapped)"

    def _link(self) -> None:
        """Define the imports: WASI when asked, the preloads, trapping stubs for the rest."""
        if self.options.wasi:
            self._configure_wasi()
        self._load_preloads()
        self.linker.define_unknown_imports_as_traps(self.compiled)

    def instantiate(self) -> wasmtime.Instance:
        if self.compiled is None:
            self.compile()
        t = time.perf_counter()
        self._link()
        self.instance = self._guarded(self._instantiate_context,
                                      lambda: self.linker.instantiate(self.store, self.compiled))
        self.report.timings["instantiate"] = time.perf_counter() - t
        return self.instance

    # -- running ---------------------------------------------------------------------------
    def initialize(self) -> list:
        """Call `_initialize` (once) and then the init function; return the init's results."""
        if self.instance is None:
            self.instantiate()
        name = self.options.init_func
        exports = self.instance.exports(self.store)
        t = time.perf_counter()
        init = exports.get("_initialize") if "_initialize" in exports else None
        if isinstance(init, wasmtime.Func):
            self.report.called_initialize = True
            self._guarded("calling the Reactor initialization function", lambda: init(self.store))
            if name == "_initialize":
                self.report.timings["init"] = time.perf_counter() - t
                return []
        func = exports.get(name) if name in exports else None
        if not isinstance(func, wasmtime.Func):
            raise InitError(f"no func export named `{name}` found")
        exp = self.module.export(name)
        ft = self.module.func_type(exp.index) if exp is not None and exp.kind == "func" else None
        if ft is not None and any(r.name == "v128" for r in ft.results):
            # wasmtime-py cannot convert v128 results (and aborts on printing their type)
            result = self._guarded(f"the `{name}` function trapped", lambda: _call_raw(self.store, func, ft))
        else:
            result = self._guarded(f"the `{name}` function trapped", lambda: func(self.store))
        self.report.timings["init"] = time.perf_counter() - t
        if result is None:
            self.report.results = []
        elif isinstance(result, (tuple, list)):      # multi-value results come back as a list
            self.report.results = list(result)
        else:
            self.report.results = [result]
        return self.report.results

    def interrupt(self) -> None:
        """Stop a running init from another thread (epoch interruption)."""
        self.interrupted = True
        if self._epoch:
            self.engine.increment_epoch()

    def _guarded(self, context: str, fn):
        if self.options.timeout is not None:
            self._timer = threading.Timer(self.options.timeout, self.engine.increment_epoch)
            self._timer.daemon = True
            self._timer.start()
        try:
            return fn()
        except wasmtime.ExitTrap as e:
            raise InitError(f"{context}: the program exited with status {e.code} during initialization",
                            hint="an init function must return normally; WASI proc_exit ends the run "
                                 "and nothing is snapshotted", exit_code=e.code) from None
        except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
            raise self._explain(context, e) from None
        finally:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._collect_output()

    def _explain(self, context: str, e: BaseException) -> InitError:
        text = str(e)
        bt = self._backtrace(e)
        m = _UNKNOWN_IMPORT.search(text)
        if m:
            mod, fld = m.group(1), m.group(2)
            hint = "imported functions cannot be called during Wizer initialization"
            if mod in WASI_MODULES and not self.options.wasi:
                hint += "; this is a WASI function: allow WASI with -S cli (or --allow-wasi)"
            else:
                hint += "; provide it with --preload NAME=MODULE or avoid calling it from init"
            return InitError(f"{context}: attempted to call an unknown imported function: "
                             f"'{mod}' '{fld}'", hint=hint, backtrace=bt)
        if "all fuel consumed" in text:
            return InitError(f"{context}: init ran out of fuel ({self.options.fuel} units)",
                             hint="raise --fuel, or check the init function for an endless loop", backtrace=bt)
        if "interrupt" in text and self._epoch:
            if self.interrupted:
                return InitError(f"{context}: cancelled", backtrace=bt)
            return InitError(f"{context}: init did not finish within {self.options.timeout:g} s",
                             hint="raise --timeout, or check the init function for an endless loop",
                             backtrace=bt)
        if "unknown import" in text or "incompatible import" in text:
            return InitError(f"failed to instantiate: {trap_reason(e)}",
                             hint="imports other than functions cannot be provided during initialization")
        return InitError(f"{context}: {trap_reason(e)}", backtrace=bt, hint=self._memory_limit_hint(text))

    def _backtrace(self, e: BaseException) -> list[str]:
        return trap_backtrace(e, self.module)

    def _memory_limit_hint(self, text: str) -> str | None:
        """Explain a trap that --max-memory may have caused.

        With a limit, `memory.grow` past it returns -1 instead of trapping (wasmtime-py has no
        trap-on-grow-failure switch), and programs usually turn that into `unreachable` (abort) or
        a bad pointer. Name the limit and the memory sizes when the trap looks like that.
        """
        limit = self.options.max_memory
        if limit is None or not isinstance(self.instance, wasmtime.Instance) or not any(
                k in text for k in ("unreachable", "out of bounds", "null")):
            return None
        sizes = []
        exports = self.instance.exports(self.store)
        for k in range(len(self.module.memories)):
            mem = exports.get(f"__wizer_memory_{k}") if f"__wizer_memory_{k}" in exports else None
            if isinstance(mem, wasmtime.Memory):
                sizes.append(f"memory {self.module.num_imported_memories + k}: {mem.data_len(self.store)} bytes")
        return (f"--max-memory {limit} limits each memory to {limit} bytes; `memory.grow` past it returns -1, "
                "which programs usually turn into a trap like this one ("
                + (", ".join(sizes) or "no memory") + " at the trap). Raise --max-memory if init needs more")

    def _collect_output(self) -> None:
        for path, attr in ((self._out, "stdout"), (self._err, "stderr")):
            try:
                with open(path, "rb") as f:
                    setattr(self.report, attr, f.read())
            except OSError:
                pass

    # -- state access (the snapshot's "instance state") -----------------------------------
    def global_bits(self, probe: GlobalProbe) -> int:
        g = self.instance.exports(self.store)[probe.export]
        raw = wasmtime._bindings.wasmtime_val_t()
        wasmtime._ffi.wasmtime_global_get(self.store._context(), ctypes.byref(g._global), ctypes.byref(raw))
        size = 16 if probe.type.value.name == "v128" else 8
        value = int.from_bytes(ctypes.string_at(ctypes.addressof(raw.of), size), "little")
        width = {"i32": 32, "f32": 32, "i64": 64, "f64": 64, "v128": 128}.get(probe.type.value.name, 64)
        return value & ((1 << width) - 1)

    def memory(self, probe: MemoryProbe):
        """A zero-copy view of the live memory's bytes."""
        mem = self.instance.exports(self.store)[probe.export]
        n = mem.data_len(self.store)
        if n == 0:
            return memoryview(b"")
        ptr = mem.data_ptr(self.store)
        return memoryview((ctypes.c_ubyte * n).from_address(ctypes.addressof(ptr.contents)))

    def nonzero_runs(self, probe: MemoryProbe):
        """(starts, ends) of the memory's non-zero runs, found in wasm next to the live memory."""
        from .runscan import nonzero_runs
        mem = self.instance.exports(self.store)[probe.export]
        if self._epoch:
            self.store.set_epoch_deadline(1 << 40)
        if self.options.fuel is not None:
            self.store.set_fuel(1 << 62)
        try:
            return nonzero_runs(self.store, self.engine, mem, probe.type)
        except wasmtime.WasmtimeError:
            return None     # e.g. a --max-memory below one page: scan the view in Python instead

    def close(self) -> None:
        self._tmp.cleanup()

    def release(self) -> None:
        """Drop the instance, store and compiled code once the snapshot is taken, so the rewrite
        does not stack its copies on top of them."""
        self.instance = None
        self.compiled = None
        self.store = None

    def snapshot_after_init(self, take, timings: dict[str, float], after_compile=None):
        """compile → instantiate → init → ``take(self)`` (the snapshot), then close and release;
        the pipelines' one straight run. ``after_compile`` may drop what compiling needed."""
        try:
            self.compile()
            if after_compile is not None:
                after_compile(self)
            self.instantiate()
            self.initialize()
            t = time.perf_counter()
            snap = take(self)
            timings["snapshot"] = time.perf_counter() - t
        finally:
            self.close()
            self.release()
        timings.update(self.report.timings)
        return snap
