"""Parse a core Wasm module into a :class:`Module`: every section framed, only what matters decoded.

Sections are kept as views into the input so the rewrite can copy unchanged ones byte for byte.
Code bodies are located, not decoded; the instruction scan decodes only bodies that may hold a
forbidden instruction.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import BinaryFormatError
from . import instructions
from .header import check_header, header_kind
from .reader import Reader
from .section import Section, frames
from .types import (ABSTRACT_HEAP, CODE, CUSTOM, DATA, DATACOUNT, ELEMENT, EXPORT, EXTERNAL_KINDS,
                    FUNCTION, GLOBAL, IMPORT, MEMORY, NUMERIC, START, TABLE, TAG, TYPE,
                    CompositeType, DataSegment, Export, FuncType, Global, GlobalType, Import, Limits,
                    MemoryType, Names, TableType, ValType)

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
    element_count: int = 0
    data_count: int | None = None
    segments: list[DataSegment] = field(default_factory=list)    # the data section's segments
    code_bodies: list[tuple[int, int]] = field(default_factory=list)   # (start, end) within data
    names: Names = field(default_factory=Names)
    has_export_section: bool = False

    # -- index spaces --------------------------------------------------------------------
    def imported(self, kind: str) -> list[Import]:
        return [i for i in self.imports if i.kind == kind]

    @property
    def num_imported_funcs(self) -> int:
        return sum(1 for i in self.imports if i.kind == "func")

    @property
    def num_imported_globals(self) -> int:
        return sum(1 for i in self.imports if i.kind == "global")

    @property
    def num_imported_memories(self) -> int:
        return sum(1 for i in self.imports if i.kind == "memory")

    def func_type(self, func_index: int) -> FuncType | None:
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
        for e in self.exports:
            if e.name == name:
                return e
        return None

    def func_name(self, func_index: int) -> str | None:
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
        for s in self.sections:
            if s.id == section_id:
                return s
        return None

    def raw(self) -> memoryview:
        return self.data[self.start:self.end]


# -- decoding helpers ----------------------------------------------------------------------
def _heaptype_name(r: Reader) -> str:
    at = r.pos
    v = r.s33()
    if v < 0:
        code = r.data[at]
        return ABSTRACT_HEAP.get(code, f"heap{code:#x}")
    return str(v)


def read_valtype(r: Reader) -> ValType:
    at = r.pos
    b = r.u8()
    if b in NUMERIC:
        return ValType(NUMERIC[b], bytes((b,)))
    if b in ABSTRACT_HEAP:
        return ValType(f"{ABSTRACT_HEAP[b]}ref", bytes((b,)))
    if b in (0x63, 0x64):
        ht = _heaptype_name(r)
        name = f"(ref null {ht})" if b == 0x63 else f"(ref {ht})"
        return ValType(name, bytes(r.data[at:r.pos]))
    raise r.error(f"invalid value type {b:#04x}", at)


def read_limits(r: Reader, flags: int) -> Limits:
    is64 = bool(flags & 4)
    mn = r.u64() if is64 else r.u32()
    mx = (r.u64() if is64 else r.u32()) if flags & 1 else None
    return Limits(mn, mx)


def read_memory_type(r: Reader) -> MemoryType:
    at = r.pos
    flags = r.u8()
    if flags & ~0x0F:
        raise r.error(f"invalid memory limits flags {flags:#04x}", at)
    lim = read_limits(r, flags)
    log2 = r.u32() if flags & 8 else None
    return MemoryType(lim.minimum, lim.maximum, bool(flags & 2), bool(flags & 4), log2)


def read_table_type(r: Reader) -> TableType:
    at = r.pos
    elem = read_valtype(r)
    flags = r.u8()
    if flags & ~0x07:
        raise r.error(f"invalid table limits flags {flags:#04x}", r.pos - 1)
    lim = read_limits(r, flags)
    return TableType(elem, lim, bool(flags & 4), bytes(r.data[at:r.pos]))


def read_global_type(r: Reader) -> GlobalType:
    vt = read_valtype(r)
    at = r.pos
    m = r.u8()
    if m not in (0, 1):
        raise r.error(f"invalid global mutability flag {m:#04x}", at)
    return GlobalType(vt, bool(m))


def _read_storage_type(r: Reader) -> None:
    b = r.peek()
    if b in (0x78, 0x77):   # i8, i16
        r.u8()
    else:
        read_valtype(r)


def _read_comp_type(r: Reader) -> FuncType | CompositeType:
    at = r.pos
    form = r.u8()
    if form == 0x60:
        params = tuple(read_valtype(r) for _ in range(r.count(1)))
        results = tuple(read_valtype(r) for _ in range(r.count(1)))
        return FuncType(params, results)
    if form == 0x5F:
        for _ in range(r.count(2)):
            _read_storage_type(r)
            r.u8()
        return CompositeType("struct")
    if form == 0x5E:
        _read_storage_type(r)
        r.u8()
        return CompositeType("array")
    if form == 0x5D:   # stack switching: cont type
        r.s33()
        return CompositeType("cont")
    raise r.error(f"invalid type form {form:#04x}", at)


def _read_sub_type(r: Reader) -> FuncType | CompositeType:
    b = r.peek()
    if b in (0x50, 0x4F):
        r.u8()
        for _ in range(r.count(1)):
            r.u32()
    return _read_comp_type(r)


def _read_types(r: Reader, out: list) -> None:
    for _ in range(r.count(1)):
        if r.peek() == 0x4E:
            r.u8()
            for _ in range(r.count(1)):
                out.append(_read_sub_type(r))
        else:
            out.append(_read_sub_type(r))


def _read_import_desc(r: Reader) -> tuple[str, object]:
    at = r.pos
    kind = r.u8()
    if kind == 0x00:
        return "func", r.u32()
    if kind == 0x01:
        return "table", read_table_type(r)
    if kind == 0x02:
        return "memory", read_memory_type(r)
    if kind == 0x03:
        return "global", read_global_type(r)
    if kind == 0x04:
        if r.u8() != 0:
            raise r.error("invalid tag attribute", r.pos - 1)
        return "tag", r.u32()
    if kind == 0x20:    # exact function import (custom descriptors)
        return "func", r.u32()
    raise r.error(f"invalid import kind {kind:#04x}", at)


def _read_names(section: Section, names: Names) -> None:
    """Best effort, like engines: a malformed name section is ignored rather than fatal."""
    r = Reader(section.payload, section.payload_offset)
    try:
        r.name()  # the custom section's own name, "name"
        while not r.at_end():
            sub_id = r.u8()
            sub = r.sub(r.u32())
            if sub_id == 0:
                names.module = sub.name()
            elif sub_id in (1, 7, 9, 6):
                target = {1: names.functions, 7: names.globals, 9: names.data, 6: names.memories}[sub_id]
                for _ in range(sub.count(2)):
                    idx = sub.u32()
                    target[idx] = sub.name()
    except BinaryFormatError:
        pass


def parse_module(data: bytes | bytearray | memoryview, start: int = 0, end: int | None = None) -> Module:
    """Decode the module stored in ``data[start:end]``.

    ``data`` is the whole file (a component embeds modules at some offset), so every offset recorded
    is a file offset and every view indexes ``data`` directly.
    """
    base = 0
    view = data if isinstance(data, memoryview) else memoryview(data)
    end = len(view) if end is None else end
    check_header(view, start, end, expect="module")
    m = Module(view, start, end)
    last_order = 0
    seen: set[int] = set()
    func_count_declared: int | None = None
    for sec, sr in frames(Reader(view, base, start + 8, end), "core"):
        sid, sec_at, custom_name = sec.id, sec.offset, sec.custom_name
        if sid == CUSTOM:
            pass
        elif sid in _ORDER:
            if sid in seen:
                raise BinaryFormatError(f"duplicate {sid} section", offset=sec_at)
            if _ORDER[sid] < last_order:
                raise BinaryFormatError(f"section {sid} out of order", offset=sec_at)
            seen.add(sid)
            last_order = _ORDER[sid]
        else:
            raise BinaryFormatError(f"unknown section id {sid}", offset=sec_at)
        m.sections.append(sec)
        if sid == TYPE:
            _read_types(sr, m.types)
        elif sid == IMPORT:
            for _ in range(sr.count(3)):
                at = sr.offset
                mod = sr.name()
                fld = sr.name()
                kind, desc = _read_import_desc(sr)
                m.imports.append(Import(mod, fld, kind, desc, at))
        elif sid == FUNCTION:
            func_count_declared = sr.count(1)
            m.func_types = [sr.u32() for _ in range(func_count_declared)]
        elif sid == TABLE:
            for _ in range(sr.count(1)):
                if sr.peek() == 0x40:
                    sr.u8()
                    if sr.u8() != 0:
                        raise sr.error("invalid table encoding", sr.pos - 1)
                    tt = read_table_type(sr)
                    instructions.skip_const_expr(sr)
                else:
                    tt = read_table_type(sr)
                m.tables.append(tt)
        elif sid == MEMORY:
            m.memories = [read_memory_type(sr) for _ in range(sr.count(1))]
        elif sid == TAG:
            for _ in range(sr.count(2)):
                if sr.u8() != 0:
                    raise sr.error("invalid tag attribute", sr.pos - 1)
                m.tags.append(sr.u32())
        elif sid == GLOBAL:
            for _ in range(sr.count(2)):
                at = sr.offset
                gt = read_global_type(sr)
                e0 = sr.pos
                instructions.skip_const_expr(sr)
                m.globals.append(Global(gt, bytes(view[e0:sr.pos]), at))
        elif sid == EXPORT:
            m.has_export_section = True
            for _ in range(sr.count(3)):
                at = sr.offset
                nm = sr.name()
                k_at = sr.pos
                k = sr.u8()
                if k not in EXTERNAL_KINDS:
                    raise sr.error(f"invalid export kind {k:#04x}", k_at)
                m.exports.append(Export(nm, EXTERNAL_KINDS[k], sr.u32(), at))
        elif sid == START:
            m.start_func = sr.u32()
        elif sid == ELEMENT:
            m.element_count = sr.count(1)
            sr.pos = sr.end  # copied verbatim; never decoded
        elif sid == DATACOUNT:
            m.data_count = sr.u32()
        elif sid == CODE:
            n = sr.count(1)
            if func_count_declared is not None and n != func_count_declared:
                raise BinaryFormatError(
                    f"function and code section have inconsistent lengths ({func_count_declared} vs {n})",
                    offset=sec_at)
            bodies = m.code_bodies
            for _ in range(n):
                size_b = sr.u32()
                b0 = sr.pos
                sr.skip(size_b)
                bodies.append((b0, b0 + size_b))
        elif sid == DATA:
            for _ in range(sr.count(1)):
                at = sr.offset
                flag_at = sr.pos
                flag = sr.u32()
                if flag in (0, 2):
                    mem = sr.u32() if flag == 2 else 0
                    e0 = sr.pos
                    instructions.skip_const_expr(sr)
                    expr = bytes(view[e0:sr.pos])
                    mode = "active"
                elif flag == 1:
                    mem, expr, mode = 0, b"", "passive"
                else:
                    raise sr.error(f"invalid data segment flags {flag}", flag_at)
                n = sr.u32()
                d0 = sr.pos
                sr.skip(n)
                m.segments.append(DataSegment(mode, mem, expr, base + d0, n, at))
        elif sid == CUSTOM and custom_name == "name":
            _read_names(sec, m.names)
        if sid != CUSTOM and not sr.at_end():
            raise BinaryFormatError(f"section size mismatch: {sr.remaining()} unread bytes in section {sid}",
                                    offset=sr.offset)
    if func_count_declared and CODE not in seen:
        raise BinaryFormatError("function section declares functions but there is no code section",
                                offset=base + end)
    if m.data_count is not None and m.data_count != len(m.segments) and (DATA in seen or m.data_count):
        raise BinaryFormatError(
            f"data count section says {m.data_count} segments but the data section has {len(m.segments)}",
            offset=base + end)
    m.end = end
    return m


def scan_forbidden(m: Module) -> list[instructions.Found]:
    """Every forbidden instruction in every function body, in order."""
    out: list[instructions.Found] = []
    first = m.num_imported_funcs
    data = m.data
    for i, (b0, b1) in enumerate(m.code_bodies):
        instructions.scan_body(data, b0, b1, 0, first + i, out)
    return out
