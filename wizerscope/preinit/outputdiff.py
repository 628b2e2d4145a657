"""Compare two binaries as the initial states they instantiate to (``wizerscope diff A B``).

Two pre-initialized outputs, or an input and its output, are compared the way an instance would
start from them: each defined global's initializer, each defined memory's image (its minimum size,
zero except where active data segments with constant offsets put bytes, later segments over earlier
ones), and the sections that differ in size or content. Nothing is run. A component is compared
core module by core module (paired by their place in the component tree).

The states are identical when every global and every memory byte is; sections may differ
(renamed exports, a dropped start function) without the states differing. Each differing byte
range can later carry the memory anatomy's region (:attr:`DifferingRange.region`, filled in by
:func:`annotate_regions` once an anatomy is known); nothing here guesses one.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Callable

from ..binary.component import parse_component
from ..binary.header import header_kind
from ..binary.instructions import const_bits
from ..binary.module import Module, parse_module
from ..binary.reader import Reader
from ..binary.section import Section
from ..binary.values import format_value
from .statediff import MemoryDiff, SparseMemory, changed_ranges

LISTED_RANGES = 1000         # differing ranges listed per memory (the counts cover them all)


@dataclass
class DifferingRange:
    start: int
    end: int
    region: str | None = None          # the anatomy's region of these bytes, where known


@dataclass
class GlobalChange:
    module: str
    index: int
    name: str | None
    type: str
    a: str
    b: str


@dataclass
class MemoryChange:
    module: str
    memory: int
    length_a: int | None               # None: the memory is not in that binary
    length_b: int | None
    changed_bytes: int
    range_count: int
    ranges: list[DifferingRange] = field(default_factory=list)     # the first LISTED_RANGES


@dataclass
class SectionChange:
    module: str                        # "" for the top level of a core module or component
    section: str                       # e.g. "data", "custom 'name'", "export"
    size_a: int | None                 # None: absent from that binary
    size_b: int | None


@dataclass
class StateDiff:
    kind_a: str
    kind_b: str
    globals: list[GlobalChange] = field(default_factory=list)
    memories: list[MemoryChange] = field(default_factory=list)
    sections: list[SectionChange] = field(default_factory=list)
    modules_only_in_a: list[str] = field(default_factory=list)
    modules_only_in_b: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        """The initial states are the same (sections may still differ)."""
        return not (self.globals or self.memories or self.modules_only_in_a or self.modules_only_in_b)


# -- one binary's initial state ------------------------------------------------------------------
def core_modules(wasm: bytes | memoryview) -> tuple[dict[str, Module], list[Section] | None]:
    """Every core module of a binary by its place ("" for a core module input), and a component's
    own top-level sections (None for a core module)."""
    if header_kind(wasm) == "module":
        return {"": parse_module(wasm)}, None
    tree = parse_component(wasm)
    modules = {comp.item_path(f"core module {i}"): m for comp in tree.walk() for i, m in enumerate(comp.modules)}
    return modules, tree.sections


def global_values(m: Module) -> list[tuple[int, str, str]]:
    """(index, type, value) of each defined global; a non-constant initializer as its bytes."""
    out = []
    for k, g in enumerate(m.globals):
        t = g.type.value.name
        bits = const_bits(g.init_expr)
        out.append((m.num_imported_globals + k, t, format_value(t, bits) if bits is not None else
                    f"expr {bytes(g.init_expr).hex(' ')}"))
    return out


def _offset(expr: bytes) -> int | None:
    r = Reader(memoryview(expr))
    op = r.u8()
    if op not in (0x41, 0x42):
        return None
    v = r.s32() if op == 0x41 else r.s64()
    return v if r.u8() == 0x0B and r.at_end() else None


def memory_image(m: Module, index: int) -> SparseMemory:
    """Defined memory ``index`` (absolute) as instantiation leaves it, before any start function."""
    mt = m.memories[index - m.num_imported_memories]
    pieces: list[tuple[int, memoryview]] = []
    for seg in m.segments:
        if seg.mode != "active" or seg.memory != index:
            continue
        at = _offset(bytes(seg.offset_expr))
        if at is not None and seg.length:
            pieces.append((at & ((1 << 64) - 1), m.data[seg.data_offset:seg.data_offset + seg.length]))
    return _paint(mt.minimum * mt.page_size, pieces)


def _paint(length: int, pieces: list[tuple[int, memoryview]]) -> SparseMemory:
    """Pieces in segment order, later ones over earlier ones (copied only where they overlap)."""
    ordered = sorted(pieces, key=lambda p: p[0])
    if all(x[0] + len(x[1]) <= y[0] for x, y in zip(ordered, ordered[1:])):
        return SparseMemory(length, [p[0] for p in ordered], [p[1] for p in ordered])
    spans: list[list[int]] = []
    for at, data in ordered:
        if spans and at <= spans[-1][0] + spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], at + len(data) - spans[-1][0])
        else:
            spans.append([at, len(data)])
    starts = [at for at, _ in spans]
    bufs = [bytearray(n) for _, n in spans]
    for at, data in pieces:
        k = bisect.bisect_right(starts, at) - 1
        bufs[k][at - starts[k]:at - starts[k] + len(data)] = data
    return SparseMemory(length, starts, [bytes(b) for b in bufs])


# -- comparing ----------------------------------------------------------------------------------
def compare_globals(where: str, a: Module, b: Module, out: StateDiff) -> None:
    bv = {i: (t, v) for i, t, v in global_values(b)}
    for i, t, v in global_values(a):
        other = bv.get(i)
        if other is None or other != (t, v):
            out.globals.append(GlobalChange(where, i, a.names.globals.get(i), t, v,
                                            other[1] if other is not None else "(absent)"))


def memory_pairs(a: Module, b: Module):
    """(absolute index, image in ``a`` or None, image in ``b`` or None) for every defined memory."""
    ia = range(a.num_imported_memories, a.num_imported_memories + len(a.memories))
    ib = range(b.num_imported_memories, b.num_imported_memories + len(b.memories))
    for index in sorted(set(ia) | set(ib)):
        yield index, (memory_image(a, index) if index in ia else None), (memory_image(b, index) if index in ib else None)


def compare_memories(where: str, a: Module, b: Module, out: StateDiff) -> None:
    for index, ma, mb in memory_pairs(a, b):
        starts, ends = changed_ranges(ma or SparseMemory(0), mb or SparseMemory(0))
        la, lb = (ma.length if ma else None), (mb.length if mb else None)
        if starts or la != lb:
            ranges = [DifferingRange(s, e) for s, e in zip(starts[:LISTED_RANGES], ends[:LISTED_RANGES])]
            out.memories.append(MemoryChange(where, index, la, lb, sum(e - s for s, e in zip(starts, ends)),
                                             len(starts), ranges))


def image_diffs(a: bytes | memoryview, b: bytes | memoryview) -> list[MemoryDiff]:
    """Every memory of the modules both binaries have, ``a``'s image as "before" and ``b``'s as
    "after", for a byte-level view (the hex diff reads them window by window)."""
    (mods_a, _), (mods_b, _) = core_modules(a), core_modules(b)
    out = []
    for where, ma in mods_a.items():
        mb = mods_b.get(where)
        if mb is not None:
            for index, xa, xb in memory_pairs(ma, mb):
                out.append(MemoryDiff.between(where, index, xa or SparseMemory(0), xb or SparseMemory(0)))
    return out


def _keyed(sections: list[Section]) -> dict[tuple[str, int], Section]:
    """Sections by (kind, occurrence of that kind), so repeated custom sections pair in order."""
    seen: dict[str, int] = {}
    out = {}
    for s in sections:
        n = seen.get(s.kind, 0)
        seen[s.kind] = n + 1
        out[(s.kind, n)] = s
    return out


def compare_sections(where: str, a: list[Section], b: list[Section], out: StateDiff) -> None:
    ka, kb = _keyed(a), _keyed(b)
    for key in list(ka) + [k for k in kb if k not in ka]:
        sa, sb = ka.get(key), kb.get(key)
        if sa is None or sb is None or sa.payload != sb.payload:
            out.sections.append(SectionChange(where, key[0], sa.size if sa else None, sb.size if sb else None))


def diff_states(a: bytes | memoryview, b: bytes | memoryview) -> StateDiff:
    """How the initial states of binaries ``a`` and ``b`` differ (see the module docstring)."""
    out = StateDiff(header_kind(a), header_kind(b))
    (mods_a, top_a), (mods_b, top_b) = core_modules(a), core_modules(b)
    if top_a is not None or top_b is not None:
        compare_sections("", top_a or [], top_b or [], out)
    for where, ma in mods_a.items():
        mb = mods_b.get(where)
        if mb is None:
            out.modules_only_in_a.append(where)
            continue
        compare_globals(where, ma, mb, out)
        compare_memories(where, ma, mb, out)
        compare_sections(where, ma.sections, mb.sections, out)
    out.modules_only_in_b = [w for w in mods_b if w not in mods_a]
    return out


def annotate_regions(diff: StateDiff, region_of: Callable[[str, int, int, int], str | None]) -> None:
    """Name the region of every listed range: ``region_of(module, memory, start, end)`` (e.g. from
    the memory anatomy) returns a region name or None where it does not know."""
    for m in diff.memories:
        for r in m.ranges:
            r.region = region_of(m.module, m.memory, r.start, r.end)
