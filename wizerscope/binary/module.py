"""Parse a core Wasm module into a :class:`Module`: every section framed, only what matters decoded.

Sections are kept as views into the input so the rewrite can copy unchanged ones byte for byte.
Each section payload has its own small decoder (``_DECODERS``, by section id); the decoders share a
:class:`_Context`, whose module keeps the index spaces as they are read. Code bodies are located,
not decoded; the instruction scan decodes only bodies that may hold a forbidden instruction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..errors import BinaryFormatError
from . import instructions
from .header import check_header, header_kind
from .reader import Reader
from .section import Section, frames
from .types import (CODE, CUSTOM, DATA, DATACOUNT, ELEMENT, EXPORT, EXTERNAL_KINDS, FUNCTION, GLOBAL,
                    IMPORT, MEMORY, START, TABLE, TAG, TYPE, CompositeType, DataSegment, Export, FuncType,
                    Global, Import, MemoryType, Names, TableType, read_global_type, read_import_desc,
                    read_memory_type, read_table_type, read_tag_type, read_types)

__all__ = ["Module", "parse_module", "scan_forbidden", "header_kind"]

# Order in which non-custom sections must appear (datacount before code, tag after memory).
_ORDER = {TYPE: 1, IMPORT: 2, FUNCTION: 3, TABLE: 4, MEMORY: 5, TAG: 6, GLOBAL: 7, EXPORT: 8,
          START: 9, ELEMENT: 10, DATACOUNT: 11, CODE: 12, DATA: 13}


@dataclass
class Module:
    """A decoded core module; all offsets are absolute in the file it came from."""

    data: memoryview                       # the whole file the module lives in
    start: int                             # offset of the module's magic number in ``data``
    end: int
    sections: list[Section] = field(default_factory=list)
    types: list[FuncType | CompositeType] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    func_types: list[int] = field(default_factory=list)          # type index per defined func
    tables: list[TableType] = field(default_factory=list)
    memories: list[MemoryType] = field(default_factory=list)     # defined memories
    globals: list[Global] = field(default_factory=list)          # defined globals
    exports: list[Export] = field(default_factory=list)
    tags: list[int] = field(default_factory=list)
    start_func: int | None = None
    data_count: int | None = None
    segments: list[DataSegment] = field(default_factory=list)    # the data section's segments
    code_count: int = 0                    # function bodies in the code section
    name_sections: list[Section] = field(default_factory=list, repr=False)   # decoded on first use of `names`
    has_export_section: bool = False
    _by_export_name: dict[str, Export] = field(default_factory=dict, repr=False, compare=False)
    _names: Names | None = field(default=None, repr=False, compare=False)
    _code_at: tuple[int, int] | None = field(default=None, repr=False, compare=False)   # bodies' [start, end)
    _code_bodies: list[tuple[int, int]] | None = field(default=None, repr=False, compare=False)

    @property
    def code_bodies(self) -> list[tuple[int, int]]:
        """(start, end) of each function body within ``data``, located on first use: a run whose
        input was checked before never looks at a body (componentize-py: 13,355 bodies, ~11 ms of
        every warm run when walked eagerly). Raises BinaryFormatError for a body that overruns the
        section; wasmtime's validation, which every input passes first, rejects such a module
        with its own message before anything here asks."""
        if self._code_bodies is None:
            self._code_bodies = [] if self._code_at is None else _walk_bodies(self.data, *self._code_at,
                                                                              self.code_count)
        return self._code_bodies

    @property
    def names(self) -> Names:
        """What the name sections say, decoded on first use: a run that succeeds never shows a
        name (componentize-py: 25,000 names, ~20 ms of every warm run when decoded eagerly)."""
        if self._names is None:
            names = Names()
            for sec in self.name_sections:
                _read_names(sec, names)
            self._names = names
        return self._names

    # -- index spaces --------------------------------------------------------------------
    def imported(self, kind: str) -> list[Import]:
        """The imports of one kind, in index order (they come first in that kind's index space)."""
        return [i for i in self.imports if i.kind == kind]

    @property
    def num_imported_funcs(self) -> int:
        """Imported functions come first in the function index space: defined ones start here."""
        return sum(1 for i in self.imports if i.kind == "func")

    @property
    def num_imported_globals(self) -> int:
        """Where defined globals start in the global index space."""
        return sum(1 for i in self.imports if i.kind == "global")

    @property
    def num_imported_memories(self) -> int:
        """Where defined memories start in the memory index space."""
        return sum(1 for i in self.imports if i.kind == "memory")

    def func_type(self, func_index: int) -> FuncType | None:
        """The signature of a function (imported or defined), or None if the index or its type
        index is out of range or names a GC type: the module is not validated here."""
        n = self.num_imported_funcs
        if func_index < n:
            t = self.imported("func")[func_index].desc
        elif func_index - n < len(self.func_types):
            t = self.func_types[func_index - n]
        else:
            return None
        ty = self.types[t] if isinstance(t, int) and t < len(self.types) else None
        return ty if isinstance(ty, FuncType) else None

    def export(self, name: str) -> Export | None:
        """The export called ``name`` (export names are unique in a valid module; in an invalid
        one, the first), through an index built once: the component wiring check asks for every
        alias (componentize-py: 2,114 lookups, 28 ms as a walk)."""
        if len(self._by_export_name) != len(self.exports):
            index: dict[str, Export] = {}
            for e in self.exports:
                index.setdefault(e.name, e)
            if len(index) != len(self.exports):        # duplicate names: no index, walk
                return next((e for e in self.exports if e.name == name), None)
            self._by_export_name = index
        return self._by_export_name.get(name)

    def func_name(self, func_index: int) -> str | None:
        """A name for a function as people know it: from the name section, else the import's
        ``module.field``, else an export's name."""
        if func_index in self.names.functions:
            return self.names.functions[func_index]
        n = self.num_imported_funcs
        if func_index < n:
            imp = self.imported("func")[func_index]
            return f"{imp.module}.{imp.field}"
        for e in self.exports:
            if e.kind == "func" and e.index == func_index:
                return e.name
        return None

    def section(self, section_id: int) -> Section | None:
        """The section with this id (non-custom sections appear at most once)."""
        for s in self.sections:
            if s.id == section_id:
                return s
        return None

    def raw(self) -> memoryview:
        """The module's bytes, as a view into the file."""
        return self.data[self.start:self.end]


@dataclass
class _Context:
    """What the section decoders share while one module is read: the module (whose lists are
    its index spaces), the sections met so far (each may appear once, in order), and the
    function section's count, which the code section must match."""

    m: Module
    seen: set[int] = field(default_factory=set)
    last_order: int = 0
    declared_funcs: int | None = None

    def admit(self, sec: Section) -> None:
        """Raise unless a non-custom section may stand here: known, not repeated, in order."""
        sid = sec.id
        if sid not in _ORDER:
            raise BinaryFormatError(f"unknown section id {sid}", offset=sec.offset)
        if sid in self.seen:
            raise BinaryFormatError(f"duplicate {sid} section", offset=sec.offset)
        if _ORDER[sid] < self.last_order:
            raise BinaryFormatError(f"section {sid} out of order", offset=sec.offset)
        self.seen.add(sid)
        self.last_order = _ORDER[sid]

    def finish(self, end: int) -> None:
        """The checks that span sections, once all are read (errors point at the module's end)."""
        m = self.m
        if self.declared_funcs and CODE not in self.seen:
            raise BinaryFormatError("function section declares functions but there is no code section",
                                    offset=end)
        if m.data_count is not None and m.data_count != len(m.segments) and (DATA in self.seen or m.data_count):
            raise BinaryFormatError(
                f"data count section says {m.data_count} segments but the data section has {len(m.segments)}",
                offset=end)


# -- one decoder per section payload --------------------------------------------------------
def _custom_section(cx: _Context, r: Reader, sec: Section) -> None:
    if sec.custom_name == "name":
        cx.m.name_sections.append(sec)


def _read_names(section: Section, names: Names) -> None:
    """Best effort, like engines: a malformed name section is ignored rather than fatal, from the
    first subsection that does not decode. Memory names (6) are not kept, but they are decoded all
    the same, since a malformed one ends the section there; data segment names (9) name the
    anatomy's static regions."""
    r = Reader(section.payload, section.payload_offset)
    try:
        r.name()  # the custom section's own name, "name"
        while not r.at_end():
            sub_id = r.u8()
            sub = r.sub(r.u32())
            if sub_id == 0:
                names.module = sub.name()
            elif sub_id in (1, 7, 9, 6):
                target = {1: names.functions, 7: names.globals, 9: names.data_segments}.get(sub_id, {})
                for _ in range(sub.count(2)):
                    idx = sub.u32()
                    target[idx] = sub.name()
    except BinaryFormatError:
        pass


def _type_section(cx: _Context, r: Reader, sec: Section) -> None:
    read_types(r, cx.m.types)


def _import_section(cx: _Context, r: Reader, sec: Section) -> None:
    imports = cx.m.imports
    for _ in range(r.count(3)):
        at = r.offset
        mod = r.name()
        fld = r.name()
        kind, desc = read_import_desc(r)
        imports.append(Import(mod, fld, kind, desc, at))


def _function_section(cx: _Context, r: Reader, sec: Section) -> None:
    cx.declared_funcs = n = r.count(1)
    cx.m.func_types = [r.u32() for _ in range(n)]


def _table_section(cx: _Context, r: Reader, sec: Section) -> None:
    for _ in range(r.count(1)):
        if r.peek() == 0x40:        # a table with an initializer expression
            r.u8()
            if r.u8() != 0:
                raise r.error("invalid table encoding", r.pos - 1)
            tt = read_table_type(r)
            instructions.skip_const_expr(r)
        else:
            tt = read_table_type(r)
        cx.m.tables.append(tt)


def _memory_section(cx: _Context, r: Reader, sec: Section) -> None:
    cx.m.memories = [read_memory_type(r) for _ in range(r.count(1))]


def _tag_section(cx: _Context, r: Reader, sec: Section) -> None:
    for _ in range(r.count(2)):
        cx.m.tags.append(read_tag_type(r))


def _global_section(cx: _Context, r: Reader, sec: Section) -> None:
    view = r.data
    for _ in range(r.count(2)):
        at = r.offset
        gt = read_global_type(r)
        e0 = r.pos
        instructions.skip_const_expr(r)
        cx.m.globals.append(Global(gt, bytes(view[e0:r.pos]), at))


def _export_section(cx: _Context, r: Reader, sec: Section) -> None:
    cx.m.has_export_section = True
    exports = cx.m.exports
    data, end, kinds = r.data, r.end, EXTERNAL_KINDS
    for _ in range(r.count(3)):
        at = r.offset
        nm = r.name()
        k_at = pos = r.pos
        # the kind and a one- or two-byte index (most exports), decoded in place
        if pos + 2 < end and data[pos] in kinds and data[pos + 1] < 0x80:
            exports.append(Export(nm, kinds[data[pos]], data[pos + 1], at))
            r.pos = pos + 2
            continue
        if pos + 3 < end and data[pos] in kinds and data[pos + 2] < 0x80:
            exports.append(Export(nm, kinds[data[pos]], (data[pos + 1] & 0x7F) | (data[pos + 2] << 7), at))
            r.pos = pos + 3
            continue
        k = r.u8()
        if k not in kinds:
            raise r.error(f"invalid export kind {k:#04x}", k_at)
        exports.append(Export(nm, kinds[k], r.u32(), at))


def _start_section(cx: _Context, r: Reader, sec: Section) -> None:
    cx.m.start_func = r.u32()


def _element_section(cx: _Context, r: Reader, sec: Section) -> None:
    r.count(1)          # the count is checked against the payload; the rest is copied verbatim
    r.pos = r.end


def _datacount_section(cx: _Context, r: Reader, sec: Section) -> None:
    cx.m.data_count = r.u32()


def _code_section(cx: _Context, r: Reader, sec: Section) -> None:
    n = r.count(1)
    if cx.declared_funcs is not None and n != cx.declared_funcs:
        raise BinaryFormatError(
            f"function and code section have inconsistent lengths ({cx.declared_funcs} vs {n})",
            offset=sec.offset)
    cx.m.code_count, cx.m._code_at = n, (r.pos, r.end)       # the bodies are located on first use
    r.pos = r.end


def _walk_bodies(data: memoryview, pos: int, end: int, n: int) -> list[tuple[int, int]]:
    """The [start, end) of each of the ``n`` bodies from ``pos`` on (one- and two-byte size
    LEBs, the common ones, decoded inline)."""
    r = Reader(data, 0, pos, end)
    out: list[tuple[int, int]] = []
    append = out.append
    for _ in range(n):
        if pos + 1 < end and data[pos] < 0x80:
            size, pos = data[pos], pos + 1
        elif pos + 2 < end and data[pos + 1] < 0x80:
            size, pos = (data[pos] & 0x7F) | (data[pos + 1] << 7), pos + 2
        else:
            r.pos = pos
            size = r.u32()
            pos = r.pos
        if size > end - pos:
            r.pos = pos
            r.skip(size)             # raises the reader's own "unexpected end" error
        append((pos, pos + size))
        pos += size
    if pos != end:
        raise BinaryFormatError(f"section size mismatch: {end - pos} unread bytes in section 10", offset=pos)
    return out


def _data_section(cx: _Context, r: Reader, sec: Section) -> None:
    view = r.data
    segments = cx.m.segments
    for _ in range(r.count(1)):
        at = r.offset
        flag_at = r.pos
        flag = r.u32()
        if flag in (0, 2):
            mem = r.u32() if flag == 2 else 0
            e0 = r.pos
            instructions.skip_const_expr(r)
            expr = bytes(view[e0:r.pos])
            mode = "active"
        elif flag == 1:
            mem, expr, mode = 0, b"", "passive"
        else:
            raise r.error(f"invalid data segment flags {flag}", flag_at)
        n = r.u32()
        d0 = r.pos
        r.skip(n)
        segments.append(DataSegment(mode, mem, expr, r.base + d0, n, at))


_DECODERS: dict[int, Callable[[_Context, Reader, Section], None]] = {
    CUSTOM: _custom_section, TYPE: _type_section, IMPORT: _import_section, FUNCTION: _function_section,
    TABLE: _table_section, MEMORY: _memory_section, TAG: _tag_section, GLOBAL: _global_section,
    EXPORT: _export_section, START: _start_section, ELEMENT: _element_section,
    DATACOUNT: _datacount_section, CODE: _code_section, DATA: _data_section,
}


def parse_module(data: bytes | bytearray | memoryview, start: int = 0, end: int | None = None) -> Module:
    """Decode the module stored in ``data[start:end]``.

    ``data`` is the whole file (a component embeds modules at some offset), so every offset recorded
    is a file offset and every view indexes ``data`` directly.
    """
    view = data if isinstance(data, memoryview) else memoryview(data)
    end = len(view) if end is None else end
    check_header(view, start, end, expect="module")
    m = Module(view, start, end)
    cx = _Context(m)
    for sec, r in frames(Reader(view, 0, start + 8, end), "core"):
        sid = sec.id
        if sid != CUSTOM:
            cx.admit(sec)
        m.sections.append(sec)
        _DECODERS[sid](cx, r, sec)
        if sid != CUSTOM and not r.at_end():
            raise BinaryFormatError(f"section size mismatch: {r.remaining()} unread bytes in section {sid}",
                                    offset=r.offset)
    cx.finish(end)
    return m


def scan_forbidden(m: Module) -> list[instructions.Found]:
    """Every forbidden instruction in every function body, in order."""
    out: list[instructions.Found] = []
    first = m.num_imported_funcs
    data = m.data
    for i, (b0, b1) in enumerate(m.code_bodies):
        instructions.scan_body(data, b0, b1, 0, first + i, out)
    return out
