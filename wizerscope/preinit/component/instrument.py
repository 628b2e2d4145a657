"""Instrumentation of a component: every instantiated core module exposes its state, and a
``wasmtime:wizer/access`` instance exports accessors for it (the reference's
scheme, redesigned for Python: its accessors return whole memories as ``list<u8>``, which
wasmtime-py converts element by element at about 1.35 s per MiB).

Each instantiated module is instrumented by the core :func:`instrument_module` (its ``__wizer_*``
exports). Per such instance, a generated accessor core module imports that state and offers:

* globals as ``func() -> u32|u64`` returning the raw bits (f32/f64 reinterpreted, so NaN payloads
  survive; v128 as two u64 halves);
* memories as ``len`` (byte length), ``runs`` (the core run scanner,
  :mod:`wizerscope.preinit.runtime.kernels.nonzero_runs`, instantiated on the target memory, so only joined
  (start, end) pairs cross into Python, a batch and its resume position in one call) and ``read``
  (``memory.copy`` of a chunk into the accessor's own memory, lifted
  as a latin1+utf16 ``string``: bytes at C speed, without growing the target memory, so a memory at
  its maximum works, and 64-bit memories too).

Nested components with state are instrumented the same way and export their own access instance;
the parent aliases those functions and re-exports them, so one flat table reaches every level.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ...binary import component_encode as ce
from ...binary.component import (C_ALIAS, C_CANON, C_COMPONENT, C_CORE_INSTANCE, C_CORE_MODULE, C_EXPORT,
                                 C_INSTANCE, C_TYPE, Component)
from ...binary.encode import LazyJoin, section, uleb
from ..instrument import GlobalProbe, MemoryProbe, Unit, instrument_module_parts
from ..runtime.kernels.accessor import accessor_wat
from ..runtime.kernels.nonzero_runs import wat_text
from ..runtime.wat import assemble
from .structure import ACCESS_EXPORT, has_state

_GLOBAL_WIT = {"i32": "u32", "f32": "u32", "i64": "u64", "f64": "u64"}
# role -> (params, result) of the lifted accessor's func type
_ROLE_TYPES = {
    "u32": ([], "u32"), "u64": ([], "u64"),
    "len": ([], "u64"),
    "read": ([("from", "u64"), ("len", "u32")], "string"),
    "runs": ([("from", "u64"), ("to", "u64"), ("cap", "u32")], "string"),
    "all": ([], "string"),
}


@dataclass(frozen=True)
class Accessor:
    """One row of the accessor table: which state of which module it reads, and how.

    ``funcs`` maps a role (``get``, ``lo``/``hi`` for v128, ``all`` for every global of the module
    at once, ``len``/``read``/``runs`` for memories) to the function's name in the top-level
    ``wasmtime:wizer/access``.
    """

    ordinal: int
    path: str                  # component path ("" = root)
    module: int                # core module index in that component
    instance: int              # core instance index in that component
    core_export: str           # __wizer_global_{i} / __wizer_memory_{k}
    probe: GlobalProbe | MemoryProbe
    funcs: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "global" if isinstance(self.probe, GlobalProbe) else "memory"

    @property
    def wit_type(self) -> str:
        if isinstance(self.probe, MemoryProbe):
            return "len: func() -> u64; read: func(from: u64, len: u32) -> string; runs: func(from: u64, " \
                   "to: u64, cap: u32) -> string"
        t = self.probe.type.value.name
        return "func() -> u64 (x2: lo, hi)" if t == "v128" else f"func() -> {_GLOBAL_WIT[t]}"


@dataclass
class ComponentInstrumentation:
    """The instrumented bytes' map: the accessor table and every instrumented module."""

    accessors: list[Accessor] = field(default_factory=list)
    sites: list[Unit] = field(default_factory=list)


class _Level:
    """Appends the accessor plumbing to one component, tracking its index spaces."""

    def __init__(self, c: Component) -> None:
        self.c = c
        sp = c.spaces
        self.next = {s: sp[s] for s in ("core module", "core instance", "core func", "core memory", "type",
                                        "func", "instance")}
        self.modules: list[tuple[str, str]] = []         # (WAT text, what it is), assembled by sections()
        self.aliases1: list[bytes] = []
        self.core_instances: list[bytes] = []
        self.aliases2: list[bytes] = []
        self.types: list[bytes] = []
        self.type_index: dict[str, int] = {}
        self.canons: list[bytes] = []
        self.func_aliases: list[bytes] = []
        self.exports: list[tuple[str, str, int]] = []     # (name, sort, index) of the access instance

    def new(self, sort: str) -> int:
        i = self.next[sort]
        self.next[sort] = i + 1
        return i

    def func_type(self, role: str) -> int:
        if role not in self.type_index:
            params, result = _ROLE_TYPES[role]
            self.types.append(ce.func_type(params, result))
            self.type_index[role] = self.new("type")
        return self.type_index[role]

    def lift(self, core_func: int, role: str, memory: int | None = None) -> int:
        opts = [] if memory is None else [("latin1+utf16", None), ("memory", memory)]
        self.canons.append(ce.canon_lift(core_func, self.func_type(role), opts))
        return self.new("func")

    def export_func(self, func: int) -> str:
        name = f"f{len(self.exports)}"
        self.exports.append((name, "func", func))
        return name

    def sections(self) -> list[bytes]:
        """The plumbing's sections, its modules assembled now (only a code-store miss needs them)."""
        out = [section(C_CORE_MODULE, assemble(text, what)) for text, what in self.modules]
        for sid, entries in ((C_ALIAS, self.aliases1), (C_CORE_INSTANCE, self.core_instances),
                             (C_ALIAS, self.aliases2), (C_TYPE, self.types), (C_CANON, self.canons),
                             (C_ALIAS, self.func_aliases)):
            if entries:
                out.append(ce.section(sid, entries))
        inst = self.new("instance")
        out.append(ce.section(C_INSTANCE, [ce.instance_from_exports(self.exports)]))
        out.append(ce.section(C_EXPORT, [ce.export(ACCESS_EXPORT, "instance", inst)]))
        return out


Emit = Callable[[], list[bytes | memoryview]]


def _instrument_level(c: Component, table: ComponentInstrumentation) -> tuple[Emit, list[Accessor]]:
    """What makes the instrumented bytes of ``c`` (in pieces), and its accessors (``funcs``
    named in c's own access instance). The helpers run in this order because each allocates
    indices the next ones refer to; the bytes are made only when asked for (a run whose compiled
    code is in the code store never assembles the accessor modules: ~7 ms for componentize-py)."""
    replaced: dict[int, list | Emit] = {}    # section index -> the new section, in pieces
    level = _Level(c)
    sites = _instrument_modules(c, table, replaced)
    planned = _instantiate_accessors(level, sites, _add_scanners(level, sites))
    nested = _instrument_nested(c, table, level, replaced)
    accessors = _lift_accessors(level, c, planned) + _reexport_nested(level, nested)

    def emit() -> list[bytes | memoryview]:
        parts: list[bytes | memoryview] = [c.data[c.start:c.start + 8]]
        for si, sec in enumerate(c.sections):
            new = replaced.get(si)
            if new is None:
                parts.append(sec.raw(c.data))
            else:
                parts.extend(new() if callable(new) else new)
        if accessors:
            parts.extend(level.sections())
        return parts
    return emit, accessors


def _instrument_modules(c: Component, table: ComponentInstrumentation, replaced: dict[int, list]) -> list[Unit]:
    """The core instrumentation of every module instantiated (once) at this level."""
    sites = []
    for mi, m in enumerate(c.modules):
        insts = c.instantiations(mi)
        if len(insts) != 1:
            continue
        module_parts, ins = instrument_module_parts(m)
        size = sum(len(p) for p in module_parts)
        replaced[c.module_sections[mi]] = [bytes((C_CORE_MODULE,)) + uleb(size), *module_parts]
        site = Unit(m, ins, c.path, mi, insts[0].index, c.copy_of.get(mi))
        table.sites.append(site)
        sites.append(site)
    return sites


def _add_scanners(level: _Level, sites: list[Unit]) -> dict[tuple, int]:
    """One non-zero run scanner module per memory type; (memory64, page size log2) -> module index."""
    scan_modules: dict[tuple, int] = {}
    for site in sites:
        for mp in site.instrumentation.memories:
            key = (mp.type.memory64, mp.type.page_size_log2)
            if key not in scan_modules:
                level.modules.append((wat_text(*key), "the nonzero_runs kernel"))
                scan_modules[key] = level.new("core module")
    return scan_modules


def _instantiate_accessors(level: _Level, sites: list[Unit], scan_modules: dict[tuple, int]) -> list[tuple]:
    """Phase 1 (first alias section, core instance section): the target memories, a scanner
    instance per memory and the accessor instance per module; (site, rows, scanners, instance)."""
    planned = []
    for site in sites:
        ins = site.instrumentation
        if not ins.globals and not ins.memories:
            continue
        text, rows = accessor_wat(ins)
        level.modules.append((text, "the accessor kernel"))
        acc_module = level.new("core module")
        args = [("t", site.instance)]
        scan_instances: dict[int, int] = {}
        for mp in ins.memories:
            level.aliases1.append(ce.alias_core_export("core memory", site.instance, mp.export))
            mem = level.new("core memory")
            level.core_instances.append(ce.core_from_exports([("memory", "core memory", mem)]))
            target = level.new("core instance")
            level.core_instances.append(ce.core_instantiate(
                scan_modules[(mp.type.memory64, mp.type.page_size_log2)], [("target", target)]))
            scan_instances[mp.defined] = level.new("core instance")
            args.append((f"s{mp.defined}", scan_instances[mp.defined]))
        level.core_instances.append(ce.core_instantiate(acc_module, args))
        planned.append((site, rows, scan_instances, level.new("core instance")))
    return planned


def _instrument_nested(c: Component, table: ComponentInstrumentation, level: _Level,
                       replaced: dict[int, list]) -> list[tuple[int, list[Accessor]]]:
    """Nested components with state, instrumented in place; their access instances aliased."""
    nested = []
    for k, child in enumerate(c.components):
        insts = c.component_instantiations(k)
        if len(insts) != 1 or not has_state(child):
            continue
        child_emit, child_accessors = _instrument_level(child, table)
        replaced[c.component_sections[k]] = lambda child_emit=child_emit: [section(C_COMPONENT, b"".join(child_emit()))]
        if child_accessors:
            level.aliases1.append(ce.alias_export("instance", insts[0].index, ACCESS_EXPORT))
            nested.append((level.new("instance"), child_accessors))
    return nested


def _lift_accessors(level: _Level, c: Component, planned: list[tuple]) -> list[Accessor]:
    """Phase 2 (second alias section, types, lifts): each accessor's core funcs and memories,
    lifted and exported."""
    accessors = []
    for site, rows, scan_instances, acc_inst in planned:
        buf = None
        shared: dict[str, str] = {}          # a core func every global shares (role "all") -> its name
        for probe, roles in rows:
            funcs: dict[str, str] = {}
            if (isinstance(probe, MemoryProbe) or "all" in roles) and buf is None:
                level.aliases2.append(ce.alias_core_export("core memory", acc_inst, "buf"))
                buf = level.new("core memory")
            if isinstance(probe, MemoryProbe):
                level.aliases2.append(ce.alias_core_export("core memory", scan_instances[probe.defined], "out"))
                out_mem = level.new("core memory")
                for role, core_name in roles.items():
                    level.aliases2.append(ce.alias_core_export("core func", acc_inst, core_name))
                    memory = buf if role == "read" else out_mem if role == "runs" else None
                    funcs[role] = level.export_func(level.lift(level.new("core func"), role, memory))
            else:
                wit = "u64" if probe.type.value.name == "v128" else _GLOBAL_WIT[probe.type.value.name]
                for role, core_name in roles.items():
                    if role == "all" and core_name in shared:
                        funcs[role] = shared[core_name]
                        continue
                    level.aliases2.append(ce.alias_core_export("core func", acc_inst, core_name))
                    if role == "all":
                        funcs[role] = shared[core_name] = level.export_func(level.lift(level.new("core func"), "all", buf))
                    else:
                        funcs[role] = level.export_func(level.lift(level.new("core func"), wit))
            accessors.append(Accessor(0, c.path, site.module_index, site.instance, probe.export, probe, funcs))
    return accessors


def _reexport_nested(level: _Level, nested: list[tuple[int, list[Accessor]]]) -> list[Accessor]:
    """Phase 3 (alias section after the lifts): the nested levels' accessor funcs, re-exported."""
    accessors = []
    for child_access, child_accessors in nested:
        again: dict[str, str] = {}            # a child func several accessors share, re-exported once
        for acc in child_accessors:
            funcs = {}
            for role, name in acc.funcs.items():
                if name not in again:
                    level.func_aliases.append(ce.alias_export("func", child_access, name))
                    again[name] = level.export_func(level.new("func"))
                funcs[role] = again[name]
            accessors.append(Accessor(0, acc.path, acc.module, acc.instance, acc.core_export, acc.probe, funcs))
    return accessors


def instrument_component(c: Component) -> tuple[bytes, ComponentInstrumentation]:
    """The instrumented component's bytes and its accessor table (ordinals in table order)."""
    out, table = instrument_component_lazily(c)
    return out.join(), table


def instrument_component_lazily(c: Component) -> tuple[LazyJoin, ComponentInstrumentation]:
    """:func:`instrument_component` with the bytes joined only when asked for: a run whose
    compiled code is in the code store needs the accessor table alone (componentize-py: an
    18 MB copy, ~5 ms and 18 MB of peak memory less)."""
    table = ComponentInstrumentation()
    emit, accessors = _instrument_level(c, table)
    table.accessors = [Accessor(i, a.path, a.module, a.instance, a.core_export, a.probe, a.funcs)
                       for i, a in enumerate(accessors)]
    return LazyJoin(emit), table
