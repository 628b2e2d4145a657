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
from ..binary.encode import LazyJoin
from ..binary.module import Module
from ..binary.types import (CODE, CUSTOM, DATA, DATACOUNT, EXPORT, EXTERNAL_KIND_CODES, GLOBAL, MEMORY,
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
    if seg.memory == 0 and not seg.memory64 and seg.offset < 0x8000_0000:   # the common head: one concatenation
        return b"\x00\x41" + encode.sleb(seg.offset) + b"\x0b" + encode.uleb(len(seg.data))
    if seg.memory64:
        offset = b"\x42" + encode.sleb(encode.signed64(seg.offset)) + b"\x0b"
    else:
        offset = b"\x41" + encode.sleb(encode.signed32(seg.offset)) + b"\x0b"
    head = b"\x00" if seg.memory == 0 else b"\x02" + encode.uleb(seg.memory)
    return head + offset + encode.uleb(len(seg.data))


HEADS_KERNEL_FROM = 256      # snapshot segments from which their heads are encoded in one kernel call


def _data_segment_heads(segments: list[SegmentData]) -> list[bytes]:
    """:func:`_data_segment_head` of every segment: in one kernel call when there are many and
    all are of the common kind (runtime/kernels/segment_heads: componentize-py's 10,000 heads,
    ~20 -> ~4 ms), else one by one."""
    if len(segments) >= HEADS_KERNEL_FROM and not any(s.memory or s.memory64 for s in segments):
        offsets = [s.offset for s in segments]
        from .runtime.kernels.segment_heads import LIMIT, segment_heads
        if max(offsets) < LIMIT:
            return segment_heads(offsets, [len(s.data) for s in segments])
    return [_data_segment_head(s) for s in segments]


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
    for head, seg in zip(_data_segment_heads(snap.segments), snap.segments):
        pieces.append(head)
        pieces.append(seg.data)
    log.added_segments = len(snap.segments)
    pieces.insert(0, encode.uleb(len(m.segments) + len(snap.segments)))
    size = sum(map(len, pieces))
    return [bytes((DATA,)) + encode.uleb(size), *pieces]


def rewrite_module(m: Module, snap: Snapshot, *, init_func: str, keep_init_func: bool = False,
                   renames: list[tuple[str, str]] | None = None, remove_initialize: bool = True,
                   log: RewriteLog | None = None) -> tuple[bytes, bytes | BodyFreeTwin]:
    """The pre-initialized module's bytes, and what validating proves them valid: the bytes
    themselves, or their body-free twin (see :func:`body_free_twin`)."""
    out, twin = rewrite_module_lazily(m, snap, init_func=init_func, keep_init_func=keep_init_func,
                                      renames=renames, remove_initialize=remove_initialize, log=log)
    joined = out.join()
    return joined, twin or joined


def rewrite_module_lazily(m: Module, snap: Snapshot, *, init_func: str, keep_init_func: bool = False,
                          renames: list[tuple[str, str]] | None = None, remove_initialize: bool = True,
                          log: RewriteLog | None = None) -> tuple[LazyJoin, BodyFreeTwin | None]:
    """:func:`rewrite_module` with the module kept as its pieces: a component splices them into
    its own output (componentize-py's 15 MB libpython module is then copied once, not twice),
    and the twin (None: validate the module itself) is matched against the pieces."""
    log = log if log is not None else RewriteLog()
    by_src = check_renames(renames or [])
    parts: list[bytes | memoryview] = [m.data[m.start:m.start + 8]]
    data_done = False
    last_ordered = max((i for i, s in enumerate(m.sections) if s.id != CUSTOM), default=-1)
    has_data = any(s.id == DATA for s in m.sections)
    code_at: int | None = None

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
            if s.id == CODE:
                code_at = len(parts)
            parts.append(s.raw(m.data))
        if i == last_ordered and not has_data and not data_done and _needs_data_after_code(m, i):
            # a `name` section (or nothing) follows; keep the reference's placement: before `name`,
            # else at the end. Only forced here when a `name` section came before the code section.
            parts.extend(data_section())
    if not data_done:
        parts.extend(data_section())
    return LazyJoin(parts), body_free_twin(m, log, parts, code_at)


@dataclass
class BodyFreeTwin:
    """A rewritten module with every function body replaced by ``unreachable``, and where its
    code section stands: ``head`` bytes before it, ``stub`` bytes long in the twin, ``code`` (the
    input's code section, copied into the output) there in the output; ``parts``, the output's
    pieces it was made from."""

    twin: bytes
    head: int
    stub: int
    code: memoryview
    parts: tuple = ()

    def matches(self, output: bytes | LazyJoin) -> bool:
        """Whether ``output`` is the twin with the input's code section in place of the stub, so
        that the twin's validity carries over: for unjoined pieces, whether they are the very
        pieces the twin was made from; for bytes, compared at memcmp speed (a few ms for 18 MB)."""
        if isinstance(output, LazyJoin):
            parts = output.parts
            if parts is not None:
                return len(parts) == len(self.parts) and all(a is b for a, b in zip(parts, self.parts))
            output = output.join()
        t = memoryview(self.twin)
        n = len(self.code)
        return (len(output) == len(self.twin) - self.stub + n and output.startswith(t[:self.head])
                and output.startswith(self.code, self.head) and output.startswith(t[self.head + self.stub:], self.head + n))


def _may_ref_func(code: bytes | memoryview, index: int) -> bool:
    """Whether ``code`` may hold ``ref.func index``: it holds the opcode (0xD2) followed by one
    of the index's LEB128 encodings (the shortest, or padded up to five bytes) somewhere (a match
    inside other bytes only costs a whole validation). One regex pass at memchr speed."""
    import re
    shortest = encode.uleb(index)
    # a padded encoding: the last byte gets its continuation bit, zero groups follow, then 0x00
    longer = shortest[:-1] + bytes((shortest[-1] | 0x80,))
    encodings = [shortest] + [longer + b"\x80" * k + b"\x00" for k in range(5 - len(shortest))]
    return re.search(b"|".join(re.escape(b"\xd2" + e) for e in encodings), code) is not None


# a function body that is valid whatever the function's type: no locals, `unreachable`, `end`
_STUB_BODY = b"\x03\x00\x00\x0b"


def body_free_twin(m: Module, log: RewriteLog, parts: list, code_at: int | None) -> BodyFreeTwin | None:
    """The output with every function body replaced by ``unreachable``, when validating it proves
    the output valid; else None (validate the output itself).

    Validating an output's code costs what validating the input's did (componentize-py: 40 ms of
    a warm run; seconds for a 100 MB module), though the code section is copied byte for byte and
    the input passed wasmtime's validation (this run's check, or a remembered verdict). A body is
    valid against its module's context, and the rewrite keeps that context: types, imports,
    functions, tables, tags and elements are copied; memories keep their types (only minimums
    change), globals their types (only initial values change), data segments their indices (the
    originals stay, emptied, and the snapshot's come after them; the data count only grows). The
    one thing it can take away is a declared function reference: an export is a declaration, so
    a removed function export whose function is not still exported and whose ``ref.func`` the
    code section may hold (:func:`_may_ref_func`), or a changed initial value of a
    reference-typed global, means the output is validated whole.
    Everything the rewrite did write (memories, globals, exports, data) is in the twin as written,
    and the output is compared with it byte for byte before the twin's verdict stands for it
    (:meth:`BodyFreeTwin.matches`).
    """
    if code_at is None or not m.code_count:
        return None
    removed = set(log.removed_exports)
    still = {e.index for e in m.exports if e.kind == "func" and e.name not in removed}
    if any(e.kind == "func" and e.name in removed and e.index not in still and _may_ref_func(parts[code_at], e.index)
           for e in m.exports):
        return None
    first = m.num_imported_globals
    numeric = ("i32", "i64", "f32", "f64", "v128")
    if any(m.globals[i - first].type.value.name not in numeric for i in log.globals_changed):
        return None
    twin = list(parts)
    twin[code_at] = stub = encode.section(CODE, encode.vec([_STUB_BODY] * m.code_count))
    head = sum(len(p) for p in parts[:code_at])
    return BodyFreeTwin(b"".join(twin), head, len(stub), memoryview(parts[code_at]), tuple(parts))


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
