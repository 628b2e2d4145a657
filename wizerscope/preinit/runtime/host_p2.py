"""WASI p2 during a component's init: clocks, randomness and the environment from the run's Host.

``Linker.add_wasip2()`` defines wasmtime's WASI; the functions of ``wasi:clocks/wall-clock``,
``wasi:clocks/monotonic-clock`` (``now``, ``resolution``), ``wasi:random/random``,
``wasi:random/insecure``, ``wasi:random/insecure-seed`` and ``wasi:cli/environment``
(``get-environment``, ``get-arguments``) are then shadowed one by one with Python host functions
that count the call and answer from the :class:`~wizerscope.preinit.runtime.host.Host`, in host
mode (the real clocks and the OS's randomness) as in deterministic mode.

The shadows must be added to the very instances ``add_wasip2`` defined, under its own version
(say ``wasi:random/random@0.2.12``): that extends the instance function by function. An instance
named after the component's import (``@0.2.9``) would instead replace the whole interface and lose
the functions not shadowed (measured: ``resolution`` then "implementation is missing"). The
version is found by asking a throwaway linker which name it already holds (:func:`wasip2_version`).

Only these interfaces are counted: the others (streams, files, sockets) pass resources, which a
Python host function cannot forward to wasmtime's implementation.
"""
from __future__ import annotations

import wasmtime
from wasmtime import component as wc

from .host import Host

_PROBE_IFACE = "wasi:clocks/wall-clock"
_version: str | None = None


def wasip2_version(engine: wasmtime.Engine) -> str | None:
    """The ``0.2.N`` version under which ``add_wasip2`` defines its interfaces (None if unknown)."""
    global _version
    if _version is None:
        linker = wc.Linker(engine)
        linker.add_wasip2()
        for n in range(64):
            try:
                with linker.root() as root, root.add_instance(f"{_PROBE_IFACE}@0.2.{n}") as inst:
                    inst.add_func("now", lambda store: None)
            except wasmtime.WasmtimeError as e:
                if "defined twice" in str(e):
                    _version = f"0.2.{n}"
                    break
    return _version


def _datetime(ns: int) -> wc.Record:
    r = wc.Record()
    r.seconds, r.nanoseconds = divmod(ns, 1_000_000_000)
    return r


def _functions(host: Host) -> dict[str, dict[str, object]]:
    """interface (without version) -> function name -> fn(*params) -> result."""
    return {
        "wasi:clocks/wall-clock": {"now": lambda: _datetime(host.wall_ns()),
                                   "resolution": lambda: _datetime(host.resolution_ns())},
        "wasi:clocks/monotonic-clock": {"now": host.monotonic_ns, "resolution": host.resolution_ns},
        "wasi:random/random": {"get-random-bytes": lambda n: host.random_bytes(n),
                               "get-random-u64": lambda: int.from_bytes(host.random_bytes(8), "little")},
        "wasi:random/insecure": {"get-insecure-random-bytes": lambda n: host.insecure_bytes(n),
                                 "get-insecure-random-u64": lambda: int.from_bytes(host.insecure_bytes(8), "little")},
        "wasi:random/insecure-seed": {"insecure-seed": host.insecure_seed},
        "wasi:cli/environment": {"get-environment": lambda: list(host.environment),
                                 "get-arguments": lambda: list(host.arguments)},
    }


def imported_names(component: wc.Component, engine: wasmtime.Engine) -> dict[str, str]:
    """interface without version -> the name the component imports it under."""
    return {name.split("@")[0]: name for name in component.type.imports(engine)}


def install(linker: wc.Linker, engine: wasmtime.Engine, component: wc.Component, host: Host) -> None:
    """Shadow the interfaces above in ``linker`` (after ``add_wasip2``) with counting functions."""
    version = wasip2_version(engine)
    if version is None:
        return
    names = imported_names(component, engine)
    linker.allow_shadowing = True
    with linker.root() as root:
        for iface, funcs in _functions(host).items():
            label = names.get(iface, f"{iface}@{version}")
            with root.add_instance(f"{iface}@{version}") as inst:
                for fname, fn in funcs.items():
                    inst.add_func(fname, _counted(host, f"{label}.{fname}", fn))


def _counted(host: Host, label: str, fn):
    def call(store, *params):
        host.count(label)
        return fn(*params)
    return call
