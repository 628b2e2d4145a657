"""Compare two states of one linear memory without ever holding a whole memory.

A snapshot already holds what matters: the bytes of its data segments (the non-zero regions) and
the memory's length. :class:`SparseMemory` reads any window of such a state, filling the gaps with
zeros, and :func:`changed_ranges` finds the byte runs that differ between two states chunk by
chunk. The inspector's hex diff and the determinism check both read memories this way, so a
100 MiB memory costs what its non-zero bytes cost, and a window costs what the window costs.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from .snapshot import Snapshot

CHUNK = 1 << 20        # bytes compared at once


@dataclass
class SparseMemory:
    """A memory image: ``length`` bytes, zero except for the sorted, disjoint ``pieces``."""

    length: int
    starts: list[int] = field(default_factory=list)
    datas: list[bytes] = field(default_factory=list)

    @classmethod
    def from_pieces(cls, length: int, pieces: list[tuple[int, bytes]]) -> "SparseMemory":
        pieces = sorted((p for p in pieces if p[1]), key=lambda p: p[0])
        return cls(length, [p[0] for p in pieces], [bytes(p[1]) for p in pieces])

    @classmethod
    def from_snapshot(cls, snap: Snapshot, memory_index: int) -> "SparseMemory":
        """The memory ``memory_index`` as the snapshot saw it (its segments are its bytes)."""
        state = snap.memory_state(memory_index)
        length = state.byte_length if state is not None else 0
        return cls.from_pieces(length, [(s.offset, s.data) for s in snap.segments if s.memory == memory_index])

    def spans(self) -> list[tuple[int, int]]:
        return [(s, s + len(d)) for s, d in zip(self.starts, self.datas)]

    def read(self, offset: int, n: int) -> bytes:
        """``n`` bytes from ``offset`` (zeros outside the pieces and past the end)."""
        if n <= 0:
            return b""
        end = offset + n
        out = bytearray(n)
        i = max(bisect.bisect_right(self.starts, offset) - 1, 0)
        while i < len(self.starts) and self.starts[i] < end:
            s = self.starts[i]
            d = self.datas[i]
            lo, hi = max(s, offset), min(s + len(d), end)
            if lo < hi:
                out[lo - offset:hi - offset] = d[lo - s:hi - s]
            i += 1
        return bytes(out)


def union_spans(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sorted, disjoint union of two lists of [start, end) spans."""
    spans = sorted(a + b)
    out: list[list[int]] = []
    for s, e in spans:
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _diff_runs(x: bytes, y: bytes, base: int) -> list[tuple[int, int]]:
    import numpy as np
    ne = np.frombuffer(x, dtype=np.uint8) != np.frombuffer(y, dtype=np.uint8)
    edges = np.flatnonzero(np.diff(ne.view(np.int8), prepend=0, append=0))
    return [(int(s) + base, int(e) + base) for s, e in zip(edges[0::2], edges[1::2])]


def changed_ranges(before: SparseMemory, after: SparseMemory) -> tuple[list[int], list[int]]:
    """(starts, ends) of the byte runs whose values differ, both states read as zero-extended."""
    starts: list[int] = []
    ends: list[int] = []
    for s, e in union_spans(before.spans(), after.spans()):
        pos = s
        while pos < e:
            n = min(CHUNK, e - pos)
            x, y = before.read(pos, n), after.read(pos, n)
            if x != y:
                for rs, re_ in _diff_runs(x, y, pos):
                    if starts and ends[-1] == rs:        # a run cut by a chunk border
                        ends[-1] = re_
                    else:
                        starts.append(rs)
                        ends.append(re_)
            pos += n
    return starts, ends


@dataclass
class MemoryDiff:
    """Before and after states of one memory and where they differ (sorted byte runs)."""

    where: str                # module label ("" for a core module input)
    memory: int               # absolute memory index
    before: SparseMemory
    after: SparseMemory
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    @classmethod
    def between(cls, where: str, memory: int, before: SparseMemory, after: SparseMemory) -> "MemoryDiff":
        starts, ends = changed_ranges(before, after)
        return cls(where, memory, before, after, starts, ends)

    @property
    def changed_bytes(self) -> int:
        return sum(e - s for s, e in zip(self.starts, self.ends))

    @property
    def length(self) -> int:
        return max(self.before.length, self.after.length)

    def is_changed(self, offset: int) -> bool:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i >= 0 and offset < self.ends[i]

    def changed_mask(self, offset: int, n: int) -> list[bool]:
        """Which of the ``n`` bytes from ``offset`` changed (for colouring one hex line)."""
        mask = [False] * n
        i = max(bisect.bisect_right(self.starts, offset) - 1, 0)
        end = offset + n
        while i < len(self.starts) and self.starts[i] < end:
            lo, hi = max(self.starts[i], offset), min(self.ends[i], end)
            for k in range(lo, hi):
                mask[k - offset] = True
            i += 1
        return mask

    def next_change(self, offset: int) -> int | None:
        """Start of the first changed run that starts after ``offset``."""
        i = bisect.bisect_right(self.starts, offset)
        return self.starts[i] if i < len(self.starts) else None

    def prev_change(self, offset: int) -> int | None:
        """Start of the last changed run that starts before ``offset``."""
        i = bisect.bisect_left(self.starts, offset) - 1
        return self.starts[i] if i >= 0 else None
