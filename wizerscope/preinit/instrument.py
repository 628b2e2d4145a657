"""Instrumentation: export every defined mutable global and every defined memory.

The state a snapshot needs is internal to the instance; exporting it (``__wizer_global_{i}`` for
the global at absolute index i, ``__wizer_memory_{k}`` for the k-th defined memory, the names the
reference uses) lets the host read it after init without touching the code. Only the export
section changes; every other section is copied byte for byte. The returned
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
    original_segments: int = 0        # the module's data segments (the output keeps them, emptied)

    @property
    def export_names(self) -> list[str]:
        return [g.export for g in self.globals] + [m.export for m in self.memories]


@dataclass
class Unit:
    """A module whose state a run snapshots: the core input itself, or an instantiated core
    module of a component (``instance`` is then its core instance index, ``path`` the component
    it sits in, ``copy_of`` the module it copies when specialisation gave a twice-instantiated
    module one copy per instance)."""

    module: Module
    instrumentation: Instrumentation
    path: str = ""
    module_index: int = 0
    instance: int | None = None
    copy_of: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.path, self.module_index)

    @property
    def label(self) -> str:
        """"" for a core input; else where the module sits, e.g. "component 0 / core module 2"."""
        if self.instance is None:
            return ""
        item = f"core module {self.module_index}"
        return f"{self.path} / {item}" if self.path else item

    @property
    def title(self) -> str:
        """The label, saying which module a copy copies."""
        if self.copy_of is None:
            return self.label
        return f"{self.label} (copy of core module {self.copy_of})"


def probes(m: Module) -> Instrumentation:
    """Which state the instrumentation exposes, without building anything."""
    ins = Instrumentation(original_segments=len(m.segments))
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
    parts, ins = instrument_module_parts(m, add_missing_export_section=add_missing_export_section)
    return b"".join(parts), ins


def instrument_module_parts(m: Module, *, add_missing_export_section: bool = True
                            ) -> tuple[list[bytes | memoryview], Instrumentation]:
    """:func:`instrument_module` as the pieces of its bytes (mostly views of the input's sections),
    for a caller that joins them into something bigger once (a component: no copy per module)."""
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
    return parts, ins


def _export_count_end(s) -> int:
    """Length of the export section's leading count LEB."""
    i = 0
    while s.payload[i] & 0x80:
        i += 1
    return i + 1
