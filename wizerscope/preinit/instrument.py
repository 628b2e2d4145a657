"""Instrumentation: export every defined mutable global and every defined memory (SPEC §2.4).

Only the export section changes; every other section is copied byte for byte. The returned
:class:`Instrumentation` is what the snapshot reads through and what the inspector shows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..binary import encode
from ..binary.module import Module
from ..binary.types import EXPORT, EXTERNAL_KIND_CODES, GlobalType, MemoryType


@dataclass(frozen=True)
class GlobalProbe:
    index: int                # absolute index in the global index space
    export: str               # __wizer_global_{index}
    type: GlobalType


@dataclass(frozen=True)
class MemoryProbe:
    defined: int              # ordinal among defined memories
    index: int                # absolute index in the memory index space
    export: str               # __wizer_memory_{defined}
    type: MemoryType


@dataclass
class Instrumentation:
    globals: list[GlobalProbe] = field(default_factory=list)
    memories: list[MemoryProbe] = field(default_factory=list)
    added_export_section: bool = False

    @property
    def export_names(self) -> list[str]:
        return [g.export for g in self.globals] + [m.export for m in self.memories]


def probes(m: Module) -> Instrumentation:
    """Which state the instrumentation exposes, without building anything."""
    ins = Instrumentation()
    gbase = m.num_imported_globals
    for i, g in enumerate(m.globals):
        if g.type.mutable:
            ins.globals.append(GlobalProbe(gbase + i, f"__wizer_global_{gbase + i}", g.type))
    mbase = m.num_imported_memories
    for k, mt in enumerate(m.memories):
        ins.memories.append(MemoryProbe(k, mbase + k, f"__wizer_memory_{k}", mt))
    return ins


def _export_entries(m: Module, ins: Instrumentation) -> list[bytes]:
    out = []
    for g in ins.globals:
        out.append(encode.name(g.export) + bytes((EXTERNAL_KIND_CODES["global"],)) + encode.uleb(g.index))
    for mp in ins.memories:
        out.append(encode.name(mp.export) + bytes((EXTERNAL_KIND_CODES["memory"],)) + encode.uleb(mp.index))
    return out


def instrument_module(m: Module, *, add_missing_export_section: bool = True) -> tuple[bytes, Instrumentation]:
    """The instrumented module's bytes and what was exposed.

    The reference only appends exports to an existing export section (a component module without
    one then panics in rewrite); with ``add_missing_export_section`` we add the section instead.
    """
    ins = probes(m)
    new = _export_entries(m, ins)
    parts: list[bytes | memoryview] = [m.data[m.start:m.start + 8]]
    emitted = False
    order_after_export = {8, 9, 12, 10, 11}   # start, element, datacount, code, data
    for s in m.sections:
        if s.id == EXPORT:
            r_count_end = _export_count_end(s)
            count = len(m.exports) + len(new)
            payload = encode.uleb(count) + bytes(s.payload[r_count_end:]) + b"".join(new)
            parts.append(encode.section(EXPORT, payload))
            emitted = True
            continue
        if not emitted and not m.has_export_section and add_missing_export_section and new \
                and s.id in order_after_export:
            parts.append(encode.section(EXPORT, encode.vec(new)))
            ins.added_export_section = True
            emitted = True
        parts.append(s.raw(m.data))
    if not emitted and not m.has_export_section and add_missing_export_section and new:
        parts.append(encode.section(EXPORT, encode.vec(new)))
        ins.added_export_section = True
    return b"".join(parts), ins


def _export_count_end(s) -> int:
    """Length of the export section's leading count LEB."""
    i = 0
    while s.payload[i] & 0x80:
        i += 1
    return i + 1
