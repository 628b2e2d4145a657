"""Run a component's initialization under wasmtime, step by step.

The same steps as the core :class:`~wizerscope.preinit.run.CoreRunner`, in the same kind of
:class:`~wizerscope.preinit.runtime.sandbox.Sandbox` (store, limits, timeouts, captured WASI
output, the shared explanations); what differs is compiling a component, WASI p2
(``Linker.add_wasip2``) instead of p1, resolving the init function by item name or WAVE call the
way ``wasmtime run --invoke`` does, and calling accessors of ``wasmtime:wizer/access`` for the
snapshot.
"""
from __future__ import annotations

import re
from typing import Callable

import wasmtime
from wasmtime import component as wc

from ...binary.encode import LazyJoin
from ...errors import InitError, RejectedError, Rejection, WizerscopeError
from ..options import Options
from ..runtime import engines, host_p2, internals
from ..runtime.sandbox import Sandbox, SandboxedRunner
from ..runtime.traps import name_frame, trap_backtrace
from . import wave
from .structure import ACCESS_EXPORT


_UNKNOWN_COMPONENT_IMPORT = re.compile(r"unknown import: `([^`]+)` has not been defined")
_MISSING_COMPONENT_IMPORT = re.compile(r"component imports \w+ `([^`]+)`, but a matching implementation was not found")


def find_init(component_type: wc.ComponentType, engine: wasmtime.Engine, spec: wave.InitSpec) -> tuple[str | None, str]:
    """(exported instance or None, function name) of the init function.

    A bare name is a top-level function export or, failing that, searched in every exported
    instance (like ``wasmtime run --invoke``); an ambiguous name is an error listing candidates.
    """
    exports = component_type.exports(engine)
    if spec.instance is not None:
        ext = exports.get(spec.instance)
        inner = ext.ty.exports(engine) if ext is not None and isinstance(ext.ty, wc.ComponentInstanceType) else {}
        if spec.func not in inner:
            raise InitError(f"the component does not export the function `{spec.text}`",
                            hint=_candidates_hint(exports, engine))
        if not isinstance(inner[spec.func].ty, wc.FuncType):
            raise InitError(f"the component's `{spec.text}` export is not a function")
        return spec.instance, spec.func
    if spec.func in exports:
        if not isinstance(exports[spec.func].ty, wc.FuncType):
            raise InitError(f"the component's `{spec.text}` export is not a function")
        return None, spec.func
    found = []
    for name, ext in exports.items():
        if name == ACCESS_EXPORT or not isinstance(ext.ty, wc.ComponentInstanceType):
            continue
        inner = ext.ty.exports(engine)
        if spec.func in inner and isinstance(inner[spec.func].ty, wc.FuncType):
            found.append(name)
    if not found:
        raise InitError(f"No exported func named `{spec.func}` in component",
                        hint=_candidates_hint(exports, engine))
    if len(found) > 1:
        listed = ", ".join(f"`{i.split('@')[0]}.{spec.func}" + (f"@{i.split('@')[1]}`" if "@" in i else "`")
                           for i in found)
        raise InitError(f"Multiple instances contained funcs named `{spec.func}`, retry with a more specific "
                        f"name: {listed}")
    return found[0], spec.func


def _candidates_hint(exports: dict, engine: wasmtime.Engine) -> str:
    names = []
    for name, ext in exports.items():
        if name == ACCESS_EXPORT:
            continue
        if isinstance(ext.ty, wc.FuncType):
            names.append(name)
        elif isinstance(ext.ty, wc.ComponentInstanceType):
            base, at, ver = name.partition("@")
            for f, inner in ext.ty.exports(engine).items():
                if isinstance(inner.ty, wc.FuncType):
                    names.append(f"{base}.{f}" + (f"@{ver}" if at else ""))
    if not names:
        return "the component exports no functions"
    shown = ", ".join(f"`{n}`" for n in names[:10]) + (" ..." if len(names) > 10 else "")
    return f"exported functions: {shown}"


class ComponentRunner(SandboxedRunner):
    """One instantiation of an instrumented component, driven step by step."""

    unit = "component"

    def __init__(self, instrumented: bytes | LazyJoin, options: Options, *, interruptible: bool = False) -> None:
        if options.preloads:
            raise WizerscopeError("--preload cannot be used with components")
        self.options = options
        self.instrumented = instrumented
        self.sandbox = Sandbox(options, interruptible=interruptible)
        self.compiled: wc.Component | None = None
        self.instance: wc.Instance | None = None
        self._linker: wc.Linker | None = None     # kept while the instance lives
        self._access = None
        self._funcs: dict[str, wc.Func] = {}
        # when the caller dropped ``instrumented`` after compiling, how to make it again
        self.rebuild_instrumented: Callable[[], bytes] | None = None
        # when the instrumented binary does not compile: the input's own verdict (offsets in the input)
        self.input_rejection: Callable[[], Rejection | None] | None = None
        # component path -> how many core modules the input has there (instrumentation adds more)
        self.input_modules: dict[str, int] = {}

    # -- steps ----------------------------------------------------------------------------------
    def load(self, engine: wasmtime.Engine):
        return internals.compile_component(engine, self.instrumented)

    def thaw(self, engine: wasmtime.Engine, path: str) -> wc.Component:
        return wc.Component.deserialize_file(engine, path)

    def compile(self, cache=None) -> None:
        """Compile; when wasmtime refuses, say why in the input's terms: its offsets count in the
        instrumented binary, which nobody has seen."""
        try:
            super().compile(cache)
        except WizerscopeError:
            rejection = self.input_rejection() if self.input_rejection is not None else None
            if rejection is not None:
                raise RejectedError([rejection]) from None
            raise

    def instantiate(self) -> wc.Instance:
        if self.compiled is None:
            self.compile()
        linker = wc.Linker(self.sandbox.engine)
        if self.options.wasi:
            self.store.set_wasi(self.sandbox.wasi_config())
            linker.add_wasip2()
            host_p2.install(linker, self.sandbox.engine, self.compiled, self.report.host)
        else:
            # Trapping stubs only without WASI: wasmtime-py's stubs are defined under the exact
            # imported names and so shadow WASI p2 definitions that match by semver (measured:
            # componentize-py's `wasi:cli/environment@0.2.9#get-environment` then traps).
            linker.define_unknown_imports_as_traps(self.compiled)
        self.instance = self.guarded("failed to instantiate the component",
                                      lambda: linker.instantiate(self.store, self.compiled))
        self._linker = linker
        return self.instance

    def initialize(self) -> list:
        """Call the init function (item name or WAVE call); return its results as WAVE text."""
        if self.instance is None:
            self.instantiate()
        spec = wave.parse_init(self.options.init_func)
        inst_name, func_name = find_init(self.compiled.type, self.sandbox.engine, spec)
        parent = self.instance.get_export_index(self.store, inst_name) if inst_name else None
        idx = self.instance.get_export_index(self.store, func_name, parent)
        func = self.instance.get_func(self.store, idx) if idx is not None else None
        if func is None:
            raise InitError(f"the component's `{spec.text}` export is not a function")
        ftype = func.type(self.store)
        params = ftype.params
        if spec.args is None:
            if params:
                raise InitError(f"the component's `{spec.text}` function export does not have type `[] -> []`",
                                hint="give its arguments as a WAVE call, e.g. "
                                     f"`{spec.text}({', '.join(n for n, _ in params)})` with values")
            args: list = []
        else:
            if len(spec.args) != len(params):
                raise InitError(f"parsing `{spec.text}` params as types: {len(spec.args)} argument(s) given, "
                                f"the function takes {len(params)} ({', '.join(n for n, _ in params)})")
            from .wave_types import to_python       # values against types: only for a call with arguments
            args = [to_python(v, ty, spec.text) for v, (_, ty) in zip(spec.args, params)]
        value = self.guarded("the initialization function trapped", lambda: func(self.store, *args))
        self.guarded("the initialization function trapped", lambda: func.post_return(self.store))
        result_ty = ftype.result
        if result_ty is None:
            self.report.results = []
        else:
            from .wave_types import format_value    # an init with results (`wizer-initialize` has none)
            self.report.results = [format_value(value, result_ty)]
        return self.report.results

    # -- explaining failures ----------------------------------------------------------------------
    def explain(self, context: str, e: BaseException) -> InitError:
        """Component stubs report `unknown import: `ns:pkg/iface@v#func` has not been defined`."""
        m = _UNKNOWN_COMPONENT_IMPORT.search(str(e))
        if m and self.instance is not None:
            name = m.group(1)
            hint = "imported functions cannot be called during Wizer initialization"
            if name.startswith("wasi:") and not self.options.wasi:
                hint += "; this is a WASI function: allow WASI p2 with -S cli"
            return InitError(f"{context}: attempted to call the unknown import `{name}`", hint=hint,
                             backtrace=self._backtrace(e))
        missing = m or _MISSING_COMPONENT_IMPORT.search(str(e))
        if missing:
            return InitError(f"{context}: the import `{missing.group(1)}` is not provided",
                             hint="with -S cli only WASI p2 is provided during initialization; other "
                                  "imports must not be needed (without -S cli every import is a stub "
                                  "that traps when called)")
        return self.sandbox.explain_trap(context, e, self._backtrace(e))

    def _backtrace(self, e: BaseException) -> list[str]:
        """wasmtime names component frames `<unknown>!<wasm function N>` at module-relative
        offsets; name each frame after the one core module whose function N holds that offset."""
        lines = trap_backtrace(e)
        if not lines:
            return lines
        try:
            from ...binary.component import parse_component
            binary = self.instrumented or (self.rebuild_instrumented() if self.rebuild_instrumented else b"")
            tree = parse_component(binary)
        except WizerscopeError:
            return lines
        # the input's modules only: the accessor and scanner modules instrumentation appended after
        # them at each level are never where init traps, and their offsets would make frames ambiguous
        own = self.input_modules
        modules = [(comp.item_path(f"core module {i}"), m) for comp in tree.walk()
                   for i, m in enumerate(comp.modules) if i < own.get(comp.path, len(comp.modules))]
        return [name_frame(line, modules) for line in lines]

    # -- accessor calls (the snapshot's instance state) -----------------------------------------
    def _accessor(self, name: str):
        func = self._funcs.get(name)
        if func is None:
            if self._access is None:
                self._access = self.instance.get_export_index(self.store, ACCESS_EXPORT)
                if self._access is None:
                    raise WizerscopeError("internal error: the instrumented component lost its "
                                          f"`{ACCESS_EXPORT}` export")
            func = self.instance.get_func(self.store, self.instance.get_export_index(self.store, name, self._access))
            self._funcs[name] = func
        return func

    def access(self, name: str, *args) -> int | str:
        """Call accessor ``name`` of ``wasmtime:wizer/access`` (with post-return)."""
        func = self._accessor(name)
        try:
            value = func(self.store, *args)
            func.post_return(self.store)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
            raise _accessor_failed(name, e) from None
        return value

    def string_reader(self, name: str) -> Callable[[int, int], bytes]:
        """Accessor ``name`` (a memory's ``read(from: u64, len: u32) -> string``) as a function
        of (from, len) to the UTF-8 bytes wasmtime makes of the latin-1 string; the caller
        decodes them. It may be called from another thread while this one waits or decodes
        (component/snapshot.py reads ahead so): it holds the store and the function, not the
        runner."""
        func, store = self._accessor(name), self.store

        def read(start: int, n: int) -> bytes:
            try:
                return internals.call_for_string_bytes(store, func, [("u64", start), ("u32", n)])
            except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
                raise _accessor_failed(name, e) from None
        return read

    # -- the end ----------------------------------------------------------------------------------
    def release(self) -> None:
        """Drop the accessors, linker, instance, store and compiled code (the compiled code of a
        big component is hundreds of MB). Nothing of it sits in a reference cycle, so it is freed
        here without a collection (a full one cost ~7 ms of a warm run)."""
        self._funcs.clear()
        self._access = None
        self._linker = None
        self.instance = None
        self.compiled = None
        self.instrumented = b""
        self.sandbox.release()


def _accessor_failed(name: str, e: BaseException) -> WizerscopeError:
    """An accessor call that trapped or failed: the snapshot cannot be read, in one sentence."""
    return WizerscopeError(f"reading the initialized state failed in accessor `{name}`: {engines.first_line(e)}")
