"""The one module that reaches into wasmtime-py's private API (``_ffi``, ``_bindings``, ``_func``).

wasmtime-py's public API lacks five things the pre-initializer needs:

* selecting Winch as the compiler (``Config.strategy`` stops at Cranelift);
* reading a global's raw bits (``Global.value`` goes through Python floats, which can quiet a
  signalling NaN's payload, and cannot hold a v128);
* calling a function with v128 results (wasmtime-py cannot convert them, and aborts printing their
  type);
* looking an instance's export up by name without walking them all (:class:`Exports`);
* compiling a component from ``bytes`` without a private ctypes copy of them (18 MB more at the
  peak for componentize-py's output);
* writing compiled code out without a Python copy of it (``serialize`` returns ``bytes``: 46 MB
  for componentize-py's component, twice while it is converted);
* a component function's ``string`` result as the bytes wasmtime hands over
  (:func:`call_for_string_bytes`), converted by the caller, so that the call itself runs with the
  GIL released while the previous result is decoded.

Everything else uses the public API. :func:`check` lists what this module relies on; a test calls
it, so a wasmtime-py upgrade that moves one of these fails loudly in the suite instead of at a
user's init.
"""
from __future__ import annotations

import ctypes

import wasmtime

STRATEGY_WINCH = 2          # wasmtime_strategy_t
_WIDTHS = {"i32": 32, "f32": 32, "i64": 64, "f64": 64, "v128": 128}


def check() -> list[str]:
    """The private names this module uses that the installed wasmtime-py lacks (empty: all there).
    Instance attributes (``Func._func``, ``Global._global``) are exercised by the test instead."""
    from wasmtime import _bindings, _extern, _ffi, _func
    from wasmtime import component as wc
    need = [(_ffi, "wasmtime_config_strategy_set"), (_ffi, "wasmtime_func_call"),
            (_ffi, "wasmtime_global_get"), (_ffi, "wasmtime_component_new"), (_ffi, "wasmtime_component_t"),
            (_bindings, "wasmtime_val_t"), (_func, "enter_wasm"), (wasmtime.Val, "_from_raw"),
            (wasmtime.WasmtimeError, "_from_ptr"), (wc.Component, "_from_ptr"), (wasmtime.Store, "_context"),
            (_ffi, "wasmtime_instance_export_get"), (_ffi, "wasmtime_extern_t"), (_extern, "wrap_extern"),
            (_ffi, "WASMTIME_EXTERN_GLOBAL"), (_ffi, "wasm_byte_vec_t"), (_ffi, "wasm_byte_vec_delete"),
            (_ffi, "wasmtime_module_serialize"), (_ffi, "wasmtime_component_serialize"),
            (_ffi, "wasmtime_component_func_call"), (_ffi, "wasmtime_component_func_post_return"),
            (_ffi, "wasmtime_component_val_t"), (_ffi, "WASMTIME_COMPONENT_U32"), (_ffi, "WASMTIME_COMPONENT_U64"),
            (_ffi, "WASMTIME_COMPONENT_STRING")]
    return [f"{getattr(owner, '__name__', owner)}.{name}" for owner, name in need if not hasattr(owner, name)]


def use_winch(config: wasmtime.Config) -> None:
    """Make ``config`` compile with Winch, wasmtime's baseline compiler."""
    from wasmtime import _ffi
    _ffi.wasmtime_config_strategy_set(config.ptr(), STRATEGY_WINCH)


def global_bits(store: wasmtime.Store, glob: wasmtime.Global, type_name: str) -> int:
    """The global's value as its raw bit pattern (floats exact, v128 as a 128-bit integer)."""
    from wasmtime import _bindings, _ffi
    raw = _bindings.wasmtime_val_t()
    _ffi.wasmtime_global_get(store._context(), ctypes.byref(glob._global), ctypes.byref(raw))
    size = 16 if type_name == "v128" else 8
    value = int.from_bytes(ctypes.string_at(ctypes.addressof(raw.of), size), "little")
    return value & ((1 << _WIDTHS.get(type_name, 64)) - 1)


def exported_global_bits(store: wasmtime.Store, instance: wasmtime.Instance,
                         globals_: list[tuple[str, str]]) -> list[int]:
    """The raw bits of many exported globals, ``(export name, type name)`` each, in one pass:
    each looked up by name in the instance's hash map and read from the extern wasmtime returns,
    with no Python ``Global`` object and no per-call imports (20,000 exported globals: 0.33 s
    one by one, a fraction of that here). Raises KeyError for a name that is not a global."""
    from wasmtime import _bindings, _ffi
    ctx = store._context()
    inst = ctypes.byref(instance._instance)
    item = _ffi.wasmtime_extern_t()
    raw = _bindings.wasmtime_val_t()
    item_ref, raw_ref, glob_ref = ctypes.byref(item), ctypes.byref(raw), ctypes.byref(item.of.global_)
    lanes = ctypes.addressof(raw.of)
    kind_global = _ffi.WASMTIME_EXTERN_GLOBAL.value
    out = []
    for name, type_name in globals_:
        key = name.encode("utf-8")
        if not _ffi.wasmtime_instance_export_get(ctx, inst, key, len(key), item_ref) or \
                item.kind != kind_global:
            raise KeyError(name)
        _ffi.wasmtime_global_get(ctx, glob_ref, raw_ref)
        value = int.from_bytes(ctypes.string_at(lanes, 16 if type_name == "v128" else 8), "little")
        out.append(value & ((1 << _WIDTHS.get(type_name, 64)) - 1))
    return out


def call_without_args(store: wasmtime.Store, func: wasmtime.Func, result_types: list[str]) -> list:
    """Call a function that takes no parameters, reading v128 results as integers (little-endian
    lane bytes) and every other result the way wasmtime-py does."""
    from wasmtime import _bindings, _ffi
    from wasmtime._func import enter_wasm
    n = len(result_types)
    results = (_bindings.wasmtime_val_t * n)()
    with enter_wasm(store) as trap:
        error = _ffi.wasmtime_func_call(store._context(), ctypes.byref(func._func), None, 0, results, n, trap)
        if error:
            raise wasmtime.WasmtimeError._from_ptr(error)
    out = []
    for raw, name in zip(results, result_types):
        if name == "v128":
            out.append(int.from_bytes(bytes(raw.of.v128), "little"))
        else:
            out.append(wasmtime.Val._from_raw(store, raw).value)
    return out


def call_for_string_bytes(store: wasmtime.Store, func, params: list[tuple[str, int]]) -> bytes:
    """Call component function ``func`` (its ``_func`` handle) with integer ``params`` (("u32" |
    "u64", value) each) for its ``string`` result, and its post-return; return the string as the
    UTF-8 bytes wasmtime made of it. ``Func.__call__`` decodes them into a ``str`` inside the call
    and looks the function's type up on every call; here ctypes lets go of the GIL for the whole
    call, so another thread can decode the previous result meanwhile (the component snapshot's
    reads: componentize-py's 11.5 MB, 56-60 -> 47-48 ms). Raises what wasmtime raises."""
    from wasmtime import _ffi
    args = (_ffi.wasmtime_component_val_t * len(params))()
    for slot, (kind, value) in zip(args, params):
        if kind == "u64":
            slot.kind, slot.of.u64 = _ffi.WASMTIME_COMPONENT_U64, value
        else:
            slot.kind, slot.of.u32 = _ffi.WASMTIME_COMPONENT_U32, value
    result = _ffi.wasmtime_component_val_t()
    error = _ffi.wasmtime_component_func_call(ctypes.byref(func._func), store._context(), args, len(params),
                                              ctypes.byref(result), 1)
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)
    if result.kind != _ffi.WASMTIME_COMPONENT_STRING.value:
        _ffi.wasmtime_component_val_delete(ctypes.byref(result))
        raise wasmtime.WasmtimeError("internal error: an accessor returned something other than a string")
    vec = result.of.string
    data = ctypes.string_at(vec.data, vec.size)
    _ffi.wasm_byte_vec_delete(ctypes.byref(vec))
    error = _ffi.wasmtime_component_func_post_return(ctypes.byref(func._func), store._context())
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)
    return data


def _unpacked(wasm: bytes):
    """A pointer to the bytes of ``wasm`` itself: wasmtime reads them during the call and keeps
    nothing (wasmtime-py copies them first: +18 MB at componentize-py's compile, +100 MB at a
    CPython core module's)."""
    return ctypes.cast(ctypes.c_char_p(wasm), ctypes.POINTER(ctypes.c_uint8))


def _compiled_in_place(engine: wasmtime.Engine, wasm: bytes, new, handle_type, wrap):
    """``new(engine, bytes, len, &handle)`` on the bytes themselves, then ``wrap(handle)``."""
    ptr = ctypes.POINTER(handle_type)()
    error = new(engine.ptr(), _unpacked(wasm), len(wasm), ctypes.byref(ptr))
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)
    return wrap(ptr)


def compile_module(engine: wasmtime.Engine, wasm: bytes | memoryview) -> wasmtime.Module:
    """``wasmtime.Module(engine, wasm)`` without its private copy of ``bytes``."""
    if not isinstance(wasm, bytes):
        return wasmtime.Module(engine, wasm)
    from wasmtime import _ffi
    return _compiled_in_place(engine, wasm, _ffi.wasmtime_module_new, _ffi.wasmtime_module_t,
                              wasmtime.Module._from_ptr)


def validate_module(engine: wasmtime.Engine, wasm: bytes | memoryview) -> None:
    """``wasmtime.Module.validate(engine, wasm)`` without its private copy of ``bytes``."""
    if not isinstance(wasm, bytes):
        wasmtime.Module.validate(engine, bytes(wasm))
        return
    from wasmtime import _ffi
    error = _ffi.wasmtime_module_validate(engine.ptr(), _unpacked(wasm), len(wasm))
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)


def compile_component(engine: wasmtime.Engine, wasm: bytes | memoryview):
    """``wasmtime.component.Component(engine, wasm)`` without its private copy of ``bytes``."""
    from wasmtime import component as wc
    if not isinstance(wasm, bytes):
        return wc.Component(engine, wasm)
    from wasmtime import _ffi
    return _compiled_in_place(engine, wasm, _ffi.wasmtime_component_new, _ffi.wasmtime_component_t,
                              wc.Component._from_ptr)


def write_serialized(compiled, write) -> int:
    """Serialize compiled code (a ``wasmtime.Module`` or a component) and hand ``write`` a view
    of wasmtime's own buffer, freed afterwards; returns the size. What ``serialize()`` gives,
    without the ``bytes`` copy."""
    from wasmtime import _ffi
    serialize = _ffi.wasmtime_module_serialize if isinstance(compiled, wasmtime.Module) \
        else _ffi.wasmtime_component_serialize
    raw = _ffi.wasm_byte_vec_t()
    error = serialize(compiled.ptr(), ctypes.byref(raw))
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)
    try:
        n = raw.size
        if n:
            write(memoryview((ctypes.c_ubyte * n).from_address(ctypes.addressof(raw.data.contents))).cast("B"))
        return n
    finally:
        _ffi.wasm_byte_vec_delete(ctypes.byref(raw))


def memory_view(store: wasmtime.Store, memory: wasmtime.Memory) -> memoryview:
    """A zero-copy view of a live memory's bytes (valid until the memory grows or the store dies)."""
    n = memory.data_len(store)
    if n == 0:
        return memoryview(b"")
    ptr = memory.data_ptr(store)
    return memoryview((ctypes.c_ubyte * n).from_address(ctypes.addressof(ptr.contents)))


def variant_is_tagged(ty) -> bool:
    """Whether wasmtime-py wants a ``Variant`` object (not the bare payload) for a value of the
    component variant or result type ``ty``: it does when the cases' Python types overlap."""
    return ty._tagged()


class Exports:
    """An instance's exports looked up by name, each once. wasmtime-py's ``Instance.exports``
    walks every export through ``wasmtime_instance_export_nth``, which is itself linear, so the
    walk is quadratic (20,000 exported globals: 6 s); ``wasmtime_instance_export_get`` finds one
    by name in a hash map."""

    def __init__(self, store: wasmtime.Store, instance: wasmtime.Instance) -> None:
        self._store = store
        self._instance = instance
        self._found: dict[str, object] = {}

    def get(self, name: str, default=None):
        if name not in self._found:
            from wasmtime import _ffi
            from wasmtime._extern import wrap_extern
            item = _ffi.wasmtime_extern_t()
            raw = name.encode("utf-8")
            found = _ffi.wasmtime_instance_export_get(self._store._context(), ctypes.byref(self._instance._instance),
                                                      ctypes.c_char_p(raw), len(raw), ctypes.byref(item))
            self._found[name] = wrap_extern(item) if found else None
        value = self._found[name]
        return default if value is None else value

    def __getitem__(self, name: str):
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value
