"""WASI preview 1 during a core module's init: every host call counted, clocks and randomness ours.

After ``Linker.define_wasi()``, every WASI function the module imports is shadowed
(``allow_shadowing``) by a Python host function that counts the call and then either

* answers it from the run's :class:`~wizerscope.preinit.runtime.host.Host` (in deterministic mode:
  ``clock_time_get``, ``clock_res_get`` and ``random_get``), or
* hands it to wasmtime's own WASI implementation (everything else, and everything in host mode).

wasmtime's WASI functions read the *calling* instance's ``memory`` export, and a call made from
Python has no calling instance, so handing a call on goes through a tiny forwarding module (built
on the first such call, from the module's own import signatures) that imports the caller's memory,
re-exports it as ``memory`` and calls the real import: WASI then sees the init's memory exactly as
if the module had called it directly. The environment and the arguments need no shadow: the WASI
configuration already holds exactly what the options give (:meth:`Sandbox.wasi_config`).
"""
from __future__ import annotations

import weakref
from typing import Callable

import wasmtime

from ...binary.module import Module
from ...binary.types import FuncType
from .host import Host
from .wat import assemble

WASI_MODULES = ("wasi_snapshot_preview1", "wasi_unstable")
ERRNO_SUCCESS, ERRNO_FAULT, ERRNO_INVAL = 0, 21, 28
_NUMERIC = ("i32", "i64", "f32", "f64")
_READS = ("fd_read", "fd_pread")         # their last parameter points at the count of bytes read
_FORWARDERS: "weakref.WeakKeyDictionary[wasmtime.Engine, dict[str, wasmtime.Module]]" = weakref.WeakKeyDictionary()


def _memory(caller: wasmtime.Caller) -> wasmtime.Memory:
    mem = caller.get("memory")
    if not isinstance(mem, wasmtime.Memory):
        raise wasmtime.Trap("missing required memory export")
    return mem


def _write(caller: wasmtime.Caller, ptr: int, data: bytes) -> int:
    """Store ``data`` at ``ptr`` in the caller's memory: an errno."""
    try:
        _memory(caller).write(caller, data, ptr & 0xFFFFFFFF)
    except IndexError:
        return ERRNO_FAULT
    return ERRNO_SUCCESS


def _clock(host: Host, clock_id: int) -> int | None:
    return {0: host.wall_ns, 1: host.monotonic_ns, 2: host.cpu_ns, 3: host.cpu_ns}.get(clock_id, lambda: None)()


def _own(host: Host) -> dict[str, Callable]:
    """The deterministic answers: name -> fn(caller, *params) -> errno."""
    def clock_time_get(caller, clock_id, _precision, ptr):
        now = _clock(host, clock_id)
        return ERRNO_INVAL if now is None else _write(caller, ptr, now.to_bytes(8, "little"))

    def clock_res_get(caller, clock_id, ptr):
        if clock_id not in (0, 1, 2, 3):
            return ERRNO_INVAL
        return _write(caller, ptr, host.resolution_ns().to_bytes(8, "little"))

    def random_get(caller, buf, length):
        return _write(caller, buf, host.random_bytes(length & 0xFFFFFFFF))

    return {"clock_time_get": clock_time_get, "clock_res_get": clock_res_get, "random_get": random_get}


def _wasm_type(ft: FuncType) -> wasmtime.FuncType:
    v = {"i32": wasmtime.ValType.i32(), "i64": wasmtime.ValType.i64(), "f32": wasmtime.ValType.f32(),
         "f64": wasmtime.ValType.f64()}
    return wasmtime.FuncType([v[p.name] for p in ft.params], [v[r.name] for r in ft.results])


def _same_type(a: wasmtime.FuncType, b: wasmtime.FuncType) -> bool:
    return [str(t) for t in a.params] == [str(t) for t in b.params] and \
        [str(t) for t in a.results] == [str(t) for t in b.results]


def _sig(ft: FuncType) -> str:
    params = " ".join(p.name for p in ft.params)
    results = " ".join(r.name for r in ft.results)
    return (f"(param {params})" if params else "") + (f" (result {results})" if results else "")


def _memory_import(mem_type: wasmtime.MemoryType | None) -> str:
    if mem_type is None:
        return ""
    lim = mem_type.limits
    width = "i64 " if mem_type.is_64 else ""
    shared = mem_type.is_shared
    top = f" {lim.max}" if shared and lim.max is not None else ""
    return (f'(import "env" "memory" (memory {width}0{top}{" shared" if shared else ""}))'
            '(export "memory" (memory 0))')


def forwarder_text(imports: list[tuple[str, str, FuncType]], mem_type: wasmtime.MemoryType | None) -> str:
    """A module whose export ``fN`` calls import N with its own parameters, seeing ``memory``."""
    lines = [_memory_import(mem_type)]
    for k, (module, name, ft) in enumerate(imports):
        lines.append(f'(import "{module}" "{name}" (func $i{k} {_sig(ft)}))')
    for k, (_, _, ft) in enumerate(imports):
        gets = " ".join(f"local.get {j}" for j in range(len(ft.params)))
        lines.append(f'(func (export "f{k}") {_sig(ft)} {gets} call $i{k})')
    return "(module " + "\n".join(lines) + ")"


class P1Interposer:
    """Counts and serves the WASI p1 calls of one module instance (see the module docstring)."""

    def __init__(self, engine: wasmtime.Engine, module: Module, host: Host) -> None:
        self.engine = engine
        self.host = host
        self.imports: list[tuple[str, str, FuncType]] = []
        for imp in module.imported("func"):
            ty = module.types[imp.desc] if isinstance(imp.desc, int) and imp.desc < len(module.types) else None
            if imp.module in WASI_MODULES and isinstance(ty, FuncType) and \
                    all(t.name in _NUMERIC for t in (*ty.params, *ty.results)):
                self.imports.append((imp.module, imp.field, ty))
        self._forward: list[wasmtime.Func] | None = None

    def install(self, linker: wasmtime.Linker, store: wasmtime.Store) -> None:
        """Shadow the module's WASI imports in ``linker`` (after ``define_wasi``)."""
        own = _own(self.host) if self.host.mode.deterministic else {}
        linker.allow_shadowing = True
        for k, (module, name, ft) in enumerate(self.imports):
            wasm_type = _wasm_type(ft)
            try:
                real = linker.get(store, module, name)
            except wasmtime.WasmtimeError:
                continue                      # not a WASI function wasmtime has: leave the error to it
            if not isinstance(real, wasmtime.Func) or not _same_type(real.type(store), wasm_type):
                continue
            serve = own.get(name) or self._forwarding(k, name)
            linker.define_func(module, name, wasm_type, self._counted(f"{module}.{name}", serve), access_caller=True)

    def _counted(self, label: str, serve: Callable) -> Callable:
        host = self.host

        def call(caller, *params):
            host.count(label)
            return serve(caller, *params)
        return call

    def _forwarding(self, k: int, name: str) -> Callable:
        def forward(caller, *params):
            result = self._forwarders(caller)[k](caller, *params)
            if name in _READS and result == ERRNO_SUCCESS and params[0] > 2:
                self._count_read(caller, params[-1])
            return result
        return forward

    def _count_read(self, caller: wasmtime.Caller, ptr: int) -> None:
        try:
            n = _memory(caller).read(caller, ptr & 0xFFFFFFFF, (ptr & 0xFFFFFFFF) + 4)
        except (IndexError, wasmtime.Trap):
            return
        self.host.file_bytes_read += int.from_bytes(n, "little")

    def _forwarders(self, caller: wasmtime.Caller) -> list[wasmtime.Func]:
        """The forwarding instance's functions, instantiated on the first forwarded call."""
        if self._forward is None:
            mem = caller.get("memory")
            mem = mem if isinstance(mem, wasmtime.Memory) else None
            text = forwarder_text(self.imports, mem.type(caller) if mem is not None else None)
            cache = _FORWARDERS.setdefault(self.engine, {})
            compiled = cache.get(text)
            if compiled is None:
                compiled = cache[text] = wasmtime.Module(self.engine, assemble(text, "the WASI forwarder"))
            linker = wasmtime.Linker(self.engine)
            linker.define_wasi()
            if mem is not None:
                linker.define(caller, "env", "memory", mem)
            exports = linker.instantiate(caller, compiled).exports(caller)
            self._forward = [exports[f"f{k}"] for k in range(len(self.imports))]
        return self._forward
