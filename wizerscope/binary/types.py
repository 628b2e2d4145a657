"""The parts of a core module that the pre-initializer reads or rewrites, and their decoders.

Value, table, memory and global types keep enough to be printed, checked and re-encoded; GC
struct and array types are read only so that the type index space is counted right.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import encode
from .reader import Reader

# Section ids of the core binary format.
CUSTOM, TYPE, IMPORT, FUNCTION, TABLE, MEMORY, GLOBAL, EXPORT, START, ELEMENT, CODE, DATA, DATACOUNT, TAG = (
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)
EXTERNAL_KINDS = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
EXTERNAL_KIND_CODES = {v: k for k, v in EXTERNAL_KINDS.items()}

NUMERIC = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}
ABSTRACT_HEAP = {
    0x70: "func", 0x6F: "extern", 0x6E: "any", 0x6D: "eq", 0x6C: "i31", 0x6B: "struct",
    0x6A: "array", 0x71: "none", 0x72: "noextern", 0x73: "nofunc", 0x69: "exn", 0x74: "noexn",
    0x68: "cont", 0x75: "nocont",
}


@dataclass(frozen=True)
class ValType:
    """A value type; ``raw`` is its exact encoding so it can be copied into new sections."""

    name: str           # "i32", "f64", "v128", "funcref", "(ref null 3)", ...
    raw: bytes

    @property
    def is_ref(self) -> bool:
        """A reference type (whose values a snapshot cannot write down)."""
        return self.name not in ("i32", "i64", "f32", "f64", "v128")

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class FuncType:
    params: tuple[ValType, ...]
    results: tuple[ValType, ...]

    def __str__(self) -> str:
        p = " ".join(map(str, self.params))
        r = " ".join(map(str, self.results))
        return f"[{p}] -> [{r}]"


@dataclass(frozen=True)
class CompositeType:
    """A GC struct or array type (only its kind matters here)."""

    kind: str  # "struct" | "array"


@dataclass(frozen=True)
class Limits:
    minimum: int
    maximum: int | None


@dataclass(frozen=True)
class MemoryType:
    minimum: int
    maximum: int | None = None
    shared: bool = False
    memory64: bool = False
    page_size_log2: int | None = None   # custom-page-sizes proposal; None = 64 KiB pages

    @property
    def page_size(self) -> int:
        """Bytes per page: 64 KiB unless the custom-page-sizes proposal says otherwise."""
        return 1 << (16 if self.page_size_log2 is None else self.page_size_log2)

    def encode(self) -> bytes:
        """The memory type's encoding, for a rewritten memory section (e.g. a raised minimum)."""
        flags = (1 if self.maximum is not None else 0) | (2 if self.shared else 0) \
            | (4 if self.memory64 else 0) | (8 if self.page_size_log2 is not None else 0)
        out = bytes((flags,)) + encode.uleb(self.minimum)
        if self.maximum is not None:
            out += encode.uleb(self.maximum)
        if self.page_size_log2 is not None:
            out += encode.uleb(self.page_size_log2)
        return out

    def __str__(self) -> str:
        parts = ["i64" if self.memory64 else "i32", str(self.minimum)]
        if self.maximum is not None:
            parts.append(str(self.maximum))
        if self.shared:
            parts.append("shared")
        if self.page_size_log2 is not None:
            parts.append(f"(pagesize {1 << self.page_size_log2})")
        return " ".join(parts)


@dataclass(frozen=True)
class TableType:
    element: ValType
    limits: Limits
    table64: bool = False
    raw: bytes = b""


@dataclass(frozen=True)
class GlobalType:
    value: ValType
    mutable: bool

    def encode(self) -> bytes:
        """The global type's encoding: value type, then mutability."""
        return self.value.raw + (b"\x01" if self.mutable else b"\x00")

    def __str__(self) -> str:
        return f"(mut {self.value})" if self.mutable else str(self.value)


@dataclass(frozen=True)
class Import:
    module: str
    field: str
    kind: str                  # func | table | memory | global | tag
    desc: object               # type index (func/tag), TableType, MemoryType, GlobalType
    offset: int


@dataclass(frozen=True)
class Export:
    name: str
    kind: str
    index: int
    offset: int


@dataclass(frozen=True)
class Global:
    type: GlobalType
    init_expr: bytes           # constant expression including the final `end`
    offset: int


@dataclass(frozen=True)
class DataSegment:
    mode: str                  # "active" | "passive"
    memory: int
    offset_expr: bytes         # for active segments, including the final `end`
    data_offset: int           # absolute file offset of the segment's bytes
    length: int
    offset: int                # absolute file offset of the segment entry


@dataclass
class Names:
    """What the "name" custom section says of the module, its functions and its globals (the
    names the inspector and the reports show)."""

    module: str | None = None
    functions: dict[int, str] = field(default_factory=dict)
    globals: dict[int, str] = field(default_factory=dict)
    data_segments: dict[int, str] = field(default_factory=dict)   # e.g. ".rodata", ".data" (the anatomy's names)


# -- decoders -------------------------------------------------------------------------------
def _heaptype_name(r: Reader) -> str:
    at = r.pos
    v = r.s33()
    if v < 0:
        code = r.data[at]
        return ABSTRACT_HEAP.get(code, f"heap{code:#x}")
    return str(v)


# The one-byte value types, made once: a parse meets thousands (componentize-py's component:
# 5,242 ValTypes and 1,893 GlobalTypes, ~6 ms of its ~45 ms) and they are frozen, so shared
_ONE_BYTE = {**{b: ValType(n, bytes((b,))) for b, n in NUMERIC.items()},
             **{b: ValType(f"{n}ref", bytes((b,))) for b, n in ABSTRACT_HEAP.items()}}
_ONE_BYTE_GLOBAL = {(b, m): GlobalType(vt, bool(m)) for b, vt in _ONE_BYTE.items() for m in (0, 1)}


def read_valtype(r: Reader) -> ValType:
    """A value type, with its exact bytes (a ref type's heap type may be a multi-byte index)."""
    at = r.pos
    b = r.u8()
    simple = _ONE_BYTE.get(b)
    if simple is not None:
        return simple
    if b in (0x63, 0x64):
        ht = _heaptype_name(r)
        name = f"(ref null {ht})" if b == 0x63 else f"(ref {ht})"
        return ValType(name, bytes(r.data[at:r.pos]))
    raise r.error(f"invalid value type {b:#04x}", at)


def read_limits(r: Reader, flags: int) -> Limits:
    """Minimum and optional maximum after a limits flags byte (bit 0: has max, bit 2: 64-bit)."""
    is64 = bool(flags & 4)
    mn = r.u64() if is64 else r.u32()
    mx = (r.u64() if is64 else r.u32()) if flags & 1 else None
    return Limits(mn, mx)


def read_memory_type(r: Reader) -> MemoryType:
    """A memory type: flags (max, shared, memory64, custom page size), limits, page size."""
    at = r.pos
    flags = r.u8()
    if flags & ~0x0F:
        raise r.error(f"invalid memory limits flags {flags:#04x}", at)
    lim = read_limits(r, flags)
    log2 = r.u32() if flags & 8 else None
    return MemoryType(lim.minimum, lim.maximum, bool(flags & 2), bool(flags & 4), log2)


def read_table_type(r: Reader) -> TableType:
    """A table type: element type, flags, limits; ``raw`` keeps the bytes."""
    at = r.pos
    elem = read_valtype(r)
    flags = r.u8()
    if flags & ~0x07:
        raise r.error(f"invalid table limits flags {flags:#04x}", r.pos - 1)
    lim = read_limits(r, flags)
    return TableType(elem, lim, bool(flags & 4), bytes(r.data[at:r.pos]))


def read_global_type(r: Reader) -> GlobalType:
    """A global type: value type, then a mutability byte that must be 0 or 1."""
    data, at = r.data, r.pos
    if at + 1 < r.end:
        simple = _ONE_BYTE_GLOBAL.get((data[at], data[at + 1]))
        if simple is not None:
            r.pos = at + 2
            return simple
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


def read_types(r: Reader, out: list) -> None:
    """The type section's entries appended to ``out``, one per type index: a recursion group
    (0x4E) defines one index per member."""
    for _ in range(r.count(1)):
        if r.peek() == 0x4E:
            r.u8()
            for _ in range(r.count(1)):
                out.append(_read_sub_type(r))
        else:
            out.append(_read_sub_type(r))


def read_tag_type(r: Reader) -> int:
    """A tag's type index (after the one attribute byte there is, 0 = exception)."""
    if r.u8() != 0:
        raise r.error("invalid tag attribute", r.pos - 1)
    return r.u32()


def read_import_desc(r: Reader) -> tuple[str, object]:
    """An import's kind and description: a type index (func, tag) or a table/memory/global type."""
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
        return "tag", read_tag_type(r)
    if kind == 0x20:    # exact function import (custom descriptors)
        return "func", r.u32()
    raise r.error(f"invalid import kind {kind:#04x}", at)
