"""The static layout of a module's linear memory, read from the binary: where its data segments
lie, where the shadow stack and the heap begin, as far as the binary says so.

The conventions are the linker's (wasm-ld, which every LLVM toolchain uses): a mutable global
``__stack_pointer`` (found by its name in the name section or an export) starts at the top of
the stack and the stack grows down; ``__data_end`` ends the static data (the zero-initialised
part included, which has no segment), ``__heap_base`` starts the heap; ``__stack_low`` /
``__stack_high`` bound the stack when exported. wasm-ld puts the stack either after the data
(its default: the stack is ``[__data_end, __heap_base)`` and the heap starts at the stack's
top) or, with ``--stack-first``, at address 0 below all data. A bound is stated only when one of
these values says it; otherwise it stays None and :attr:`Layout.notes` says what is missing.
See docs/anatomy.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..binary.dwarf import Variable
from ..binary.instructions import const_bits
from ..binary.module import Module

_STACK_ALIGN = 16


@dataclass(frozen=True)
class StaticSegment:
    index: int                 # in the data section
    name: str | None           # from the name section
    start: int
    end: int


@dataclass
class Layout:
    """One memory's layout. ``stack_*`` and ``heap_base`` are for the memory the stack pointer
    addresses (memory 0) and None on the others."""

    memory: int
    segments: list[StaticSegment] = field(default_factory=list)
    stack_pointer: int | None = None       # global index
    stack_top: int | None = None           # the stack pointer's initial value
    stack_low: int | None = None           # exact lower bound of the stack
    data_end: int | None = None
    debug_end: int | None = None           # where the last variable the debug info knows ends (a lower
                                           # bound of __data_end: code without debug info has data too)
    heap_base: int | None = None
    initial_size: int | None = None        # bytes of the declared minimum: past it, only memory.grow's pages
    notes: list[str] = field(default_factory=list)

    @property
    def stack_exact(self) -> bool:
        return self.stack_top is not None and self.stack_low is not None

    @property
    def static_end(self) -> int:
        return max((s.end for s in self.segments), default=0)


def _global_value(m: Module, index: int) -> int | None:
    """The constant a defined global starts with (None for an imported or computed one)."""
    k = index - m.num_imported_globals
    if not 0 <= k < len(m.globals):
        return None
    bits = const_bits(m.globals[k].init_expr)
    return bits & 0xFFFFFFFF if bits is not None and m.globals[k].type.value.name == "i32" else bits


def _named_global(m: Module, name: str) -> int | None:
    """A global called ``name`` by an export or the name section (AssemblyScript names its
    own ``~lib/memory/__heap_base``)."""
    for e in m.exports:
        if e.kind == "global" and e.name == name:
            return e.index
    for index, n in m.names.globals.items():
        if n == name or n.endswith("/" + name):
            return index
    return None


def _value_of(m: Module, name: str) -> int | None:
    index = _named_global(m, name)
    return _global_value(m, index) if index is not None else None


def static_segments(m: Module, memory: int) -> list[StaticSegment]:
    """The active segments of ``memory`` at constant offsets, by start."""
    out = []
    for i, seg in enumerate(m.segments):
        if seg.mode != "active" or seg.memory != memory:
            continue
        at = const_bits(seg.offset_expr)
        if at is not None:
            out.append(StaticSegment(i, m.names.data_segments.get(i), at, at + seg.length))
    return sorted(out, key=lambda s: (s.start, s.index))


def layout(m: Module, memory: int, known: list[Variable] | None = None) -> Layout:
    """What the binary says of ``memory``'s layout (``memory`` is an absolute index); ``known``
    are the variables its debug info places (memory 0)."""
    lay = Layout(memory, static_segments(m, memory))
    k = memory - m.num_imported_memories
    if 0 <= k < len(m.memories):
        lay.initial_size = m.memories[k].minimum * m.memories[k].page_size
    computed = sum(1 for s in m.segments if s.mode == "active" and s.memory == memory) - len(lay.segments)
    if computed:
        lay.notes.append(f"{computed} data segment(s) at computed offsets (dynamic linking): their place is unknown")
    if memory != 0:
        return lay
    _stack(m, lay)
    ends = [v.address + v.size for v in known or () if v.address >= lay.static_end > 0]
    if lay.data_end is None and ends and (lay.stack_top is None or lay.stack_top <= lay.static_end):
        lay.debug_end = max(ends)
    return lay


def _stack_pointer(m: Module, lay: Layout) -> int | None:
    """``__stack_pointer`` by name; in a stripped module, global 0 when it has wasm-ld's
    ``--stack-first`` signature: a mutable i32 whose initial value is where the data begins."""
    named = _named_global(m, "__stack_pointer")
    if named is not None or m.num_imported_globals or not m.globals or not lay.segments:
        return named
    g = m.globals[0]
    if g.type.mutable and g.type.value.name == "i32" and _global_value(m, 0) == lay.segments[0].start:
        lay.notes.append("__stack_pointer taken to be global 0: the module has no names, and its initial value is "
                         "where the data begins (wasm-ld --stack-first)")
        return 0
    return None


def _stack(m: Module, lay: Layout) -> None:
    lay.stack_pointer = _stack_pointer(m, lay)
    lay.data_end = _value_of(m, "__data_end")
    lay.heap_base = _value_of(m, "__heap_base")
    if lay.stack_pointer is None:
        lay.notes.append("no __stack_pointer global (name section or export): no shadow stack known")
        if lay.heap_base is None:
            lay.notes.append("no __heap_base: where the heap starts is unknown")
        return
    lay.stack_top = _global_value(m, lay.stack_pointer)
    if lay.stack_top is None:
        lay.notes.append("__stack_pointer has no constant initial value: the stack's place is unknown")
        return
    lay.stack_low = _stack_low(m, lay)
    if lay.heap_base is None and _stack_after_data(lay):
        lay.heap_base = lay.stack_top          # wasm-ld: the heap starts where the stack's top is
    if lay.heap_base is None:
        lay.notes.append("no __heap_base: where the heap starts is unknown")


def _stack_after_data(lay: Layout) -> bool:
    """wasm-ld's default: every segment (and __data_end) at or below the stack's top."""
    if lay.data_end is not None:
        return lay.data_end <= lay.stack_top
    return bool(lay.segments) and lay.static_end <= lay.stack_top


def _stack_low(m: Module, lay: Layout) -> int | None:
    low = _value_of(m, "__stack_low")
    if low is not None:
        return low
    top = lay.stack_top
    if lay.segments and min(s.start for s in lay.segments) >= top and (lay.data_end is None or lay.data_end >= top):
        return 0                                   # --stack-first: the stack starts at address 0
    if lay.data_end is not None and lay.data_end <= top:
        return -(-lay.data_end // _STACK_ALIGN) * _STACK_ALIGN
    lay.notes.append("no __data_end: where the zero-initialised data ends and the stack begins is unknown")
    return None
