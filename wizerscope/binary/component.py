"""Parse a Wasm component into a tree: :class:`Component` → nested components, core modules, instances.

The model, for readers (the inspector shows it as is):

* :class:`Component` — one component (the file's root, or a nested ``component`` section). It holds
  its ``sections`` in file order (:class:`~wizerscope.binary.section.Section`: id, kind, offset,
  size), its definitions by index space, and its children:

  - ``modules``: the core modules defined here, in core-module index order, each a parsed core
    :class:`~wizerscope.binary.module.Module` (offsets are file offsets);
  - ``components``: the nested component definitions, each a :class:`Component` (own index spaces);
  - ``core_instances``: :class:`CoreInstance` per core instance index (``instantiate`` of a module
    with named arguments, ``exports`` built from items, or ``alias``);
  - ``instances``: :class:`ComponentInstance` per component instance index (instantiations of nested
    components, inline exports, imports, aliases);
  - ``imports``, ``exports``, ``aliases``, ``canons``: the entries of those sections, each with the
    index it defines in its sort's index space and its file offset;
  - ``spaces``: :class:`IndexSpaces`, the size of every index space (``core func``, ``core memory``,
    ``core instance``, ``core module``, ``func``, ``type``, ``instance``, ``component``, ...);
  - ``path``: where it sits, ``""`` for the root and e.g. ``"component 0"`` for nested ones; an item
    path is ``f"{path} / core module 2"`` (see :meth:`Component.item_path`).

* Sorts are spelled like the text format: ``"core func"``, ``"core memory"``, ``"core module"``,
  ``"core instance"``, ``"func"``, ``"value"``, ``"type"``, ``"component"``, ``"instance"``.

Everything is a view into the input: a section that nothing changes is re-emitted byte for byte
from ``section.raw(data)``. Type sections are framed and counted, not decoded (types never hold
state). Nothing here imports wasmtime.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from ..errors import BinaryFormatError
from .header import check_header
from .module import Module, parse_module
from .reader import Reader
from .section import Section, frames

# Component section ids.
(C_CUSTOM, C_CORE_MODULE, C_CORE_INSTANCE, C_CORE_TYPE, C_COMPONENT, C_INSTANCE, C_ALIAS, C_TYPE,
 C_CANON, C_START, C_IMPORT, C_EXPORT, C_VALUE) = range(13)

CORE_SORTS = {0x00: "core func", 0x01: "core table", 0x02: "core memory", 0x03: "core global",
              0x04: "core tag", 0x10: "core type", 0x11: "core module", 0x12: "core instance"}
CORE_SORT_CODES = {v: k for k, v in CORE_SORTS.items()}
SORTS = {0x01: "func", 0x02: "value", 0x03: "type", 0x04: "component", 0x05: "instance"}
SORT_CODES = {v: k for k, v in SORTS.items()}

# Canonical built-ins: opcode -> (name, immediates). Immediates: "u32" an index, "opts" canonical
# options, "bool" one byte, "valtype?" an optional result type. Every one but `lift` defines a
# core function.
_CANON = {
    0x00: ("lift", None), 0x01: ("lower", None),
    0x02: ("resource.new", ("u32",)), 0x03: ("resource.drop", ("u32",)),
    0x07: ("resource.drop async", ("u32",)), 0x04: ("resource.rep", ("u32",)),
    0x08: ("backpressure.set", ()), 0x24: ("backpressure.inc", ()), 0x25: ("backpressure.dec", ()),
    0x09: ("task.return", ("results", "opts")), 0x05: ("task.cancel", ()),
    0x0A: ("context.get", ("u8", "u32")), 0x0B: ("context.set", ("u8", "u32")),
    0x0C: ("yield", ("bool",)), 0x06: ("subtask.cancel", ("bool",)), 0x0D: ("subtask.drop", ()),
    0x0E: ("stream.new", ("u32",)), 0x0F: ("stream.read", ("u32", "opts")),
    0x10: ("stream.write", ("u32", "opts")), 0x11: ("stream.cancel-read", ("u32", "bool")),
    0x12: ("stream.cancel-write", ("u32", "bool")), 0x13: ("stream.drop-readable", ("u32",)),
    0x14: ("stream.drop-writable", ("u32",)), 0x15: ("future.new", ("u32",)),
    0x16: ("future.read", ("u32", "opts")), 0x17: ("future.write", ("u32", "opts")),
    0x18: ("future.cancel-read", ("u32", "bool")), 0x19: ("future.cancel-write", ("u32", "bool")),
    0x1A: ("future.drop-readable", ("u32",)), 0x1B: ("future.drop-writable", ("u32",)),
    0x1C: ("error-context.new", ("opts",)), 0x1D: ("error-context.debug-message", ("opts",)),
    0x1E: ("error-context.drop", ()), 0x1F: ("waitable-set.new", ()),
    0x20: ("waitable-set.wait", ("bool", "u32")), 0x21: ("waitable-set.poll", ("bool", "u32")),
    0x22: ("waitable-set.drop", ()), 0x23: ("waitable.join", ()),
    0x40: ("thread.spawn_ref", ("u32",)), 0x41: ("thread.spawn_indirect", ("u32", "u32")),
    0x42: ("thread.available_parallelism", ()),
}
_CANON_OPTS = {0x00: ("utf8", False), 0x01: ("utf16", False), 0x02: ("latin1+utf16", False),
               0x03: ("memory", True), 0x04: ("realloc", True), 0x05: ("post-return", True),
               0x06: ("async", False), 0x07: ("callback", True)}


@dataclass(frozen=True)
class CoreInstance:
    """One entry of the core instance index space."""

    index: int
    kind: str                               # "instantiate" | "exports"
    module: int | None = None               # instantiate: core module index
    args: tuple[tuple[str, int], ...] = ()  # instantiate: (name, core instance index)
    items: tuple[tuple[str, str, int], ...] = ()  # exports: (name, core sort, index)
    offset: int = 0


@dataclass(frozen=True)
class ComponentInstance:
    """One entry of the component instance index space."""

    index: int
    kind: str                               # "instantiate" | "exports" | "import" | "alias" | "export"
    component: int | None = None            # instantiate: component index
    args: tuple[tuple[str, str, int], ...] = ()   # (name, sort, index)
    offset: int = 0


@dataclass(frozen=True)
class Alias:
    """An alias entry: ``target`` is "export" (of a component instance), "core export" (of a core
    instance) or "outer" (``instance`` = outer count, ``name`` = outer index as text)."""

    sort: str
    target: str
    instance: int
    name: str
    index: int                              # the index it defines in ``sort``'s space
    offset: int


@dataclass(frozen=True)
class Canon:
    """A canonical function: ``lift`` defines a component func, everything else a core func."""

    kind: str
    index: int                              # defined index (func for lift, core func otherwise)
    core_func: int | None = None            # lift
    func: int | None = None                 # lower
    type_index: int | None = None           # lift
    options: tuple[tuple[str, int | None], ...] = ()
    offset: int = 0
    start: int = 0                          # file offset of the entry, and its end
    end: int = 0


@dataclass(frozen=True)
class Extern:
    """An import or export entry. ``index`` is the index it defines in ``sort``'s space; for
    exports ``target`` is the index of the item exported."""

    name: str
    sort: str
    index: int
    target: int | None = None
    offset: int = 0
    start: int = 0
    end: int = 0
    name_raw: bytes = b""                   # the encoded extern name, as it stands
    desc_raw: bytes = b""                   # the encoded type (import) or ascription (export)


@dataclass
class IndexSpaces:
    """Sizes of every index space of one component."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, sort: str, n: int = 1) -> int:
        """Define ``n`` items in ``sort``; return the first new index."""
        first = self.counts.get(sort, 0)
        self.counts[sort] = first + n
        return first

    def __getitem__(self, sort: str) -> int:
        return self.counts.get(sort, 0)


@dataclass
class Component:
    """A parsed component; see the module docstring for the model."""

    data: memoryview
    start: int
    end: int
    path: str = ""
    sections: list[Section] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    module_sections: list[int] = field(default_factory=list)       # section index per module
    components: list["Component"] = field(default_factory=list)
    component_sections: list[int] = field(default_factory=list)    # section index per component
    core_instances: list[CoreInstance] = field(default_factory=list)
    instances: list[ComponentInstance] = field(default_factory=list)
    aliases: list[Alias] = field(default_factory=list)
    canons: list[Canon] = field(default_factory=list)
    imports: list[Extern] = field(default_factory=list)
    exports: list[Extern] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)                 # offsets of start sections
    values: list[int] = field(default_factory=list)                 # offsets of value sections
    spaces: IndexSpaces = field(default_factory=IndexSpaces)
    # module index -> the module it copies, when the pre-initializer gave a twice-instantiated
    # module one copy per instance (preinit.component.specialise); empty for a parsed file
    copy_of: dict[int, int] = field(default_factory=dict)
    specialised: bool = False       # set on the root of such a specialised tree
    # how each core func / core memory index was defined: ("alias", Alias) | ("canon", Canon)
    core_funcs: list[tuple[str, object]] = field(default_factory=list)
    core_memories: list[tuple[str, object]] = field(default_factory=list)
    # how each component func index was defined: ("lift"|"import"|"alias"|"export", entry)
    funcs: list[tuple[str, object]] = field(default_factory=list)

    def item_path(self, item: str) -> str:
        """Where ``item`` (e.g. "core module 2") sits in the tree, as rejections and tables name it."""
        return f"{self.path} / {item}" if self.path else item

    def raw(self) -> memoryview:
        return self.data[self.start:self.end]

    def instantiations(self, module_index: int) -> list[CoreInstance]:
        """The core instances that instantiate core module ``module_index``."""
        return [ci for ci in self.core_instances if ci.kind == "instantiate" and ci.module == module_index]

    def component_instantiations(self, component_index: int) -> list[ComponentInstance]:
        return [ci for ci in self.instances if ci.kind == "instantiate" and ci.component == component_index]

    def walk(self) -> "Iterator[Component]":
        """This component and every nested one, depth first."""
        yield self
        for c in self.components:
            yield from c.walk()


# -- decoding ---------------------------------------------------------------------------------
def read_extern_name(r: Reader) -> str:
    """An import/export name: a tag byte then the name (0x01 may add a version suffix)."""
    at = r.pos
    tag = r.u8()
    if tag == 0x00:
        return r.name()
    if tag == 0x01:
        name = r.name()
        return name
    raise r.error(f"invalid component extern name tag {tag:#04x}", at)


def _read_sort(r: Reader) -> str:
    at = r.pos
    b = r.u8()
    if b == 0x00:
        c = r.u8()
        if c not in CORE_SORTS:
            raise r.error(f"invalid core sort {c:#04x}", at + 1)
        return CORE_SORTS[c]
    if b not in SORTS:
        raise r.error(f"invalid sort {b:#04x}", at)
    return SORTS[b]


def _skip_valtype(r: Reader) -> None:
    b = r.peek()
    if 0x64 <= b <= 0x7F:
        r.u8()
    else:
        r.s33()


def read_externdesc(r: Reader) -> str:
    """Skip an externdesc; return the sort it describes."""
    at = r.pos
    b = r.u8()
    if b == 0x00:
        c = r.u8()
        if c != 0x11:
            raise r.error(f"invalid core extern kind {c:#04x}", at + 1)
        r.u32()
        return "core module"
    if b == 0x01:
        r.u32()
        return "func"
    if b == 0x02:
        k = r.u8()
        if k == 0x00:
            r.u32()
        else:
            _skip_valtype(r)
        return "value"
    if b == 0x03:
        k = r.u8()
        if k == 0x00:
            r.u32()
        elif k != 0x01:
            raise r.error(f"invalid type bound {k:#04x}", r.pos - 1)
        return "type"
    if b == 0x04:
        r.u32()
        return "component"
    if b == 0x05:
        r.u32()
        return "instance"
    raise r.error(f"invalid extern description {b:#04x}", at)


def _read_opts(r: Reader) -> tuple[tuple[str, int | None], ...]:
    out = []
    for _ in range(r.count(1)):
        at = r.pos
        code = r.u8()
        if code not in _CANON_OPTS:
            raise r.error(f"invalid canonical option {code:#04x}", at)
        name, has_index = _CANON_OPTS[code]
        out.append((name, r.u32() if has_index else None))
    return tuple(out)


def read_canon(r: Reader, c: Component) -> Canon:
    """One canonical-function entry; defines its index in ``c`` (lift: func, else core func)."""
    start = r.pos
    at = r.offset
    op = r.u8()
    if op not in _CANON:
        raise r.error(f"unsupported canonical function opcode {op:#04x}", start)
    kind, imms = _CANON[op]
    if op == 0x00:
        if r.u8() != 0x00:
            raise r.error("invalid canon lift encoding", r.pos - 1)
        core_func = r.u32()
        opts = _read_opts(r)
        ty = r.u32()
        idx = c.spaces.add("func")
        canon = Canon("lift", idx, core_func=core_func, type_index=ty, options=opts, offset=at,
                      start=start, end=r.pos)
        c.funcs.append(("lift", canon))
        return canon
    if op == 0x01:
        if r.u8() != 0x00:
            raise r.error("invalid canon lower encoding", r.pos - 1)
        func = r.u32()
        opts = _read_opts(r)
        idx = c.spaces.add("core func")
        canon = Canon("lower", idx, func=func, options=opts, offset=at, start=start, end=r.pos)
        c.core_funcs.append(("canon", canon))
        return canon
    opts: tuple = ()
    for imm in imms:
        if imm == "u32":
            r.u32()
        elif imm in ("u8", "bool"):
            r.u8()
        elif imm == "opts":
            opts = _read_opts(r)
        elif imm == "results":
            tag = r.u8()
            if tag == 0x00:
                _skip_valtype(r)
            elif tag == 0x01:
                if r.u8() != 0:
                    raise r.error("named results are not allowed for task.return", r.pos - 1)
            else:
                raise r.error(f"invalid task.return result {tag:#04x}", r.pos - 1)
    idx = c.spaces.add("core func")
    canon = Canon(kind, idx, options=opts, offset=at, start=start, end=r.pos)
    c.core_funcs.append(("canon", canon))
    return canon


def _define(c: Component, sort: str, how: str, entry: object) -> int:
    idx = c.spaces.add(sort)
    if sort == "core func":
        c.core_funcs.append((how, entry))
    elif sort == "core memory":
        c.core_memories.append((how, entry))
    elif sort == "func":
        c.funcs.append((how, entry))
    return idx


def _read_section(c: Component, sec: Section, r: Reader, depth: int) -> None:
    sid = sec.id
    data = c.data
    if sid == C_CORE_MODULE:
        m = parse_module(data, sec.payload_offset, sec.end)
        c.modules.append(m)
        c.module_sections.append(len(c.sections) - 1)
        c.spaces.add("core module")
        r.pos = r.end
    elif sid == C_COMPONENT:
        k = len(c.components)
        child_path = c.item_path(f"component {k}")
        child = _parse(data, sec.payload_offset, sec.end, child_path, depth + 1)
        c.components.append(child)
        c.component_sections.append(len(c.sections) - 1)
        c.spaces.add("component")
        r.pos = r.end
    elif sid == C_CORE_INSTANCE:
        for _ in range(r.count(1)):
            at = r.offset
            tag = r.u8()
            idx = c.spaces.add("core instance")
            if tag == 0x00:
                module = r.u32()
                args = []
                for _ in range(r.count(1)):
                    name = r.name()
                    if r.u8() != 0x12:
                        raise r.error("core instantiation argument must be a core instance", r.pos - 1)
                    args.append((name, r.u32()))
                c.core_instances.append(CoreInstance(idx, "instantiate", module, tuple(args), offset=at))
            elif tag == 0x01:
                items = []
                for _ in range(r.count(1)):
                    name = r.name()
                    code = r.u8()
                    if code not in CORE_SORTS:
                        raise r.error(f"invalid core sort {code:#04x}", r.pos - 1)
                    items.append((name, CORE_SORTS[code], r.u32()))
                c.core_instances.append(CoreInstance(idx, "exports", items=tuple(items), offset=at))
            else:
                raise r.error(f"invalid core instance tag {tag:#04x}", r.pos - 1)
    elif sid == C_CORE_TYPE:
        c.spaces.add("core type", r.count(1))
        r.pos = r.end
    elif sid == C_TYPE:
        c.spaces.add("type", r.count(1))
        r.pos = r.end
    elif sid == C_INSTANCE:
        for _ in range(r.count(1)):
            at = r.offset
            tag = r.u8()
            idx = c.spaces.add("instance")
            if tag == 0x00:
                comp = r.u32()
                args = []
                for _ in range(r.count(1)):
                    name = r.name()
                    sort = _read_sort(r)
                    args.append((name, sort, r.u32()))
                c.instances.append(ComponentInstance(idx, "instantiate", comp, tuple(args), at))
            elif tag == 0x01:
                items = []
                for _ in range(r.count(1)):
                    name = read_extern_name(r)
                    sort = _read_sort(r)
                    items.append((name, sort, r.u32()))
                c.instances.append(ComponentInstance(idx, "exports", None, tuple(items), at))
            else:
                raise r.error(f"invalid instance tag {tag:#04x}", r.pos - 1)
    elif sid == C_ALIAS:
        for _ in range(r.count(1)):
            at = r.offset
            sort = _read_sort(r)
            t_at = r.pos
            target = r.u8()
            if target == 0x00:
                inst, name, kind = r.u32(), r.name(), "export"
            elif target == 0x01:
                inst, name, kind = r.u32(), r.name(), "core export"
            elif target == 0x02:
                inst, name, kind = r.u32(), str(r.u32()), "outer"
            else:
                raise r.error(f"invalid alias target {target:#04x}", t_at)
            alias = Alias(sort, kind, inst, name, c.spaces[sort], at)
            c.aliases.append(alias)
            _define(c, sort, "alias", alias)
            if sort == "instance":
                c.instances.append(ComponentInstance(alias.index, "alias", offset=at))
    elif sid == C_CANON:
        for _ in range(r.count(1)):
            c.canons.append(read_canon(r, c))
    elif sid == C_START:
        c.starts.append(sec.offset)
        r.u32()
        for _ in range(r.count(1)):
            r.u32()
        c.spaces.add("value", r.u32())
    elif sid == C_IMPORT:
        for _ in range(r.count(1)):
            start = r.pos
            at = r.offset
            name = read_extern_name(r)
            d0 = r.pos
            sort = read_externdesc(r)
            ext = Extern(name, sort, c.spaces[sort], None, at, start, r.pos, bytes(r.data[start:d0]),
                         bytes(r.data[d0:r.pos]))
            c.imports.append(ext)
            _define(c, sort, "import", ext)
            if sort == "instance":
                c.instances.append(ComponentInstance(ext.index, "import", offset=at))
    elif sid == C_EXPORT:
        for _ in range(r.count(1)):
            start = r.pos
            at = r.offset
            name = read_extern_name(r)
            n_end = r.pos
            sort = _read_sort(r)
            target = r.u32()
            d0 = r.pos
            has_desc = r.u8()
            if has_desc == 0x01:
                read_externdesc(r)
            elif has_desc != 0x00:
                raise r.error(f"invalid export type ascription flag {has_desc:#04x}", d0)
            ext = Extern(name, sort, c.spaces[sort], target, at, start, r.pos, bytes(r.data[start:n_end]),
                         bytes(r.data[d0:r.pos]))
            c.exports.append(ext)
            _define(c, sort, "export", ext)
            if sort == "instance":
                c.instances.append(ComponentInstance(ext.index, "export", offset=at))
    elif sid == C_VALUE:
        c.values.append(sec.offset)
        c.spaces.add("value", r.count(1))
        r.pos = r.end
    elif sid == C_CUSTOM:
        r.pos = r.end
    else:
        raise BinaryFormatError(f"unknown component section id {sid}", offset=sec.offset)


_MAX_DEPTH = 64


def _parse(data: memoryview, start: int, end: int, path: str, depth: int) -> Component:
    if depth > _MAX_DEPTH:
        raise BinaryFormatError("components nested more than 64 levels deep", offset=start)
    check_header(data, start, end, expect="component")
    c = Component(data, start, end, path)
    for sec, sr in frames(Reader(data, 0, start + 8, end), "component"):
        c.sections.append(sec)
        _read_section(c, sec, sr, depth)
        if not sr.at_end():
            raise BinaryFormatError(f"section size mismatch: {sr.remaining()} unread bytes in the "
                                    f"{sec.kind} section", offset=sr.offset)
    return c


def parse_component(data: bytes | bytearray | memoryview, start: int = 0, end: int | None = None) -> Component:
    """Decode the component in ``data[start:end]`` (offsets stay file offsets)."""
    view = data if isinstance(data, memoryview) else memoryview(data)
    return _parse(view, start, len(view) if end is None else end, "", 0)
