"""Dataclasses for the parts of a core module that the pre-initializer reads or rewrites."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import encode

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
        return self.name not in ("i32", "i64", "f32", "f64", "v128")

    def __str__(self) -> str:
        return self.name


I32 = ValType("i32", b"\x7f")
I64 = ValType("i64", b"\x7e")
F32 = ValType("f32", b"\x7d")
F64 = ValType("f64", b"\x7c")
V128 = ValType("v128", b"\x7b")


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
        return 1 << (16 if self.page_size_log2 is None else self.page_size_log2)

    def encode(self) -> bytes:
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
    module: str | None = None
    functions: dict[int, str] = field(default_factory=dict)
    globals: dict[int, str] = field(default_factory=dict)
    data: dict[int, str] = field(default_factory=dict)
    memories: dict[int, str] = field(default_factory=dict)
