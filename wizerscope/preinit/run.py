"""Run a core module's initialization under wasmtime, step by step.

The steps are separate methods so the driver (:mod:`wizerscope.preinit.pipeline`) can stop
between them: compile → instantiate (the start function runs) → initialize (`_initialize`, then
the init function). WASI is off unless asked for; function imports nobody provides trap with a
message that names them; an endless init stops at the timeout (epoch interruption) or when fuel
runs out (the :class:`~wizerscope.preinit.runtime.sandbox.Sandbox`'s limits). The initialized
instance is then the snapshot's "instance state" (:meth:`global_bits`, :meth:`memory`,
:meth:`nonzero_runs`).
"""
from __future__ import annotations

import re

import wasmtime

from ..binary.module import Module
from ..binary.types import FuncType
from ..errors import InitError, WizerscopeError
from .instrument import GlobalProbe, MemoryProbe
from .options import Options
from .runtime import engines, internals
from .runtime.host_p1 import WASI_MODULES, P1Interposer
from .runtime.sandbox import Sandbox, SandboxedRunner
from .runtime.traps import trap_backtrace, trap_reason
from .runtime.wat import assemble

_UNKNOWN_IMPORT = re.compile(r"unknown import: `(.+?)::(.+?)` has not been defined")

__all__ = ["CoreRunner", "check_init_export"]


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


class CoreRunner(SandboxedRunner):
    """One instantiation of an instrumented module, driven step by step."""

    unit = "module"

    def __init__(self, instrumented: bytes, module: Module, options: Options, *,
                 interruptible: bool = False) -> None:
        self.module = module
        self.options = options
        self.instrumented = instrumented
        self.sandbox = Sandbox(options, interruptible=interruptible)
        self.compiled: wasmtime.Module | None = None
        self.instance: wasmtime.Instance | None = None
        self._exports: dict | None = None
        self.initialized = False

    # -- steps ----------------------------------------------------------------------------------
    def load(self, engine: wasmtime.Engine):
        return internals.compile_module(engine, self.instrumented)

    def thaw(self, engine: wasmtime.Engine, path: str) -> wasmtime.Module:
        return wasmtime.Module.deserialize_file(engine, path)

    def instantiate(self) -> wasmtime.Instance:
        """Link (WASI when asked, the preloads, trapping stubs for the rest) and instantiate."""
        if self.compiled is None:
            self.compile()
        linker = wasmtime.Linker(self.sandbox.engine)
        if self.options.wasi:
            self.store.set_wasi(self.sandbox.wasi_config())
            linker.define_wasi()
        self._load_preloads(linker)
        if self.options.wasi:
            # after the preloads: they see wasmtime's WASI as it is (see docs/determinism.md)
            P1Interposer(self.sandbox.engine, self.module, self.report.host).install(linker, self.store)
        linker.define_unknown_imports_as_traps(self.compiled)
        self.instance = self.guarded("instantiating the module (its start function trapped)",
                                      lambda: linker.instantiate(self.store, self.compiled))
        self._exports = None
        return self.instance

    def _load_preloads(self, linker: wasmtime.Linker) -> None:
        for name, path in self.options.preloads:
            where = f"failed to process preload `{name}` at `{path}`"
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError as e:
                raise WizerscopeError(f"{where}: {e.strerror}") from None
            if data[:4] != b"\0asm":
                data = assemble(data, path)
            if data[4:8] != b"\x01\x00\x00\x00":
                raise WizerscopeError("components cannot be loaded with --preload")
            try:
                mod = wasmtime.Module(self.sandbox.engine, data)
            except wasmtime.WasmtimeError as e:
                raise WizerscopeError(f"{where}: {engines.first_line(e)}") from None
            # the preload's start function runs here: under the same limits and explanations as init
            inst = self.guarded(f"{where} (its start function)", lambda: linker.instantiate(self.store, mod))
            linker.define_instance(self.store, name, inst)

    def exports(self) -> internals.Exports:
        """The instance's exports, each looked up by name when first asked for (wasmtime-py's
        ``Instance.exports`` walk is quadratic in the number of exports)."""
        if self._exports is None:
            self._exports = internals.Exports(self.store, self.instance)
        return self._exports

    def initialize(self) -> list:
        """Call `_initialize` (once) and then the init function; return the init's results."""
        if self.instance is None:
            self.instantiate()
        self.initialized = True            # from here on the memories are only read (heap.advise_huge_pages)
        name = self.options.init_func
        exports = self.exports()
        init = exports.get("_initialize")
        if isinstance(init, wasmtime.Func):
            self.report.called_initialize = True
            self.guarded("calling the Reactor initialization function", lambda: init(self.store))
            if name == "_initialize":
                return []
        func = exports.get(name)
        if not isinstance(func, wasmtime.Func):
            raise InitError(f"no func export named `{name}` found")
        exp = self.module.export(name)
        ft = self.module.func_type(exp.index) if exp is not None and exp.kind == "func" else None
        if ft is not None and any(r.name == "v128" for r in ft.results):
            # wasmtime-py cannot convert v128 results (and aborts on printing their type)
            types = [r.name for r in ft.results]
            result = self.guarded(f"the `{name}` function trapped",
                                   lambda: internals.call_without_args(self.store, func, types))
        else:
            result = self.guarded(f"the `{name}` function trapped", lambda: func(self.store))
        if result is None:
            self.report.results = []
        elif isinstance(result, (tuple, list)):      # multi-value results come back as a list
            self.report.results = list(result)
        else:
            self.report.results = [result]
        return self.report.results

    # -- explaining failures ----------------------------------------------------------------------
    def explain(self, context: str, e: BaseException) -> InitError:
        text = str(e)
        bt = trap_backtrace(e, self.module)
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
        limited = self.sandbox.explain_limits(context, e, bt)
        if limited is not None:
            return limited
        if "unknown import" in text or "incompatible import" in text:
            return InitError(f"failed to instantiate: {trap_reason(e)}",
                             hint="imports other than functions cannot be provided during initialization")
        return self.sandbox.explain_trap(context, e, bt, hint=self._memory_limit_hint(text))

    def _memory_limit_hint(self, text: str) -> str | None:
        """Explain a trap that --max-memory may have caused.

        With a limit, `memory.grow` past it returns -1 instead of trapping (wasmtime-py has no
        trap-on-grow-failure switch), and programs usually turn that into `unreachable` (abort) or
        a bad pointer. Name the limit and the memory sizes when the trap looks like that.
        """
        limit = self.options.max_memory
        if limit is None or self.instance is None or not any(
                k in text for k in ("unreachable", "out of bounds", "null")):
            return None
        sizes = []
        exports = self.exports()
        for k in range(len(self.module.memories)):
            mem = exports.get(f"__wizer_memory_{k}")
            if isinstance(mem, wasmtime.Memory):
                sizes.append(f"memory {self.module.num_imported_memories + k}: {mem.data_len(self.store)} bytes")
        return (f"--max-memory {limit} limits each memory to {limit} bytes; `memory.grow` past it returns -1, "
                "which programs usually turn into a trap like this one ("
                + (", ".join(sizes) or "no memory") + " at the trap). Raise --max-memory if init needs more")

    # -- state access (the snapshot's "instance state") -----------------------------------------
    def global_bits(self, probe: GlobalProbe) -> int:
        return internals.global_bits(self.store, self.exports()[probe.export], probe.type.value.name)

    def globals_bits(self, probes: list[GlobalProbe]) -> list[int]:
        """Every probed global's bits in one pass (see ``internals.exported_global_bits``)."""
        return internals.exported_global_bits(self.store, self.instance,
                                              [(p.export, p.type.value.name) for p in probes])

    def memory(self, probe: MemoryProbe) -> memoryview:
        """A zero-copy view of the live memory's bytes."""
        return internals.memory_view(self.store, self.exports()[probe.export])

    def nonzero_runs(self, probe: MemoryProbe):
        """(starts, ends) of the memory's non-zero runs, found in wasm next to the live memory."""
        from .runtime.kernels.nonzero_runs import nonzero_runs
        try:
            return nonzero_runs(self.store, self.sandbox.engine, self.exports()[probe.export], probe.type,
                                self.sandbox.scan_bound(), huge_pages=self.initialized)
        except wasmtime.WasmtimeError:
            return None     # e.g. a --max-memory below one page: scan the view in Python instead

    # -- the end ----------------------------------------------------------------------------------
    def release(self) -> None:
        """Drop the instance, store and compiled code once the snapshot is taken, so the rewrite
        does not stack its copies on top of them."""
        self.instance = None
        self._exports = None
        self.compiled = None
        self.sandbox.release()
