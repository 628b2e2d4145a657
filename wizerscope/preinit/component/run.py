"""Run a component's initialization under wasmtime (SPEC §3.4), step by step.

Built on the core :class:`~wizerscope.preinit.run.CoreRunner` (store, limits, timeouts, captured
WASI output, error explanations); what differs is compiling a component, WASI p2
(``Linker.add_wasip2``) instead of p1, resolving the init function by item name or WAVE call,
and calling accessors of ``wasmtime:wizer/access`` for the snapshot.
"""
from __future__ import annotations

import ctypes
import re
import time
from typing import Callable

import wasmtime
from wasmtime import component as wc

from ...errors import InitError, WizerscopeError
from .. import engine as engines
from ..options import Options
from ...binary.module import Module
from ..run import CoreRunner, trap_backtrace
from . import wave
from .instrument import ACCESS_EXPORT


_UNKNOWN_COMPONENT_IMPORT = re.compile(r"unknown import: `([^`]+)` has not been defined")
_MISSING_COMPONENT_IMPORT = re.compile(r"component imports \w+ `([^`]+)`, but a matching implementation was not found")


class _P2Linker:
    """The component linker seen through the core runner's WASI set-up (p2 instead of p1)."""

    def __init__(self, linker: wc.Linker) -> None:
        self.linker = linker

    def define_wasi(self) -> None:
        self.linker.add_wasip2()


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


def compile_component(engine: wasmtime.Engine, wasm: bytes) -> wc.Component:
    """``wc.Component(engine, wasm)`` without wasmtime-py's private copy of the bytes (it copies
    into a ctypes array first: 18 MB more at the peak for componentize-py's output)."""
    if not isinstance(wasm, bytes):
        return wc.Component(engine, wasm)
    from wasmtime import _ffi as ffi
    buf = ctypes.cast(ctypes.c_char_p(wasm), ctypes.POINTER(ctypes.c_uint8))
    ptr = ctypes.POINTER(ffi.wasmtime_component_t)()
    error = ffi.wasmtime_component_new(engine.ptr(), buf, len(wasm), ctypes.byref(ptr))
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)
    return wc.Component._from_ptr(ptr)


class ComponentRunner(CoreRunner):
    """One instantiation of an instrumented component, driven step by step."""

    _compiled_type = staticmethod(compile_component)
    _unit_name = "component"

    def __init__(self, instrumented: bytes, options: Options, *, interruptible: bool = False) -> None:
        super().__init__(instrumented, None, options, interruptible=interruptible)
        self.compiled: wc.Component | None = None
        self.instance: wc.Instance | None = None
        self._access = None
        self._funcs: dict[str, wc.Func] = {}
        # when the caller dropped ``instrumented`` after compiling, how to make it again
        self.rebuild_instrumented: Callable[[], bytes] | None = None

    def _new_linker(self) -> wc.Linker:
        return wc.Linker(self.engine)

    def _configure_wasi(self) -> None:
        linker = self.linker
        self.linker = _P2Linker(linker)
        try:
            super()._configure_wasi()
        finally:
            self.linker = linker

    _instantiate_context = "failed to instantiate the component"

    def _link(self) -> None:
        if self.options.wasi:
            self._configure_wasi()
        else:
            # Trapping stubs only without WASI: wasmtime-py's stubs are defined under the exact
            # imported names and so shadow WASI p2 definitions that match by semver (measured:
            # componentize-py's `wasi:cli/environment@0.2.9#get-environment` then traps).
            self.linker.define_unknown_imports_as_traps(self.compiled)

    def instantiate(self) -> wc.Instance:
        if self.options.preloads:
            raise WizerscopeError("--preload cannot be used with components")
        return super().instantiate()

    def initialize(self) -> list:
        """Call the init function (item name or WAVE call); return its results as WAVE text."""
        if self.instance is None:
            self.instantiate()
        spec = wave.parse_init(self.options.init_func)
        inst_name, func_name = find_init(self.compiled.type, self.engine, spec)
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
            args = [wave.to_python(v, ty, spec.text) for v, (_, ty) in zip(spec.args, params)]
        t = time.perf_counter()
        value = self._guarded("the initialization function trapped", lambda: func(self.store, *args))
        self._guarded("the initialization function trapped", lambda: func.post_return(self.store))
        self.report.timings["init"] = time.perf_counter() - t
        result_ty = ftype.result
        self.report.results = [] if result_ty is None else [wave.format_value(value, result_ty)]
        return self.report.results

    def _explain(self, context: str, e: BaseException) -> InitError:
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
        return super()._explain(context, e)

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
        modules = [(comp.item_path(f"core module {i}"), m) for comp in tree.walk() for i, m in enumerate(comp.modules)]
        return [name_frame(line, modules) for line in lines]

    def release(self) -> None:
        """As for modules, and the accessor functions and linker too (the compiled code of a big
        component is hundreds of MB: collected now, not at some later collection)."""
        self._funcs.clear()
        self._access = None
        self.linker = None
        self.instrumented = b""
        super().release()
        import gc
        gc.collect()

    # -- accessor calls (the snapshot's instance state) ----------------------------------------
    def access(self, name: str, *args) -> int | str:
        """Call accessor ``name`` of ``wasmtime:wizer/access`` (with post-return)."""
        func = self._funcs.get(name)
        if func is None:
            if self._access is None:
                self._access = self.instance.get_export_index(self.store, ACCESS_EXPORT)
                if self._access is None:
                    raise WizerscopeError("internal error: the instrumented component lost its "
                                          f"`{ACCESS_EXPORT}` export")
                if self._epoch:
                    self.store.set_epoch_deadline(1 << 40)
                if self.options.fuel is not None:
                    self.store.set_fuel(1 << 62)
            func = self.instance.get_func(self.store, self.instance.get_export_index(self.store, name, self._access))
            self._funcs[name] = func
        try:
            value = func(self.store, *args)
            func.post_return(self.store)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
            raise WizerscopeError(f"reading the initialized state failed in accessor `{name}`: "
                                  f"{engines._first_line(e)}") from None
        return value


_TEXT_FRAME = re.compile(r"^(0x[0-9a-fA-F]+) - (.*)!<wasm function (\d+)>(.*)$")


def name_frame(line: str, modules: list[tuple[str, Module]]) -> str:
    """One backtrace line with the function's name and its module's path, when exactly one
    module of the component has a defined function ``N`` whose body holds the frame's offset
    (then the offset is a file offset of the instrumented component)."""
    m = _TEXT_FRAME.match(line)
    if m is None:
        return line
    offset, module_name, index, rest = int(m.group(1), 16), m.group(2), int(m.group(3)), m.group(4)
    hits = []
    for path, mod in modules:
        body = index - mod.num_imported_funcs
        if 0 <= body < len(mod.code_bodies):
            b0, b1 = mod.code_bodies[body]
            # component frames count from the component binary's start (measured); accept
            # module-relative offsets too, as core frames have them
            inside = b0 <= offset < b1 or b0 - mod.start <= offset < b1 - mod.start
            if inside and module_name in ("<unknown>", mod.names.module):
                hits.append((path, mod))
    if len(hits) != 1:
        return line
    path, mod = hits[0]
    name = mod.func_name(index) or f"<wasm function {index}>"
    return f"{m.group(1)} - {path}!{name}{rest}"
