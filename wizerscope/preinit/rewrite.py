"""Build the pre-initialized module from the original sections and a snapshot.

Unchanged sections are copied byte for byte. Changed: memory minimums, mutable globals' initial
values, exports (init function, `_initialize`, renames), the start section (removed), the data
count, and the data section (active segments emptied into passive ones so indices stay valid, then
the snapshot segments appended). The data section always lands after the code section, also when
a `name` section stands before it (where the reference writes an invalid module).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..binary import encode
from ..binary.module import Module
from ..binary.types import (CUSTOM, DATA, DATACOUNT, EXPORT, EXTERNAL_KIND_CODES, GLOBAL, MEMORY,
                            START, MemoryType, ValType)
from .options import check_renames
from .snapshot import SegmentData, Snapshot


@dataclass
class RewriteLog:
    """What the rewrite changed, section by section (for the inspector and --json)."""

    memory_minimums: list[tuple[int, int, int]] = field(default_factory=list)   # (index, old, new)
    globals_changed: list[int] = field(default_factory=list)
    removed_exports: list[str] = field(default_factory=list)
    renamed_exports: list[tuple[str, str]] = field(default_factory=list)        # (old, new)
    removed_start: int | None = None
    emptied_active_segments: int = 0
    kept_passive_segments: int = 0
    added_segments: int = 0
    data_count: tuple[int, int] | None = None


def const_expr(value_type: ValType, bits: int) -> bytes:
    """A constant expression producing ``bits`` of ``value_type`` (floats bit-exact)."""
    name = value_type.name
    if name == "i32":
        return b"\x41" + encode.sleb(encode.signed32(bits)) + b"\x0b"
    if name == "i64":
        return b"\x42" + encode.sleb(encode.signed64(bits)) + b"\x0b"
    if name == "f32":
        return b"\x43" + (bits & 0xFFFFFFFF).to_bytes(4, "little") + b"\x0b"
    if name == "f64":
        return b"\x44" + (bits & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little") + b"\x0b"
    if name == "v128":
        return b"\xfd\x0c" + (bits & ((1 << 128) - 1)).to_bytes(16, "little") + b"\x0b"
    raise ValueError(f"cannot snapshot a global of type {name}")


def _data_segment_head(seg: SegmentData) -> bytes:
    """A snapshot segment's encoding up to its bytes (which follow it, never copied into it)."""
    if seg.memory64:
        offset = b"\x42" + encode.sleb(encode.signed64(seg.offset)) + b"\x0b"
    else:
        offset = b"\x41" + encode.sleb(encode.signed32(seg.offset)) + b"\x0b"
    head = b"\x00" if seg.memory == 0 else b"\x02" + encode.uleb(seg.memory)
    return head + offset + encode.uleb(len(seg.data))


def _data_section(m: Module, snap: Snapshot, log: RewriteLog) -> list[bytes | memoryview]:
    """The data section as pieces for the output's one join: the snapshot's bytes are referenced,
    not copied (joining them into entries, then a payload, then a section held four copies of the
    whole snapshot at the peak)."""
    pieces: list[bytes | memoryview] = []
    for s in m.segments:
        if s.mode == "active":
            pieces.append(b"\x01\x00")
            log.emptied_active_segments += 1
        else:
            pieces.append(b"\x01" + encode.uleb(s.length))
            pieces.append(m.data[s.data_offset:s.data_offset + s.length])
            log.kept_passive_segments += 1
    for seg in snap.segments:
        pieces.append(_data_segment_head(seg))
        pieces.append(seg.data)
    log.added_segments = len(snap.segments)
    pieces.insert(0, encode.uleb(len(m.segments) + len(snap.segments)))
    size = sum(len(p) for p in pieces)
    return [bytes((DATA,)) + encode.uleb(size), *pieces]


def rewrite_module(m: Module, snap: Snapshot, *, init_func: str, keep_init_func: bool = False,
                   renames: list[tuple[str, str]] | None = None, remove_initialize: bool = True,
                   log: RewriteLog | None = None) -> bytes:
    """The pre-initialized module's bytes."""
    log = log if log is not None else RewriteLog()
    by_src = check_renames(renames or [])
    parts: list[bytes | memoryview] = [m.data[m.start:m.start + 8]]
    data_done = False
    last_ordered = max((i for i, s in enumerate(m.sections) if s.id != CUSTOM), default=-1)
    has_data = any(s.id == DATA for s in m.sections)

    def data_section() -> list[bytes | memoryview]:
        nonlocal data_done
        data_done = True
        return _data_section(m, snap, log)

    for i, s in enumerate(m.sections):
        if s.id == MEMORY:
            parts.append(_memory_section(m, snap, log))
        elif s.id == GLOBAL:
            parts.append(_global_section(m, snap, log))
        elif s.id == EXPORT:
            parts.append(_export_section(m, init_func if not keep_init_func else None, remove_initialize,
                                         by_src, log))
        elif s.id == START:
            log.removed_start = m.start_func
        elif s.id == DATACOUNT:
            old = m.data_count or 0
            new = old + len(snap.segments)
            log.data_count = (old, new)
            parts.append(encode.section(DATACOUNT, encode.uleb(new)))
        elif s.id == DATA:
            parts.extend(data_section())
        elif s.id == CUSTOM and s.custom_name == "name" and not data_done and not has_data and i > last_ordered:
            parts.extend(data_section())
            parts.append(s.raw(m.data))
        else:
            parts.append(s.raw(m.data))
        if i == last_ordered and not has_data and not data_done and _needs_data_after_code(m, i):
            # a `name` section (or nothing) follows; keep the reference's placement: before `name`,
            # else at the end. Only forced here when a `name` section came before the code section.
            parts.extend(data_section())
    if not data_done:
        parts.extend(data_section())
    return b"".join(parts)


def _memory_section(m: Module, snap: Snapshot, log: RewriteLog) -> bytes:
    """Each defined memory with its type kept and its minimum raised to the snapshot's pages."""
    entries = []
    for k, mt in enumerate(m.memories):
        st = snap.memory_state(m.num_imported_memories + k)
        new_min = st.pages if st is not None else mt.minimum
        log.memory_minimums.append((m.num_imported_memories + k, mt.minimum, new_min))
        entries.append(MemoryType(new_min, mt.maximum, mt.shared, mt.memory64, mt.page_size_log2).encode())
    return encode.section(MEMORY, encode.vec(entries))


def _global_section(m: Module, snap: Snapshot, log: RewriteLog) -> bytes:
    """Mutable globals initialised to their snapshot value; immutable ones as they were."""
    entries = []
    for k, g in enumerate(m.globals):
        gv = snap.global_value(m.num_imported_globals + k) if g.type.mutable else None
        if gv is None:
            entries.append(g.type.encode() + g.init_expr)
        else:
            expr = const_expr(g.type.value, gv.bits)
            if expr != g.init_expr:
                log.globals_changed.append(gv.index)
            entries.append(g.type.encode() + expr)
    return encode.section(GLOBAL, encode.vec(entries))


def _export_section(m: Module, removed_init: str | None, remove_initialize: bool, by_src: dict[str, str],
                    log: RewriteLog) -> bytes:
    """The exports without the init function (``removed_init``), `_initialize` (when asked) and
    rename destinations that are not sources; rename sources under their new names."""
    has_initialize = m.export("_initialize") is not None
    dsts = set(by_src.values())
    entries = []
    for e in m.exports:
        if e.name == removed_init or (remove_initialize and has_initialize and e.name == "_initialize") \
                or (e.name in dsts and e.name not in by_src):
            log.removed_exports.append(e.name)
            continue
        new_name = by_src.get(e.name, e.name)
        if new_name != e.name:
            log.renamed_exports.append((e.name, new_name))
        entries.append(encode.name(new_name) + bytes((EXTERNAL_KIND_CODES[e.kind],)) + encode.uleb(e.index))
    return encode.section(EXPORT, encode.vec(entries))


def _needs_data_after_code(m: Module, last_ordered: int) -> bool:
    """True when the reference's rule ('before name, else at the end') would misplace the data:
    a `name` section precedes the last non-custom section and none follows it."""
    before = any(s.id == CUSTOM and s.custom_name == "name" for s in m.sections[:last_ordered])
    after = any(s.id == CUSTOM and s.custom_name == "name" for s in m.sections[last_ordered + 1:])
    return before and not after
